// Real recognition: the native addon and the system en-us model decode the flite fixtures.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineUnavailableError } from '../../../src-gateway/engines/engine.js';
import { createEngine } from '../../../src-gateway/engines/index.js';
import type { Engine } from '../../../src-gateway/engines/index.js';
import { loadAddon } from '../../../src-gateway/engines/pocketsphinx.js';
import { MODEL_DIR_ENV, resolveModelPaths } from '../../../src-gateway/engines/pocketsphinx-model.js';
import { toProtocolPcm } from '../../../src-shared/audio/wav.js';
import { corpusWer, wordErrorRate } from '../../helpers/wer.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/', import.meta.url));
const MAX_CORPUS_WER = 0.15;
const RATE = 16_000;
// ~90 s of audio at ~0.25x real time per core is ~25 s, but 2 cores are shared with
// other suites: a generous ceiling, not a performance bound (that is bench/engine-speed.ts).
const DECODE_ALL_TIMEOUT_MS = 600_000;

interface FixtureEntry {
  file: string;
  text: string;
  voice: string;
  seconds: number;
}

const manifest = JSON.parse(readFileSync(join(FIXTURES, 'manifest.json'), 'utf8')) as FixtureEntry[];
const readFixture = (file: string): Int16Array => toProtocolPcm(readFileSync(join(FIXTURES, file)));

describe('pocketsphinx engine', () => {
  let engine: Engine;

  beforeAll(async () => {
    engine = await createEngine('pocketsphinx');
  });

  afterAll(() => engine?.close());

  it(
    'recognises every fixture within the corpus WER bound',
    async () => {
      expect(manifest.length).toBeGreaterThanOrEqual(13);
      const pairs: { reference: string; hypothesis: string }[] = [];
      for (const entry of manifest) {
        const { text } = await engine.transcribe(readFixture(entry.file), RATE);
        pairs.push({ reference: entry.text, hypothesis: text });
        const wer = wordErrorRate(entry.text, text);
        console.log(`${(wer * 100).toFixed(1).padStart(5)}%  ${entry.file.padEnd(20)} ${text}`);
      }
      const total = corpusWer(pairs);
      console.log(`corpus WER ${(total * 100).toFixed(1)}% over ${manifest.length} fixtures`);
      // Every fixture must yield words: an engine returning "" everywhere must not pass.
      for (const pair of pairs) expect(pair.hypothesis.length, pair.reference).toBeGreaterThan(0);
      expect(total).toBeLessThanOrEqual(MAX_CORPUS_WER);
    },
    DECODE_ALL_TIMEOUT_MS,
  );

  it('reports its name and returns nothing for silence', async () => {
    expect(engine.name).toBe('pocketsphinx');
    expect((await engine.transcribe(new Int16Array(RATE), RATE)).text).toBe('');
    expect((await engine.transcribe(new Int16Array(0), RATE)).text).toBe('');
  });

  it('answers overlapping calls each with its own audio', async () => {
    const [first, second] = manifest.filter((entry) => entry.file.startsWith('short-'));
    const results = await Promise.all([
      engine.transcribe(readFixture(first.file), RATE),
      engine.transcribe(readFixture(second.file), RATE),
    ]);
    expect(wordErrorRate(first.text, results[0].text)).toBeLessThan(0.5);
    expect(wordErrorRate(second.text, results[1].text)).toBeLessThan(0.5);
  });

  it('decodes exactly the samples of a view into a larger buffer', async () => {
    const [before, wanted] = manifest.filter((entry) => entry.file.startsWith('short-')).slice(2, 4);
    const head = readFixture(before.file);
    const tail = readFixture(wanted.file);
    const joined = new Int16Array(head.length + tail.length);
    joined.set(head);
    joined.set(tail, head.length);
    // A view with a byte offset: the addon must start at the view, not at the buffer.
    const { text } = await engine.transcribe(joined.subarray(head.length), RATE);
    expect(wordErrorRate(wanted.text, text)).toBeLessThan(0.5);
    expect(wordErrorRate(before.text, text)).toBeGreaterThan(0.5);
  });

  it('rejects audio at another sample rate', async () => {
    await expect(engine.transcribe(new Int16Array(8000), 8000)).rejects.toThrow(/16000 Hz/);
  });

  it('finishes a running decode when closed, then refuses new work', async () => {
    const other = await createEngine('pocketsphinx');
    const entry = manifest[0];
    const pending = other.transcribe(readFixture(entry.file), RATE);
    other.close();
    // Closing while the first decode is queued or running must not crash the process.
    await pending.then(
      (result) => expect(wordErrorRate(entry.text, result.text)).toBeLessThan(0.5),
      (err: Error) => expect(err.message).toMatch(/closed/),
    );
    await expect(other.transcribe(new Int16Array(RATE), RATE)).rejects.toThrow(/closed/);
  });
});

describe('pocketsphinx addon', () => {
  it('refuses a second decode on a busy decoder and validates its arguments', async () => {
    const addon = loadAddon();
    const model = resolveModelPaths();
    const decoder = addon.createDecoder(model.hmm, model.lm, model.dict);
    const audio = readFixture(manifest[0].file);
    const running = addon.decode(decoder, audio);
    expect(() => addon.decode(decoder, audio)).toThrow(/busy/);
    expect(wordErrorRate(manifest[0].text, await running)).toBeLessThan(0.5);
    expect(() => addon.decode(decoder, new Float32Array(4) as unknown as Int16Array)).toThrow(/Int16Array/);
    addon.freeDecoder(decoder);
    expect(() => addon.decode(decoder, audio)).toThrow(/freed/);
    expect(() => addon.createDecoder('only-one' as string, undefined as unknown as string, '')).toThrow(
      /string/,
    );
  });
});

describe('pocketsphinx model lookup', () => {
  it('names the missing path when modelDir has no model', async () => {
    const missing = join(FIXTURES, 'no-such-model');
    const attempt = createEngine('pocketsphinx', { pocketsphinx: { modelDir: missing } });
    await expect(attempt).rejects.toBeInstanceOf(EngineUnavailableError);
    await expect(attempt).rejects.toThrow(
      `pocketsphinx model not found: ${missing} is missing (model folder from modelDir option`,
    );
  });

  it(`names ${MODEL_DIR_ENV} when the folder from the environment is incomplete`, () => {
    // The fixtures folder exists but holds no acoustic model.
    expect(() => resolveModelPaths(undefined, { [MODEL_DIR_ENV]: FIXTURES })).toThrow(
      new RegExp(`${join(FIXTURES, 'en-us')} is missing \\(model folder from ${MODEL_DIR_ENV}`),
    );
  });

  it('reports a broken model file with the library reason', async () => {
    const { mkdtempSync, symlinkSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const good = resolveModelPaths();
    const dir = mkdtempSync(join(tmpdir(), 'earshot-ps-model-'));
    try {
      symlinkSync(good.hmm, join(dir, 'en-us'));
      symlinkSync(good.dict, join(dir, 'cmudict-en-us.dict'));
      writeFileSync(join(dir, 'en-us.lm.bin'), 'not a language model\n');
      const attempt = createEngine('pocketsphinx', { pocketsphinx: { modelDir: dir } });
      await expect(attempt).rejects.toBeInstanceOf(EngineUnavailableError);
      await expect(attempt).rejects.toThrow(
        /could not load the model in .*: ps_init failed: .*en-us\.lm\.bin/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
