// Joining chunk texts into one transcript (docs/protocol.md, "Session semantics"): a single space
// between chunks, except where both sides of the join are CJK, which the base system
// (built for Chinese) joins without a separator.

const CJK = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af\uff00-\uffef]/u;

export function isCjk(char: string | undefined): boolean {
  return char !== undefined && CJK.test(char);
}

export function joinTexts(texts: readonly (string | undefined)[]): string {
  let out = '';
  for (const raw of texts) {
    const text = (raw ?? '').trim();
    if (!text) continue;
    if (!out) {
      out = text;
      continue;
    }
    const last = out[out.length - 1];
    const first = text[0];
    out += isCjk(last) && isCjk(first) ? text : ` ${text}`;
  }
  return out;
}
