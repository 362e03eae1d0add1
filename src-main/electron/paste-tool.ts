// Which system tool can send the paste keystroke to the focused application, per
// platform and session type, or the one-line reason there is none. Pure (no Electron),
// so it is tested on every platform's rules.
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface PasteTool {
  command: string;
  args: string[];
}

function onPath(command: string, env: NodeJS.ProcessEnv): boolean {
  return (env.PATH ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, command)));
}

/** The keystroke tool for this platform, or the reason there is none. */
export function findPasteTool(
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
): PasteTool | { reason: string } {
  if (platform === 'darwin') {
    // Needs the Accessibility permission for Earshot (System Settings > Privacy & Security).
    return {
      command: 'osascript',
      args: ['-e', 'tell application "System Events" to keystroke "v" using command down'],
    };
  }
  if (platform === 'win32') {
    return {
      command: 'powershell.exe',
      args: [
        '-NoProfile',
        '-NonInteractive',
        '-Command',
        "Add-Type -AssemblyName System.Windows.Forms; [System.Windows.Forms.SendKeys]::SendWait('^v')",
      ],
    };
  }
  if (platform === 'linux') {
    if (env.WAYLAND_DISPLAY) {
      if (onPath('wtype', env)) return { command: 'wtype', args: ['-M', 'ctrl', 'v', '-m', 'ctrl'] };
      return {
        reason:
          'on Wayland, pasting into other applications needs the "wtype" tool (e.g. apt install wtype); the text is on the clipboard instead',
      };
    }
    if (env.DISPLAY) {
      if (onPath('xdotool', env)) return { command: 'xdotool', args: ['key', '--clearmodifiers', 'ctrl+v'] };
      return {
        reason:
          'on X11, pasting into other applications needs the "xdotool" tool (e.g. apt install xdotool); the text is on the clipboard instead',
      };
    }
    return { reason: 'no graphical session (neither DISPLAY nor WAYLAND_DISPLAY is set)' };
  }
  return { reason: `pasting into other applications is not supported on ${platform}` };
}
