// Paste into the application that had the focus: put the text on the clipboard, send the
// platform's paste keystroke with a system tool, then restore what the clipboard held.
// Electron cannot type into other applications itself, so this depends on the platform;
// where it cannot work the result says why, and the text stays in History to copy.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { clipboard } from 'electron';
import type { PasteResult } from '../services/dictation-service.js';

export interface PasteTool {
  command: string;
  args: string[];
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, command)));
}

/** The keystroke tool for this platform, or the reason there is none. */
export function findPasteTool(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): PasteTool | { reason: string } {
  if (platform === 'darwin') {
    // Needs the Accessibility permission for Earshot (System Settings > Privacy & Security).
    return { command: 'osascript', args: ['-e', 'tell application "System Events" to keystroke "v" using command down'] };
  }
  if (platform === 'win32') {
    return {
      command: 'powershell.exe',
      args: ['-NoProfile', '-NonInteractive', '-Command', "Add-Type -AssemblyName System.Windows.Forms; [System.Windows.Forms.SendKeys]::SendWait('^v')"],
    };
  }
  if (platform === 'linux') {
    if (env.WAYLAND_DISPLAY) {
      if (onPath('wtype')) return { command: 'wtype', args: ['-M', 'ctrl', 'v', '-m', 'ctrl'] };
      return { reason: 'on Wayland, pasting into other applications needs the "wtype" tool (e.g. apt install wtype); the text is on the clipboard instead' };
    }
    if (env.DISPLAY) {
      if (onPath('xdotool')) return { command: 'xdotool', args: ['key', '--clearmodifiers', 'ctrl+v'] };
      return { reason: 'on X11, pasting into other applications needs the "xdotool" tool (e.g. apt install xdotool); the text is on the clipboard instead' };
    }
    return { reason: 'no graphical session (neither DISPLAY nor WAYLAND_DISPLAY is set)' };
  }
  return { reason: `pasting into other applications is not supported on ${platform}` };
}

function run(tool: PasteTool): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(tool.command, tool.args, { timeout: 5000 }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`${tool.command} failed: ${String(stderr).trim() || error.message}`));
      else resolve();
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * `giveFocusBack` hides or minimises Earshot so the previous application is focused
 * again; the clipboard is restored after the target application had time to read it.
 */
export async function pasteIntoFocusedApp(text: string, giveFocusBack: () => void): Promise<PasteResult> {
  const tool = findPasteTool();
  if ('reason' in tool) {
    clipboard.writeText(text);
    return { pasted: false, reason: tool.reason };
  }
  const previous = { text: clipboard.readText(), html: clipboard.readHTML(), image: clipboard.readImage() };
  clipboard.writeText(text);
  try {
    giveFocusBack();
    await sleep(250);
    await run(tool);
    await sleep(400);
    return { pasted: true };
  } catch (error) {
    return { pasted: false, reason: (error as Error).message };
  } finally {
    if (!previous.image.isEmpty()) clipboard.writeImage(previous.image);
    else if (previous.html) clipboard.write({ text: previous.text, html: previous.html });
    else clipboard.writeText(previous.text);
  }
}
