import { describe, expect, it } from 'vitest';
import { matchesAccelerator } from '../../src-renderer/util/shortcut.js';
import { formatElapsed } from '../../src-renderer/util/format.js';

const key = (
  k: string,
  mods: Partial<Record<'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey', boolean>> = {},
) => ({
  key: k,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  shiftKey: false,
  ...mods,
});

describe('page shortcut', () => {
  it('matches Electron accelerators with exact modifiers', () => {
    expect(
      matchesAccelerator('CommandOrControl+Shift+Space', key(' ', { ctrlKey: true, shiftKey: true })),
    ).toBe(true);
    expect(
      matchesAccelerator('CommandOrControl+Shift+Space', key(' ', { metaKey: true, shiftKey: true }), true),
    ).toBe(true);
    expect(matchesAccelerator('CommandOrControl+Shift+Space', key(' ', { ctrlKey: true }))).toBe(false);
    expect(
      matchesAccelerator(
        'CommandOrControl+Shift+Space',
        key(' ', { ctrlKey: true, shiftKey: true, altKey: true }),
      ),
    ).toBe(false);
    expect(matchesAccelerator('Alt+F9', key('F9', { altKey: true }))).toBe(true);
    expect(matchesAccelerator('Ctrl+D', key('d', { ctrlKey: true }))).toBe(true);
    expect(matchesAccelerator('', key(' '))).toBe(false);
  });

  it('formats elapsed time with tenths', () => {
    expect(formatElapsed(0)).toBe('00:00.0');
    expect(formatElapsed(75_450)).toBe('01:15.4');
  });
});
