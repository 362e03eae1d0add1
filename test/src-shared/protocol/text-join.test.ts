import { describe, expect, it } from 'vitest';
import { isCjk, joinTexts } from '../../../src-shared/protocol/text-join.js';

describe('joinTexts', () => {
  it('joins with one space and skips empty or missing texts', () => {
    expect(joinTexts(['hello', ' world ', '', undefined, 'again'])).toBe('hello world again');
    expect(joinTexts([])).toBe('');
    expect(joinTexts(['', undefined])).toBe('');
  });

  it('joins CJK to CJK without a separator, and mixed with a space', () => {
    expect(joinTexts(['你好', '世界'])).toBe('你好世界');
    expect(joinTexts(['你好', 'world'])).toBe('你好 world');
    expect(joinTexts(['hello', '世界'])).toBe('hello 世界');
    expect(joinTexts(['こんにちは', '世界'])).toBe('こんにちは世界');
  });

  it('knows CJK characters', () => {
    expect(isCjk('中')).toBe(true);
    expect(isCjk('한')).toBe(true);
    expect(isCjk('a')).toBe(false);
    expect(isCjk(undefined)).toBe(false);
  });
});
