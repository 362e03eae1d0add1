// From Moonshine's token ids to text, and the two limits on greedy decoding: how many
// tokens a stretch of audio may produce, and when the decoder is repeating itself.
import llamaTokenizer from 'llama-tokenizer-js';

/** Moonshine's decoder starts from <s> and ends with </s>, as in Llama's vocabulary. */
export const START_TOKEN = 1;
export const END_TOKEN = 2;
/** Ids past Llama's 32,000 are Moonshine's own special tokens: never text. */
const TEXT_VOCABULARY_SIZE = 32_000;

/**
 * Most tokens `seconds` of audio may decode to. The reference implementation allows 6 per
 * second, which fast speech exceeds (the fast-speech test measures ~10); speech past 8
 * words a second is rare, and a word is one or two tokens with its punctuation, so 20 per
 * second cannot cut speech off. A decoder that loops is stopped by `repetitionLoopEnd`
 * long before this cap, so its only cost is bounding the worst case.
 */
export const TOKENS_PER_SECOND_CAP = 20;
export function maxTokensFor(seconds: number): number {
  return Math.ceil(Math.max(0, seconds) * TOKENS_PER_SECOND_CAP) + 12;
}

/** Longest repeating unit looked for (a short phrase). */
const MAX_LOOP_PERIOD = 12;
/** A unit repeated until it spans this many tokens is a loop, not speech... */
const LOOP_SPAN = 16;
/** ...provided it came at least this many times. */
const MIN_LOOP_REPEATS = 3;

/**
 * Greedy decoders sometimes fall into a loop, repeating the last word or phrase until the
 * token cap. When the end of `tokens` is such a loop, returns the length to keep (the
 * text before it and the unit twice: a speaker may well say a thing twice); else -1.
 */
export function repetitionLoopEnd(tokens: readonly number[]): number {
  const n = tokens.length;
  for (let period = 1; period <= MAX_LOOP_PERIOD; period++) {
    const repeats = Math.max(MIN_LOOP_REPEATS, Math.ceil(LOOP_SPAN / period));
    const span = period * repeats;
    if (span > n) continue;
    let looping = true;
    for (let i = n - span; i < n - period && looping; i++) looping = tokens[i] === tokens[i + period];
    if (looping) return n - span + 2 * period;
  }
  return -1;
}

/** The text of a token sequence: what the model wrote, with only the outer spaces trimmed. */
export function detokenize(tokens: readonly number[]): string {
  const text = tokens.filter((t) => t > END_TOKEN && t < TEXT_VOCABULARY_SIZE);
  if (text.length === 0) return '';
  return llamaTokenizer.decode(text, false, true).replace(/\s+/g, ' ').trim();
}
