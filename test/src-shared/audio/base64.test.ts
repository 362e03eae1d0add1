import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { base64Decode, base64Encode, isStrictBase64 } from '../../../src-shared/audio/base64.js';

describe('base64', () => {
  it('matches Node for every length remainder and all byte values', () => {
    for (let length = 0; length < 70; length++) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 37 + length) & 255);
      const expected = Buffer.from(bytes).toString('base64');
      expect(base64Encode(bytes)).toBe(expected);
      expect(Array.from(base64Decode(expected))).toEqual(Array.from(bytes));
      expect(isStrictBase64(expected)).toBe(true);
    }
  });

  // Issue 10, item 6: the check was a regular expression that overflowed V8's stack above
  // ~4.27 MiB, so a long chunk got "internal error" instead of being read.
  it('checks payloads of tens of megabytes without a stack overflow', () => {
    const long = Buffer.alloc(20 * 1024 * 1024, 7).toString('base64');
    expect(isStrictBase64(long)).toBe(true);
    expect(isStrictBase64(`${long.slice(0, -4)}QQ==`)).toBe(true);
    expect(isStrictBase64(`${long.slice(0, -4)}Q===`)).toBe(false);
    expect(isStrictBase64(`${long.slice(0, -1)}!`)).toBe(false);
    expect(isStrictBase64(`!${long.slice(1)}`)).toBe(false);
  });

  it.each([
    ['missing padding', 'QUI'],
    ['a space', 'QU JD'],
    ['a newline', 'QUJD\nQUJD'],
    ['URL-safe alphabet', 'QU-_'],
    ['padding in the middle', 'QQ==QUJD'],
    ['too much padding', 'Q==='],
    ['only padding', '===='],
    ['non-ASCII', 'QUJ€'],
  ])('refuses %s', (_name, text) => {
    expect(isStrictBase64(text)).toBe(false);
    expect(() => base64Decode(text)).toThrow(/invalid base64/);
  });
});
