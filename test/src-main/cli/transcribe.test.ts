// `earshot transcribe` as a user runs it: the compiled CLI in a child process, real
// pocketsphinx recognition in a real gateway process, every fixture, corpus WER printed.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWav, resample, toProtocolPcm } from '../../../src-shared/audio/wav.js';
import { REPO_ROOT, ensureBuilt } from '../../helpers/build.js';
import { chunkFramesOf, startGateway, type TestGateway } from '../../helpers/gateway.js';
import { corpusWer, wordErrorRate } from '../../helpers/wer.js';
import { runEarshot, type CliResult } from '../../helpers/earshot-cli.js';

const FIXTURES = join(REPO_ROOT, 'test', 'fixtures');
const manifest = JSON.parse(readFileSync(join(FIXTURES, 'manifest.json'), 'utf8')) as Array<{
  file: string;
  text: string;
}>;

function earshot(args: string[]): Promise<CliResult> {
  return runEarshot(args, 300_000);
}

let gateway: TestGateway;
let tmp: string;

beforeAll(async () => {
  await ensureBuilt();
  tmp = mkdtempSync(join(tmpdir(), 'earshot-transcribe-'));
  gateway = await startGateway(['--engine', 'pocketsphinx', '--workers', '2'], {
    skipBuild: true,
    timeoutMs: 60_000,
  });
});

afterAll(async () => {
  await gateway?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('earshot transcribe', () => {
  it('transcribes every fixture over the real pocketsphinx gateway within 15% corpus WER', async () => {
    const pairs: Array<{ reference: string; hypothesis: string }> = [];
    // Two at a time: the gateway has two recognizer workers.
    for (let i = 0; i < manifest.length; i += 2) {
      const batch = manifest.slice(i, i + 2);
      const outputs = await Promise.all(
        batch.map((entry) => earshot(['transcribe', join(FIXTURES, entry.file), '--url', gateway.url])),
      );
      outputs.forEach((output, j) => {
        expect(output.stderr).toBe('');
        expect(output.code).toBe(0);
        const hypothesis = output.stdout.trim();
        pairs.push({ reference: batch[j].text, hypothesis });
        console.log(
          `${batch[j].file}: WER ${(wordErrorRate(batch[j].text, hypothesis) * 100).toFixed(1)}% "${hypothesis}"`,
        );
      });
    }
    const wer = corpusWer(pairs);
    console.log(`transcribe corpus WER over ${pairs.length} fixtures: ${(wer * 100).toFixed(1)}%`);
    expect(wer).toBeLessThanOrEqual(0.15);
  }, 600_000); // real recognition on a shared 2-core machine: slow is fine, wrong is not

  it('without --url starts its own gateway and gets assets/sample.wav right', async () => {
    const output = await earshot(['transcribe', join(REPO_ROOT, 'assets', 'sample.wav')]);
    expect(output.code).toBe(0);
    const reference = readFileSync(join(REPO_ROOT, 'assets', 'sample.txt'), 'utf8');
    const wer = wordErrorRate(reference, output.stdout);
    console.log(
      `assets/sample.wav (embedded gateway): WER ${(wer * 100).toFixed(1)}% "${output.stdout.trim()}"`,
    );
    expect(wer).toBeLessThanOrEqual(0.15);
  }, 300_000);

  it('--json prints every protocol event as one JSON line, ending with the final result', async () => {
    const entry = manifest.find((e) => e.file.startsWith('long-'))!;
    const output = await earshot(['transcribe', join(FIXTURES, entry.file), '--url', gateway.url, '--json']);
    expect(output.code).toBe(0);
    const events = output.stdout
      .trim()
      .split('\n')
      .map(
        (line) =>
          JSON.parse(line) as {
            type: string;
            status?: string;
            chunk_index?: number;
            text?: string;
            chunk_count?: number;
          },
      );
    expect(events[0]).toMatchObject({ type: 'ack', status: 'session_started' });
    const final = events.at(-1)!;
    expect(final.type).toBe('final_result');
    const acked = events.filter((e) => e.type === 'ack' && e.status === 'received').map((e) => e.chunk_index);
    const results = events.filter((e) => e.type === 'chunk_result').map((e) => e.chunk_index);
    expect(final.chunk_count).toBeGreaterThan(1); // a long fixture is sent in several chunks
    expect(new Set(acked).size).toBe(final.chunk_count);
    expect(new Set(results).size).toBe(final.chunk_count);
    expect(wordErrorRate(entry.text, final.text ?? '')).toBeLessThanOrEqual(0.2);
    expect(events.findIndex((e) => e.type === 'final_result')).toBe(events.length - 1);
  }, 300_000);

  it('converts a 44.1 kHz stereo WAV and still gets the words', async () => {
    const entry = manifest.find((e) => e.file.startsWith('short-'))!;
    const mono = toProtocolPcm(readFileSync(join(FIXTURES, entry.file)));
    const up = resample(mono, 16_000, 44_100);
    const stereo = new Int16Array(up.length * 2);
    for (let i = 0; i < up.length; i++) stereo[2 * i] = stereo[2 * i + 1] = up[i];
    const wav = encodeWav(stereo, 44_100);
    // encodeWav writes a mono header: patch channels, byte rate and block align for stereo.
    const view = new DataView(wav.buffer);
    view.setUint16(22, 2, true);
    view.setUint32(28, 44_100 * 4, true);
    view.setUint16(32, 4, true);
    const file = join(tmp, 'stereo-44k.wav');
    writeFileSync(file, wav);
    const output = await earshot(['transcribe', file, '--url', gateway.url]);
    expect(output.code).toBe(0);
    expect(wordErrorRate(entry.text, output.stdout)).toBeLessThanOrEqual(0.25);
  }, 300_000);

  it('waits out busy refusals of a gateway with a small backlog and still delivers every chunk', async () => {
    // Synthetic engine: the point is admission, not recognition. 10 s of backlog against a
    // minute of speech guarantees refusals with retry_after_ms.
    const busyGateway = await startGateway(
      ['--synthetic-rtf', '0.25', '--max-backlog-seconds', '10', '--workers', '1'],
      { skipBuild: true },
    );
    try {
      const parts = manifest
        .filter((e) => e.file.startsWith('long-'))
        .map((e) => toProtocolPcm(readFileSync(join(FIXTURES, e.file))));
      const joined = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
      parts.reduce((offset, part) => (joined.set(part, offset), offset + part.length), 0);
      const file = join(tmp, 'minute.wav');
      writeFileSync(file, encodeWav(joined));
      const output = await earshot(['transcribe', file, '--url', busyGateway.url, '--json']);
      expect(output.code).toBe(0);
      const events = output.stdout
        .trim()
        .split('\n')
        .map(
          (line) =>
            JSON.parse(line) as {
              type: string;
              code?: string;
              chunk_index?: number;
              chunk_count?: number;
              text?: string;
            },
        );
      const busy = events.filter((e) => e.type === 'error' && e.code === 'busy');
      expect(busy.length).toBeGreaterThan(0);
      const final = events.at(-1)!;
      expect(final.type).toBe('final_result');
      const chunkResults = new Set(events.filter((e) => e.type === 'chunk_result').map((e) => e.chunk_index));
      expect(chunkResults.size).toBe(final.chunk_count);
      expect(final.text!.split('synthetic transcript').length - 1).toBe(final.chunk_count);
      // Every chunk and every retry of a refused one went as a binary frame (binary_audio).
      expect(await chunkFramesOf(busyGateway)).toEqual({
        binary: final.chunk_count! + busy.length,
        json: 0,
      });
    } finally {
      await busyGateway.stop();
    }
  }, 300_000);

  it('prints the complete text even when the gateway merge gives up before recognition ends', async () => {
    const slowGateway = await startGateway(
      ['--synthetic-cost-ms', '400', '--workers', '1', '--merge-timeout-ms', '300'],
      { skipBuild: true },
    );
    try {
      const entry = manifest.find((e) => e.file.startsWith('long-'))!;
      const output = await earshot([
        'transcribe',
        join(FIXTURES, entry.file),
        '--url',
        slowGateway.url,
        '--json',
      ]);
      expect(output.code).toBe(0);
      const final = JSON.parse(output.stdout.trim().split('\n').at(-1)!) as {
        type: string;
        partial?: boolean;
        chunk_count: number;
        text: string;
      };
      expect(final.type).toBe('final_result');
      expect(final.partial ?? false).toBe(false);
      expect(final.chunk_count).toBeGreaterThan(1);
      expect(final.text.split('synthetic transcript').length - 1).toBe(final.chunk_count);
    } finally {
      await slowGateway.stop();
    }
  }, 300_000);

  it('fails with one clear line on bad input and an unreachable gateway', async () => {
    const missing = await earshot(['transcribe', join(tmp, 'nope.wav'), '--url', gateway.url]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^earshot: .*nope\.wav: no such file\n$/);

    const notWav = join(tmp, 'notes.wav');
    writeFileSync(notWav, 'just some text');
    const bad = await earshot(['transcribe', notWav, '--url', gateway.url]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^earshot: .*notes\.wav: not a WAV file.*\n$/);

    const eightBit = join(tmp, 'eight-bit.wav');
    const header = encodeWav(new Int16Array(8000));
    new DataView(header.buffer).setUint16(34, 8, true);
    writeFileSync(eightBit, header);
    const unsupported = await earshot(['transcribe', eightBit, '--url', gateway.url]);
    expect(unsupported.code).toBe(2);
    expect(unsupported.stderr).toMatch(/only 16-bit PCM/);

    const unreachable = await earshot([
      'transcribe',
      join(FIXTURES, manifest[0].file),
      '--url',
      'ws://127.0.0.1:9/ws/asr',
    ]);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(
      /^earshot: gateway unreachable at ws:\/\/127\.0\.0\.1:9\/ws\/asr.*\n$/,
    );

    const badUrl = await earshot(['transcribe', join(FIXTURES, manifest[0].file), '--url', 'ftp://x']);
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr.trim().split('\n')).toHaveLength(1);
  });
});
