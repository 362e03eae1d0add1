// Matches a keyboard event against an Electron-style accelerator ("CommandOrControl+Shift+Space").
// In web mode there is no global shortcut, so the page itself listens while it has focus.

const KEY_ALIASES: Record<string, string> = {
  space: ' ',
  return: 'enter',
  enter: 'enter',
  esc: 'escape',
  escape: 'escape',
  up: 'arrowup',
  down: 'arrowdown',
  left: 'arrowleft',
  right: 'arrowright',
  tab: 'tab',
  backspace: 'backspace',
  delete: 'delete',
  insert: 'insert',
  home: 'home',
  end: 'end',
  pageup: 'pageup',
  pagedown: 'pagedown',
};

export interface KeyLike {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
}

export function matchesAccelerator(accelerator: string, event: KeyLike, isMac = false): boolean {
  const parts = accelerator
    .split('+')
    .map((p) => p.trim().toLowerCase())
    .filter(Boolean);
  if (parts.length === 0) return false;
  const keyPart = parts[parts.length - 1];
  const mods = new Set(parts.slice(0, -1));
  const wantCtrl =
    mods.has('control') ||
    mods.has('ctrl') ||
    ((mods.has('commandorcontrol') || mods.has('cmdorctrl')) && !isMac);
  const wantMeta =
    mods.has('command') ||
    mods.has('cmd') ||
    mods.has('super') ||
    mods.has('meta') ||
    ((mods.has('commandorcontrol') || mods.has('cmdorctrl')) && isMac);
  const wantAlt = mods.has('alt') || mods.has('option') || mods.has('altgr');
  const wantShift = mods.has('shift');
  if (
    event.ctrlKey !== wantCtrl ||
    event.metaKey !== wantMeta ||
    event.altKey !== wantAlt ||
    event.shiftKey !== wantShift
  )
    return false;
  const want = KEY_ALIASES[keyPart] ?? keyPart;
  return event.key.toLowerCase() === want;
}
