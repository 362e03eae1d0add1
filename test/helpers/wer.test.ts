import { describe, expect, it } from 'vitest';
import { corpusWer, normalizeWords, wordEdits, wordErrorRate } from './wer.js';

describe('normalizeWords', () => {
  it('lowercases and strips punctuation but keeps apostrophes inside words', () => {
    expect(normalizeWords("Hello, World! Don't  stop... 'quoted' 42")).toEqual([
      'hello',
      'world',
      "don't",
      'stop',
      'quoted',
      '42',
    ]);
  });

  it('splits on dashes and returns nothing for blank text', () => {
    expect(normalizeWords('well-known')).toEqual(['well', 'known']);
    expect(normalizeWords('Mr. John and Mrs. Dashwood')).toEqual([
      'mister',
      'john',
      'and',
      'missus',
      'dashwood',
    ]);
    expect(normalizeWords('  ?! ')).toEqual([]);
  });
});

describe('wordEdits', () => {
  it('counts substitutions, deletions and insertions', () => {
    expect(wordEdits(['a', 'b', 'c'], ['a', 'b', 'c'])).toBe(0);
    expect(wordEdits(['a', 'b', 'c'], ['a', 'x', 'c'])).toBe(1);
    expect(wordEdits(['a', 'b', 'c'], ['a', 'c'])).toBe(1);
    expect(wordEdits(['a', 'b', 'c'], ['a', 'b', 'c', 'd'])).toBe(1);
    expect(wordEdits(['a', 'b', 'c'], [])).toBe(3);
    expect(wordEdits([], ['a', 'b'])).toBe(2);
    // "kitten" -> "sitting" at word level: k->s, e->i, insert g.
    expect(wordEdits([...'kitten'], [...'sitting'])).toBe(3);
  });
});

describe('wordErrorRate', () => {
  it('is zero for the same words regardless of case and punctuation', () => {
    expect(wordErrorRate('Turn off the lights.', 'turn off the lights')).toBe(0);
  });

  it('divides edits by the number of reference words', () => {
    expect(wordErrorRate('the cat sat on the mat', 'the cat sat on a mat')).toBeCloseTo(1 / 6);
    expect(wordErrorRate('the cat sat', 'a dog sat down here')).toBeCloseTo(4 / 3);
    expect(wordErrorRate('one two three four', '')).toBe(1);
  });

  it('handles an empty reference', () => {
    expect(wordErrorRate('', '')).toBe(0);
    expect(wordErrorRate('', 'noise')).toBe(1);
  });
});

describe('corpusWer', () => {
  it('weighs each text by its number of reference words', () => {
    const pairs = [
      { reference: 'a b c d e f g h i j', hypothesis: 'a b c d e f g h i j' }, // 0 of 10
      { reference: 'x y', hypothesis: 'x' }, // 1 of 2
    ];
    expect(corpusWer(pairs)).toBeCloseTo(1 / 12);
    // Averaging per-text rates would give 0.25: the corpus figure must not.
    expect(corpusWer(pairs)).not.toBeCloseTo(0.25);
  });

  it('is zero for no pairs', () => {
    expect(corpusWer([])).toBe(0);
  });
});
