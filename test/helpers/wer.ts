// Word error rate: word-level Levenshtein distance over the number of reference words.
// Used to judge real recognition against the fixtures' reference texts.

export interface WerPair {
  reference: string;
  hypothesis: string;
}

/** Titles a recognizer may write either way: "Mr." and "mister" are the same word spoken. */
const SPOKEN_FORMS: Record<string, string> = { mr: 'mister', mrs: 'missus', dr: 'doctor' };

/** Lowercase words without punctuation; apostrophes inside words ("don't") are kept. */
export function normalizeWords(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}']+/gu, ' ')
    .split(' ')
    .map((word) => word.replace(/^'+|'+$/g, ''))
    .filter((word) => word.length > 0)
    .map((word) => SPOKEN_FORMS[word] ?? word);
}

/** Substitutions + deletions + insertions needed to turn `reference` into `hypothesis`. */
export function wordEdits(reference: readonly string[], hypothesis: readonly string[]): number {
  // One row of the dynamic-programming table at a time: O(len(hypothesis)) memory.
  let previous = Array.from({ length: hypothesis.length + 1 }, (_, j) => j);
  for (let i = 1; i <= reference.length; i++) {
    const current = [i];
    for (let j = 1; j <= hypothesis.length; j++) {
      const substitution = previous[j - 1] + (reference[i - 1] === hypothesis[j - 1] ? 0 : 1);
      current[j] = Math.min(substitution, previous[j] + 1, current[j - 1] + 1);
    }
    previous = current;
  }
  return previous[hypothesis.length];
}

/**
 * Edits / reference words. An empty reference scores 0 against an empty hypothesis and
 * 1 against anything else (every word is an insertion with nothing to divide by).
 */
export function wordErrorRate(reference: string, hypothesis: string): number {
  const ref = normalizeWords(reference);
  const hyp = normalizeWords(hypothesis);
  const edits = wordEdits(ref, hyp);
  if (ref.length === 0) return edits === 0 ? 0 : 1;
  return edits / ref.length;
}

/** Total edits over total reference words, so long texts weigh by their length. */
export function corpusWer(pairs: readonly WerPair[]): number {
  let edits = 0;
  let words = 0;
  for (const { reference, hypothesis } of pairs) {
    const ref = normalizeWords(reference);
    edits += wordEdits(ref, normalizeWords(hypothesis));
    words += ref.length;
  }
  if (words === 0) return edits === 0 ? 0 : 1;
  return edits / words;
}
