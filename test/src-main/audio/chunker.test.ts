// The chunker on real speech: the long fixtures are flite sentences joined with pauses.
// Where the pauses are is measured from the audio itself (stretches whose amplitude stays
// near zero), independently of the chunker's detector, and every cut must land in one.
// Each case runs with both detectors: Silero VAD (the installed model, what the CLI and
// the app use) and the energy gate (the fallback when the model cannot load).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  Chunker,
  chunkPcm as chunkWith,
  type Chunk,
  type ChunkerOptions,
} from '../../../src-main/audio/chunker.js';
import {
  EnergyDetector,
  loadSpeechDetectors,
  type SpeechDetector,
} from '../../../src-main/audio/speech-detector.js';
import { toProtocolPcm } from '../../../src-shared/audio/wav.js';
import { createRng } from '../../../src-shared/backoff.js';
import { REPO_ROOT } from '../../helpers/build.js';

const FIXTURES = join(REPO_ROOT, 'test', 'fixtures');
const RATE = 16_000;
const manifest = JSON.parse(readFileSync(join(FIXTURES, 'manifest.json'), 'utf8')) as Array<{
  file: string;
  seconds: number;
}>;
const longFixtures = manifest.filter((entry) => entry.file.startsWith('long-')).map((entry) => entry.file);

function load(file: string): Int16Array {
  return toProtocolPcm(readFileSync(join(FIXTURES, file)));
}

/** Stretches of >= minMs where every 10 ms window peaks below `peak` (the clean signal's pauses). */
function silences(pcm: Int16Array, minMs: number, peak = 300): Array<[number, number]> {
  const win = RATE / 100;
  const out: Array<[number, number]> = [];
  let start = -1;
  for (let w = 0; w * win <= pcm.length; w++) {
    let max = 0;
    for (let i = w * win; i < Math.min(pcm.length, (w + 1) * win); i++) max = Math.max(max, Math.abs(pcm[i]));
    const quiet = w * win < pcm.length && max < peak;
    if (quiet && start < 0) start = w * win;
    if (!quiet && start >= 0) {
      if (w * win - start >= (minMs * RATE) / 1000) out.push([start, Math.min(pcm.length, w * win)]);
      start = -1;
    }
  }
  return out;
}

/** Samples where the clean signal is clearly speech (10 ms windows peaking above 2000). */
function loudWindows(pcm: Int16Array): number[] {
  const win = RATE / 100;
  const out: number[] = [];
  for (let w = 0; (w + 1) * win <= pcm.length; w++) {
    let max = 0;
    for (let i = w * win; i < (w + 1) * win; i++) max = Math.max(max, Math.abs(pcm[i]));
    if (max > 2000) out.push(w * win);
  }
  return out;
}

function addNoise(pcm: Int16Array, amplitude: number, seed: number): Int16Array {
  const rng = createRng(seed);
  const out = new Int16Array(pcm.length);
  for (let i = 0; i < pcm.length; i++) {
    // Sum of uniforms: roughly Gaussian hiss, the kind a laptop microphone adds.
    const noise = (rng() + rng() + rng() - 1.5) * amplitude;
    out[i] = Math.max(-32768, Math.min(32767, Math.round(pcm[i] + noise)));
  }
  return out;
}

function inSilence(sample: number, gaps: Array<[number, number]>): boolean {
  return gaps.some(([start, end]) => sample >= start && sample <= end);
}

/** Every boundary between chunks and every dropped stretch must lie in a pause of the clean signal. */
function expectCutsInPauses(clean: Int16Array, chunks: Chunk[], gaps: Array<[number, number]>): void {
  for (let i = 0; i < chunks.length; i++) {
    const chunk = chunks[i];
    const end = chunk.startSample + chunk.pcm.length;
    if (i > 0)
      expect(
        inSilence(chunk.startSample, gaps),
        `chunk ${i} starts at ${chunk.startSample / RATE}s, inside speech`,
      ).toBe(true);
    if (i < chunks.length - 1)
      expect(inSilence(end, gaps), `chunk ${i} ends at ${end / RATE}s, inside speech`).toBe(true);
  }
  // Nothing that is speech may fall outside every chunk.
  for (const loud of loudWindows(clean)) {
    const covered = chunks.some(
      (c) => loud >= c.startSample && loud + RATE / 100 <= c.startSample + c.pcm.length,
    );
    expect(covered, `speech at ${loud / RATE}s is in no chunk`).toBe(true);
  }
}

function expectWellFormed(
  chunks: Chunk[],
  options: Required<Pick<ChunkerOptions, 'minChunkMs' | 'maxChunkMs'>>,
): void {
  chunks.forEach((chunk, i) => {
    expect(chunk.index).toBe(i);
    const ms = (chunk.pcm.length / RATE) * 1000;
    expect(ms).toBeLessThanOrEqual(options.maxChunkMs);
    if (i < chunks.length - 1) expect(ms).toBeGreaterThanOrEqual(options.minChunkMs);
    if (i > 0) {
      const previous = chunks[i - 1];
      expect(chunk.startSample).toBeGreaterThanOrEqual(previous.startSample + previous.pcm.length);
    }
  });
}

const silero = await loadSpeechDetectors();
if (silero.kind !== 'silero')
  throw new Error(`the Silero model must be installed for this test: ${silero.fallbackReason}`);

describe.each([
  ['silero', silero.create],
  ['energy', () => new EnergyDetector()],
] as const)('with the %s detector', (_kind, speechDetector: () => SpeechDetector) => {
  const chunkPcm = (pcm: Int16Array, options: ChunkerOptions = {}) =>
    chunkWith(pcm, { speechDetector, ...options });
  const newChunker = (options: ChunkerOptions = {}) => new Chunker({ speechDetector, ...options });

  describe('Chunker on sentences joined with pauses', () => {
    it.each(longFixtures)('%s: cuts at the pauses between sentences', async (file) => {
      const pcm = load(file);
      const gaps = silences(pcm, 150);
      expect(gaps.length).toBeGreaterThanOrEqual(4); // the fixture really has pauses
      const chunks = await chunkPcm(pcm);
      expectWellFormed(chunks, { minChunkMs: 1000, maxChunkMs: 15_000 });
      // Sentences are separated by long pauses: one chunk per sentence or so, not one blob.
      expect(chunks.length).toBeGreaterThanOrEqual(4);
      expectCutsInPauses(pcm, chunks, gaps);
    });

    it.each(longFixtures)(
      '%s: with hiss at about -45 dBFS the cuts still land in the pauses',
      async (file) => {
        const clean = load(file);
        const noisy = addNoise(clean, 400, 7);
        const chunks = await chunkPcm(noisy);
        expectWellFormed(chunks, { minChunkMs: 1000, maxChunkMs: 15_000 });
        expect(chunks.length).toBeGreaterThanOrEqual(4);
        expectCutsInPauses(clean, chunks, silences(clean, 150));
      },
    );

    it.each(longFixtures)(
      '%s: when pauses are too short to end a chunk, the max-length cut still picks a pause',
      async (file) => {
        const pcm = load(file);
        const options = { minChunkMs: 2000, maxChunkMs: 6000, cutPauseMs: 10_000 };
        const chunks = await chunkPcm(pcm, options);
        expectWellFormed(chunks, options);
        expect(chunks.length).toBeGreaterThanOrEqual(4);
        expectCutsInPauses(pcm, chunks, silences(pcm, 60));
      },
    );
  });

  describe('Chunker streaming behaviour', () => {
    it('gives the same chunks whatever the frame sizes pushed', async () => {
      const pcm = load(longFixtures[0]);
      const whole = await chunkPcm(pcm);
      const chunker = newChunker();
      const rng = createRng(42);
      const streamed: Chunk[] = [];
      for (let offset = 0; offset < pcm.length;) {
        const size = 1 + Math.floor(rng() * 3000);
        streamed.push(...(await chunker.push(pcm.subarray(offset, offset + size))));
        offset += size;
      }
      streamed.push(...(await chunker.flush()));
      expect(streamed.map((c) => [c.index, c.startSample, c.pcm.length])).toEqual(
        whole.map((c) => [c.index, c.startSample, c.pcm.length]),
      );
      expect(Buffer.from(streamed[1].pcm.buffer).equals(Buffer.from(whole[1].pcm.buffer))).toBe(true);
    });

    it('keeps a pre-roll before speech that follows a long silence', async () => {
      const speech = load('short-01-rms.wav');
      const silenceSamples = 2 * RATE;
      const pcm = new Int16Array(silenceSamples + speech.length);
      pcm.set(speech, silenceSamples);
      const chunks = await chunkPcm(pcm, { preRollMs: 300 });
      expect(chunks).toHaveLength(1);
      const firstLoud = loudWindows(pcm)[0];
      // The silence before is dropped, but at least 250 ms before the first loud window are kept.
      expect(chunks[0].startSample).toBeGreaterThan(RATE);
      expect(firstLoud - chunks[0].startSample).toBeGreaterThanOrEqual(0.25 * RATE);
    });

    it('cuts speech without any real pause at the maximum length and loses no speech', async () => {
      // The long fixture with every pause removed: continuous speech, only the dips inside
      // and between words remain. The cut falls back to the quietest stretches.
      const source = load(longFixtures[0]);
      const win = RATE / 100;
      const kept: number[] = [];
      for (let w = 0; (w + 1) * win <= source.length; w++) {
        const window = source.subarray(w * win, (w + 1) * win);
        if (window.some((s) => Math.abs(s) >= 300)) kept.push(...window);
      }
      const pcm = Int16Array.from(kept);
      expect(silences(pcm, 150)).toEqual([]);
      const options = { minChunkMs: 1000, maxChunkMs: 5000 };
      const chunks = await chunkPcm(pcm, options);
      expectWellFormed(chunks, options);
      expect(chunks.length).toBeGreaterThanOrEqual(Math.ceil(pcm.length / (5 * RATE)));
      for (const loud of loudWindows(pcm)) {
        const covered = chunks.some(
          (c) => loud >= c.startSample && loud + win <= c.startSample + c.pcm.length,
        );
        expect(covered, `speech at ${loud / RATE}s is in no chunk`).toBe(true);
      }
    });

    it('emits nothing for pure silence or a lone click', async () => {
      const pcm = new Int16Array(3 * RATE);
      expect(await chunkPcm(pcm)).toEqual([]);
      pcm.fill(20000, RATE, RATE + 80); // 5 ms click
      expect(await chunkPcm(pcm)).toEqual([]);
    });

    it('refuses impossible bounds', () => {
      expect(() => newChunker({ minChunkMs: 5000, maxChunkMs: 1000 })).toThrow(RangeError);
    });
  });
});

describe('speech detectors', () => {
  it('Silero finds speech where the energy gate would be fooled by loud steady noise', async () => {
    // 2 s of loud hum (a fan, mains): energy far above any floor, but not speech.
    const hum = new Int16Array(2 * RATE);
    for (let i = 0; i < hum.length; i++) hum[i] = Math.round(6000 * Math.sin((2 * Math.PI * 120 * i) / RATE));
    expect(await chunkWith(hum, { speechDetector: silero.create })).toEqual([]);
  });

  it('falls back to the energy gate, and says why, when the Silero model cannot load', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'earshot-no-vad-'));
    try {
      const fallback = await loadSpeechDetectors({ modelsDir: empty });
      expect(fallback.kind).toBe('energy');
      expect(fallback.fallbackReason).toMatch(
        /^Silero VAD unavailable \(model file .*silero_vad\.onnx is missing: run "npm run setup".*\); cutting at pauses by loudness instead$/,
      );
      const chunks = await chunkWith(load(longFixtures[0]), { speechDetector: fallback.create });
      expect(chunks.length).toBeGreaterThanOrEqual(4);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('silence since the last speech (auto-stop)', () => {
  it.each([
    ['silero', silero.create],
    ['energy', () => new EnergyDetector()],
  ] as const)(
    '%s: counts from the start, restarts at speech, and grows through the trailing pause',
    async (_name, detector) => {
      const speech = load('short-01-rms.wav');
      const chunker = new Chunker({ speechDetector: detector });
      await chunker.push(new Int16Array(2 * RATE)); // 2 s of digital silence before anyone speaks
      expect(chunker.silenceMs).toBeGreaterThanOrEqual(1900);
      // The fixture ends in its own short tail: after it, the silence is at most that tail.
      await chunker.push(speech);
      const tailAfterSpeech = chunker.silenceMs;
      expect(tailAfterSpeech).toBeLessThan(1000);
      // Pushed in 100 ms batches, as the app sends them: the count follows the audio, not the calls.
      for (let i = 0; i < 30; i++) await chunker.push(new Int16Array(RATE / 10));
      // Whole frames only: a partial frame waits for the next push.
      const frameMs = (chunker.frameSamples / RATE) * 1000;
      expect(chunker.silenceMs).toBeGreaterThanOrEqual(tailAfterSpeech + 3000 - frameMs);
      expect(chunker.silenceMs).toBeLessThanOrEqual(tailAfterSpeech + 3000 + frameMs);
      await chunker.push(speech.subarray(0, RATE));
      expect(chunker.silenceMs).toBeLessThan(1000);
    },
  );
});
