// The Electron main process's decisions that do not need Electron: remembered window
// bounds, the paste tool per platform, the tray colour, and the global shortcut's
// toggle / push-to-talk logic. The shortcut registry is a stand-in for Electron's
// globalShortcut (an OS-level hook that cannot run here).
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { findPasteTool } from '../../../src-main/electron/paste-tool.js';
import { DictationShortcut, type ShortcutAction } from '../../../src-main/electron/shortcut.js';
import { trayColour } from '../../../src-main/electron/tray-colour.js';
import {
  DEFAULT_WINDOW_STATE,
  loadWindowState,
  saveWindowState,
} from '../../../src-main/electron/window-state.js';

const dir = mkdtempSync(join(tmpdir(), 'earshot-electron-logic-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.useRealTimers());

const screen = [{ x: 0, y: 0, width: 1920, height: 1080 }];

describe('window state', () => {
  it('round-trips bounds and falls back on missing, damaged or off-screen state', () => {
    const file = join(dir, 'window.json');
    expect(loadWindowState(file, screen)).toEqual(DEFAULT_WINDOW_STATE);
    saveWindowState(file, { width: 900, height: 700, x: 100, y: 50, maximized: true });
    expect(loadWindowState(file, screen)).toEqual({
      width: 900,
      height: 700,
      x: 100,
      y: 50,
      maximized: true,
    });
    // The monitor it was on is gone: keep the size, let the OS place it.
    expect(
      loadWindowState(
        file,
        [{ x: 0, y: 0, width: 800, height: 600 }].map((s) => ({ ...s, x: 3000 })),
      ),
    ).toEqual({ width: 900, height: 700, maximized: true });
    writeFileSync(file, '{"width": 10, "height": 10}');
    expect(loadWindowState(file, screen)).toEqual(DEFAULT_WINDOW_STATE);
    writeFileSync(file, 'garbage');
    expect(loadWindowState(file, screen)).toEqual(DEFAULT_WINDOW_STATE);
  });
});

describe('paste tool', () => {
  it('uses the platform keystroke tool, or says what is missing', () => {
    expect(findPasteTool('darwin', {})).toMatchObject({ command: 'osascript' });
    expect(findPasteTool('win32', {})).toMatchObject({ command: 'powershell.exe' });
    expect(findPasteTool('linux', {})).toEqual({
      reason: 'no graphical session (neither DISPLAY nor WAYLAND_DISPLAY is set)',
    });
    const empty = join(dir, 'empty-bin');
    mkdirSync(empty);
    expect(findPasteTool('linux', { DISPLAY: ':0', PATH: empty })).toMatchObject({
      reason: expect.stringContaining('xdotool'),
    });
    expect(findPasteTool('linux', { WAYLAND_DISPLAY: 'wayland-0', PATH: empty })).toMatchObject({
      reason: expect.stringContaining('wtype'),
    });
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'xdotool'), '#!/bin/sh\n');
    chmodSync(join(bin, 'xdotool'), 0o755);
    expect(findPasteTool('linux', { DISPLAY: ':0', PATH: bin })).toEqual({
      command: 'xdotool',
      args: ['key', '--clearmodifiers', 'ctrl+v'],
    });
    expect(findPasteTool('aix', {})).toEqual({
      reason: 'pasting into other applications is not supported on aix',
    });
  });
});

describe('tray colour', () => {
  it('follows the connection state', () => {
    expect(trayColour('connected', false, false)).toBe('green');
    expect(trayColour('idle', true, false)).toBe('green');
    expect(trayColour('idle', false, false)).toBe('grey');
    expect(trayColour('backing_off', false, false)).toBe('amber');
    expect(trayColour('connecting', true, false)).toBe('amber');
    expect(trayColour('offline', false, false)).toBe('red');
    expect(trayColour('unauthorized', true, false)).toBe('red');
    expect(trayColour(undefined, false, true)).toBe('red');
    expect(trayColour(undefined, false, false)).toBe('grey');
  });
});

describe('global shortcut', () => {
  function setup(accepts = true) {
    const registered = new Map<string, () => void>();
    const actions: ShortcutAction[] = [];
    const registry = {
      register: (accelerator: string, callback: () => void) =>
        accepts ? (registered.set(accelerator, callback), true) : false,
      unregister: (accelerator: string) => void registered.delete(accelerator),
    };
    return { registered, actions, shortcut: new DictationShortcut(registry, (a) => actions.push(a)) };
  }

  it('toggles on each press', () => {
    const { registered, actions, shortcut } = setup();
    expect(shortcut.apply('CommandOrControl+Shift+Space', 'toggle')).toBeUndefined();
    registered.get('CommandOrControl+Shift+Space')!();
    registered.get('CommandOrControl+Shift+Space')!();
    expect(actions).toEqual([{ command: 'dictation.toggle' }, { command: 'dictation.toggle' }]);
  });

  it('push-to-talk: starts on the first press, stops when the key repeat ends', () => {
    vi.useFakeTimers();
    const { registered, actions, shortcut } = setup();
    shortcut.apply('F9', 'push-to-talk');
    const press = registered.get('F9')!;
    press();
    for (let i = 0; i < 10; i++) {
      vi.advanceTimersByTime(50); // auto-repeat while held
      press();
    }
    expect(actions).toEqual([{ command: 'dictation.start', phase: 'down' }]);
    vi.advanceTimersByTime(700);
    expect(actions).toEqual([
      { command: 'dictation.start', phase: 'down' },
      { command: 'dictation.stop', phase: 'up' },
    ]);
  });

  it('re-registers on change, clears with an empty accelerator, and reports a refusal', () => {
    const { registered, shortcut } = setup();
    shortcut.apply('F8', 'toggle');
    shortcut.apply('F9', 'toggle');
    expect([...registered.keys()]).toEqual(['F9']);
    shortcut.apply('', 'toggle');
    expect(registered.size).toBe(0);
    expect(setup(false).shortcut.apply('F9', 'toggle')).toMatch(/taken by another application/);
  });
});
