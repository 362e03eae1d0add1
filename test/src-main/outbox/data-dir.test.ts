// The default data folder per platform (pure path logic; no folders are created).
import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultDataDir } from '../../../src-main/outbox/data-dir.js';

describe('defaultDataDir', () => {
  it('follows XDG on Linux, ignoring an empty or relative XDG_DATA_HOME', () => {
    expect(defaultDataDir({ XDG_DATA_HOME: '/data/xdg' }, 'linux')).toBe(join('/data/xdg', 'earshot'));
    expect(defaultDataDir({}, 'linux')).toBe(join(homedir(), '.local', 'share', 'earshot'));
    expect(defaultDataDir({ XDG_DATA_HOME: '' }, 'linux')).toBe(
      join(homedir(), '.local', 'share', 'earshot'),
    );
    expect(defaultDataDir({ XDG_DATA_HOME: 'relative/dir' }, 'linux')).toBe(
      join(homedir(), '.local', 'share', 'earshot'),
    );
  });

  it('uses Application Support on macOS and %APPDATA% on Windows', () => {
    expect(defaultDataDir({}, 'darwin')).toBe(join(homedir(), 'Library', 'Application Support', 'Earshot'));
    expect(defaultDataDir({ APPDATA: 'C:\\Users\\me\\AppData\\Roaming' }, 'win32')).toBe(
      join('C:\\Users\\me\\AppData\\Roaming', 'Earshot'),
    );
    expect(defaultDataDir({}, 'win32')).toBe(join(homedir(), 'AppData', 'Roaming', 'Earshot'));
  });
});
