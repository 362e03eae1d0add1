// The README's first command on the whole speech corpus (flite voices and public-domain
// human speech, joined with pauses into one recording): `earshot transcribe` with its
// embedded gateway, once per real engine. The default engine must stay within a WER bound
// that the older pocketsphinx engine does not meet; both figures are printed.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWav } from '../../../src-shared/audio/wav.js';
import { ensureBuilt } from '../../helpers/build.js';
import { runEarshot } from '../../helpers/earshot-cli.js';
import { allFixtures, concatPcm, readPcm } from '../../helpers/speech-fixtures.js';
import { corpusWer } from '../../helpers/wer.js';

const RATE = 16_000;
/** Measured: moonshine 4.4%, pocketsphinx 12.0% (5 s chunks, the command's default). */
const MAX_WER = 0.08;

describe('earshot transcribe on the speech corpus', () => {
  let dir: string;
  let wav: string;
  let reference: string;

  beforeAll(async () => {
    await ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'earshot-corpus-'));
    const fixtures = allFixtures();
    const pause = new Int16Array(RATE);
    const pcm = concatPcm(fixtures.flatMap((f) => [readPcm(f), pause]));
    wav = join(dir, 'corpus.wav');
    writeFileSync(wav, encodeWav(pcm));
    reference = fixtures.map((f) => f.text).join(' ');
    console.log(`corpus: ${fixtures.length} recordings, ${(pcm.length / RATE).toFixed(1)} s`);
  }, 300_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const werOf = async (engineArgs: string[]): Promise<number> => {
    const result = await runEarshot(['transcribe', wav, ...engineArgs], 600_000);
    expect(result.code, result.stderr).toBe(0);
    return corpusWer([{ reference, hypothesis: result.stdout }]);
  };

  it('the default engine (moonshine) stays within the WER bound that pocketsphinx misses', async () => {
    const moonshine = await werOf([]);
    const pocketsphinx = await werOf(['--engine', 'pocketsphinx']);
    console.log(
      `earshot transcribe, WER bound ${(MAX_WER * 100).toFixed(0)}%: moonshine (default) ${(moonshine * 100).toFixed(1)}%, pocketsphinx ${(pocketsphinx * 100).toFixed(1)}%`,
    );
    expect(moonshine).toBeLessThanOrEqual(MAX_WER);
    expect(pocketsphinx).toBeGreaterThan(MAX_WER);
  }, 900_000);
});
