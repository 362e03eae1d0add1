// The pure parts of Moonshine decoding: the token cap, the repetition-loop guard, token
// ids to text, and where a long chunk is split.
import { describe, expect, it } from 'vitest';
import { splitAtPauses } from '../../../src-gateway/engines/moonshine/long-input.js';
import {
  detokenize,
  maxTokensFor,
  repetitionLoopEnd,
} from '../../../src-gateway/engines/moonshine/tokens.js';
import llamaTokenizer from 'llama-tokenizer-js';

describe('token cap', () => {
  it('allows far more than the 6 tokens a second that cut off fast speech', () => {
    expect(maxTokensFor(0)).toBeGreaterThan(0);
    expect(maxTokensFor(5)).toBeGreaterThanOrEqual(100);
    expect(maxTokensFor(15)).toBeLessThan(400);
  });
});

describe('repetition loop guard', () => {
  const ids = (text: string) => llamaTokenizer.encode(text, false, false);
  /** What the decoder keeps: it checks after every token and stops at the first loop. */
  function decoded(tokens: number[]): string {
    for (let n = 1; n <= tokens.length; n++) {
      const end = repetitionLoopEnd(tokens.slice(0, n));
      if (end >= 0) return detokenize(tokens.slice(0, end));
    }
    return detokenize(tokens);
  }

  it('leaves ordinary text and a phrase said twice or three times alone', () => {
    expect(repetitionLoopEnd(ids('Please call me back when you get home tonight.'))).toBe(-1);
    expect(repetitionLoopEnd(ids('thank you thank you'))).toBe(-1);
    expect(repetitionLoopEnd(ids('no no no'))).toBe(-1);
  });

  it('stops a word or phrase repeated past any speech, keeping it twice', () => {
    const sentence = ids('I went home');
    const word = ids(' the');
    expect(word).toHaveLength(1);
    expect(decoded([...sentence, ...Array.from({ length: 40 }, () => word).flat()])).toBe(
      'I went home the the',
    );
    const phrase = ids(' and then');
    expect(decoded([...sentence, ...Array.from({ length: 20 }, () => phrase).flat()])).toBe(
      'I went home and then and then',
    );
  });
});

describe('detokenize', () => {
  it('writes the text with the model punctuation and no special tokens', () => {
    const tokens = llamaTokenizer.encode('Hello, world. Is it 5 pm?', false);
    expect(detokenize([1, ...tokens, 2])).toBe('Hello, world. Is it 5 pm?');
    // Moonshine's own specials (ids past Llama's 32,000) are not text.
    expect(detokenize([...tokens, 32_500])).toBe('Hello, world. Is it 5 pm?');
    expect(detokenize([])).toBe('');
  });
});

describe('splitAtPauses', () => {
  const frame = 512;
  /** Probabilities: 1 for speech, 0 for pause, from a pattern of [kind, frames]. */
  function pattern(parts: Array<[0 | 1, number]>): number[] {
    return parts.flatMap(([p, n]) => Array.from({ length: n }, () => p));
  }
  const options = (probabilities: number[]) => ({
    probabilities,
    frameSamples: frame,
    totalSamples: probabilities.length * frame,
    maxSamples: 300 * frame,
    minSamples: 40 * frame,
    pauseBelow: 0.35,
  });

  it('covers the input end to end and cuts in the middle of the longest pause in reach', () => {
    const probabilities = pattern([
      [1, 100],
      [0, 4],
      [1, 100],
      [0, 20],
      [1, 60],
      [0, 6],
      [1, 300],
    ]);
    const segments = splitAtPauses(options(probabilities));
    expect(segments[0]).toEqual({ start: 0, end: (204 + 10) * frame });
    for (let i = 1; i < segments.length; i++) expect(segments[i].start).toBe(segments[i - 1].end);
    expect(segments.at(-1)!.end).toBe(probabilities.length * frame);
    for (const s of segments) expect(s.end - s.start).toBeLessThanOrEqual(300 * frame);
  });

  it('cuts at the least speech-like frame when no pause comes', () => {
    const probabilities = Array.from({ length: 700 }, (_, i) => (i === 250 ? 0.4 : 0.9));
    const segments = splitAtPauses(options(probabilities));
    expect(segments[0].end).toBe(250 * frame);
    expect(segments.every((s) => s.end - s.start <= 300 * frame)).toBe(true);
  });

  it('leaves input that fits alone', () => {
    expect(splitAtPauses(options(pattern([[1, 300]])))).toEqual([{ start: 0, end: 300 * frame }]);
  });
});
