// Real neural recognition: Moonshine Tiny (the installed, verified models/) decodes flite
// speech and public-domain human speech (test/fixtures/human/), plus the edge cases a
// gateway meets: nothing, silence, a fragment, a long chunk that must be split inside,
// fast speech, and a broken model installation.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import llamaTokenizer from 'llama-tokenizer-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../../src-gateway/engines/index.js';
import type { Engine } from '../../../src-gateway/engines/index.js';
import { LONG_INPUT_SECONDS } from '../../../src-gateway/engines/moonshine/moonshine-engine.js';
import { maxTokensFor } from '../../../src-gateway/engines/moonshine/tokens.js';
import { MODELS, MOONSHINE_TINY_EN } from '../../../src-shared/models/manifest.js';
import { resolveModelsDir } from '../../../src-node/models/model-files.js';
import {
  allFixtures,
  concatPcm,
  fliteFixtures,
  fliteSpeech,
  readPcm,
} from '../../helpers/speech-fixtures.js';
import { corpusWer, normalizeWords, wordErrorRate } from '../../helpers/wer.js';

const RATE = 16_000;
/** Measured 4.9% on the flite and 2.8% on the LibriVox recordings (pocketsphinx: 3.7% and 29.6%). */
const MAX_CORPUS_WER = 0.08;

describe('moonshine engine', () => {
  let engine: Engine;

  beforeAll(async () => {
    engine = await createEngine('moonshine');
  });
  afterAll(() => engine?.close());

  it('names itself and its pinned model', () => {
    expect(engine.name).toBe('moonshine');
    expect(engine.model).toMatchObject({
      name: MOONSHINE_TINY_EN.id,
      version: `${MOONSHINE_TINY_EN.npmPackage}@${MOONSHINE_TINY_EN.version}`,
    });
    expect(engine.model?.sha256).toMatch(/^[0-9a-f]{12}$/);
  });

  it('recognises the flite and human fixtures within the corpus WER bound', async () => {
    const pairs: { reference: string; hypothesis: string }[] = [];
    for (const fixture of allFixtures()) {
      const { text } = await engine.transcribe(readPcm(fixture), RATE);
      pairs.push({ reference: fixture.text, hypothesis: text });
      console.log(
        `${(wordErrorRate(fixture.text, text) * 100).toFixed(1).padStart(5)}%  ${fixture.file}  ${text}`,
      );
      expect(text.length, fixture.file).toBeGreaterThan(0);
    }
    const wer = corpusWer(pairs);
    console.log(`moonshine corpus WER ${(wer * 100).toFixed(1)}% over ${pairs.length} fixtures`);
    expect(wer).toBeLessThanOrEqual(MAX_CORPUS_WER);
  });

  it('keeps the capitalisation and punctuation the model writes', async () => {
    const fixture = fliteFixtures().find((f) => f.file === 'short-04-rms.wav')!;
    const { text } = await engine.transcribe(readPcm(fixture), RATE);
    expect(text).toBe('Can you send me the report before the meeting?');
  });

  it('returns empty text for no audio and for silence', async () => {
    expect(await engine.transcribe(new Int16Array(0), RATE)).toEqual({ text: '' });
    expect(await engine.transcribe(new Int16Array(3 * RATE), RATE)).toEqual({ text: '' });
  });

  it('decodes 0.3 s of speech without failing, to at most a few words', async () => {
    const word = fliteSpeech('No.', 'awb');
    // The loudest 0.3 s of the word.
    let start = 0;
    let best = -1;
    for (let i = 0; i + 0.3 * RATE <= word.length; i += 160) {
      let energy = 0;
      for (let j = i; j < i + 0.3 * RATE; j++) energy += word[j] * word[j];
      if (energy > best) [best, start] = [energy, i];
    }
    const { text } = await engine.transcribe(word.slice(start, start + 0.3 * RATE), RATE);
    console.log(`0.3 s fragment of "No." -> ${JSON.stringify(text)}`);
    expect(normalizeWords(text).length).toBeLessThanOrEqual(3);
  });

  it('splits 40 s of speech in one chunk at pauses and keeps every sentence to the last words', async () => {
    const [first, second] = fliteFixtures().filter((f) => f.file.startsWith('long-'));
    const pcm = concatPcm([readPcm(first), readPcm(second)]);
    expect(pcm.length / RATE).toBeGreaterThan(LONG_INPUT_SECONDS * 2 - 1);
    const result = await engine.transcribe(pcm, RATE);
    const reference = `${first.text} ${second.text}`;
    console.log(`${(pcm.length / RATE).toFixed(1)} s in ${result.segments} segments: ${result.text}`);
    expect(result.segments).toBeGreaterThanOrEqual(3);
    expect(wordErrorRate(reference, result.text)).toBeLessThanOrEqual(0.15);
    const lastWords = normalizeWords('All in all it was a good day.');
    expect(normalizeWords(result.text).slice(-lastWords.length)).toEqual(lastWords);
  });

  it('does not cut off fast speech', async () => {
    const sentence =
      'Please send the quarterly numbers to the finance team before noon tomorrow, and copy me on the message so I can follow up with the auditors.';
    const pcm = fliteSpeech(sentence, 'rms', 0.55);
    const seconds = pcm.length / RATE;
    const { text } = await engine.transcribe(pcm, RATE);
    const tokens = llamaTokenizer.encode(text, false).length;
    console.log(
      `fast speech: ${seconds.toFixed(2)} s, ${tokens} tokens (${(tokens / seconds).toFixed(1)}/s): ${text}`,
    );
    // The reference implementation's cap (6 tokens a second) would have stopped before the end.
    expect(tokens).toBeGreaterThan(Math.trunc(seconds * 6));
    expect(tokens).toBeLessThan(maxTokensFor(seconds));
    expect(normalizeWords(text).slice(-4)).toEqual(['up', 'with', 'the', 'auditors']);
    expect(wordErrorRate(sentence, text)).toBeLessThanOrEqual(0.2);
  });

  it('refuses audio at another sample rate', async () => {
    await expect(engine.transcribe(new Int16Array(8000), 8000)).rejects.toThrow(/16000 Hz/);
  });
});

describe('moonshine model files', () => {
  let dir: string;
  const installed = resolveModelsDir();

  /** A copy of the installed models in which `damage` breaks something. */
  function brokenCopy(damage: (modelDir: string) => void): string {
    const copy = join(dir, `models-${Math.random().toString(36).slice(2)}`);
    for (const spec of MODELS) {
      mkdirSync(join(copy, spec.id), { recursive: true });
      for (const file of spec.files)
        copyFileSync(join(installed, spec.id, file.name), join(copy, spec.id, file.name));
    }
    damage(join(copy, MOONSHINE_TINY_EN.id));
    return copy;
  }

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'earshot-models-test-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names a missing file and the command that installs it', async () => {
    const modelsDir = brokenCopy((model) => rmSync(join(model, 'encoder_model.onnx')));
    const error = await createEngine('moonshine', { moonshine: { modelsDir } }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    console.log(message);
    expect(message).not.toContain('\n');
    expect(message).toContain(join(modelsDir, MOONSHINE_TINY_EN.id, 'encoder_model.onnx'));
    expect(message).toMatch(/is missing: run "npm run setup"/);
  });

  it('refuses a file whose sha256 does not match, even at the right size', async () => {
    const modelsDir = brokenCopy((model) => {
      const path = join(model, 'decoder_model_merged.onnx');
      const bytes = readFileSync(path);
      bytes[bytes.length >> 1] ^= 0xff;
      writeFileSync(path, bytes);
    });
    const message = await createEngine('moonshine', { moonshine: { modelsDir } }).then(
      () => 'loaded',
      (e: Error) => e.message,
    );
    console.log(message);
    expect(message).toContain(join(modelsDir, MOONSHINE_TINY_EN.id, 'decoder_model_merged.onnx'));
    expect(message).toMatch(
      /is corrupt \(sha256 [0-9a-f]{12}\.\.\., expected [0-9a-f]{12}\.\.\.\): run "npm run setup"/,
    );
  });
});
