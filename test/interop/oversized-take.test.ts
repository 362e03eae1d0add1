// A whole take in one frame, as the kikipounamu Electron client sends it (120-180 s in a
// single chunk): it must complete on every target with the default limits. First with
// the synthetic engine, frame by frame against all three targets; then once with the real
// default recognizer (moonshine, which splits long audio at pauses) over real speech, where
// the words must come back.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOL_SAMPLE_RATE, decodeProtocolWav, encodeWav } from '../../src-shared/audio/wav.js';
import { REPO_ROOT } from '../helpers/build.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { corpusWer } from '../helpers/wer.js';
import { TestClient } from '../src-gateway/support/test-client.js';
import { KikipounamuDouble } from './kikipounamu-double.js';

const PHRASE = 'long take';
const TAKE_SECONDS = 180;

function rawTake(seconds: number): string {
  const pcm = new Int16Array(seconds * PROTOCOL_SAMPLE_RATE);
  for (let i = 0; i < pcm.length; i++) pcm[i] = Math.round(4000 * Math.sin(i / 11));
  return Buffer.from(pcm.buffer).toString('base64');
}

describe('a 180 s take in one frame (synthetic engine)', () => {
  const gateways: TestGateway[] = [];
  let double: KikipounamuDouble;
  const targets = [
    { name: 'Earshot default', base: false, url: '' },
    { name: 'Earshot --base-protocol', base: true, url: '' },
    { name: 'kikipounamu double', base: true, url: '' },
  ];

  beforeAll(async () => {
    // Cheap recognition: the path (frame size, base64, queue) is the point here.
    const args = ['--synthetic-phrase', PHRASE, '--synthetic-rtf', '0.005', '--workers', '1'];
    gateways.push(...(await Promise.all([startGateway(args), startGateway([...args, '--base-protocol'])])));
    double = await KikipounamuDouble.start({ phrase: PHRASE, realTimeFactor: 0.005 });
    targets[0].url = gateways[0].url;
    targets[1].url = gateways[1].url;
    targets[2].url = double.url;
  });

  afterAll(async () => {
    await Promise.all([...gateways.map((g) => g.stop()), double?.close()]);
  });

  it.each(targets)('$name: exactly the frames of its dialect for one 5.8 MB chunk', async (target) => {
    const client = await TestClient.connect(target.url);
    const id = randomUUID();
    const audio = rawTake(TAKE_SECONDS);
    expect(audio.length).toBeGreaterThan(7_500_000); // past the old 4 MiB frame limit
    client.start(id);
    expect(await client.next()).toEqual(
      target.base
        ? { type: 'ack', session_id: id, chunk_index: 0, status: 'session_started' }
        : {
            type: 'ack',
            status: 'session_started',
            session_id: id,
            features: ['provisional', 'binary_audio'],
          },
    );
    client.chunk(id, 0, audio);
    expect(await client.next(undefined, 30_000)).toEqual(
      target.base
        ? { type: 'ack', chunk_index: 0, status: 'received' }
        : { type: 'ack', status: 'received', session_id: id, chunk_index: 0 },
    );
    expect(await client.next(undefined, 30_000)).toEqual({
      type: 'chunk_result',
      session_id: id,
      chunk_index: 0,
      text: PHRASE,
    });
    client.finish(id);
    expect(await client.next(undefined, 30_000)).toEqual(
      target.base
        ? {
            type: 'final_result',
            session_id: id,
            chunk_index: 0,
            text: PHRASE,
            duration: expect.any(Number),
            chunk_count: 1,
          }
        : {
            type: 'final_result',
            session_id: id,
            text: PHRASE,
            duration: expect.any(Number),
            chunk_count: 1,
            audio_seconds: TAKE_SECONDS,
          },
    );
    expect(client.all((m) => m.type === 'error')).toEqual([]);
    await client.close();
  });
});

describe('a 2-minute take of real speech in one frame (real recognizer)', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    // The merge waits as long as the client does: how long recognising two minutes takes
    // depends on the machine's load, and a partial final here would say nothing about the take.
    gateway = await startGateway(['--engine', 'moonshine', '--workers', '1', '--merge-timeout-ms', '240000']);
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  it('recognises the whole take', async () => {
    // Every fixture once, 0.8 s of silence between them, repeated until the take is 2 minutes.
    const manifest = JSON.parse(
      readFileSync(join(REPO_ROOT, 'test', 'fixtures', 'manifest.json'), 'utf8'),
    ) as {
      file: string;
      text: string;
    }[];
    const pause = new Int16Array(0.8 * PROTOCOL_SAMPLE_RATE);
    const parts: Int16Array[] = [];
    const words: string[] = [];
    let samples = 0;
    while (samples < 120 * PROTOCOL_SAMPLE_RATE) {
      for (const { file, text } of manifest) {
        const pcm = decodeProtocolWav(readFileSync(join(REPO_ROOT, 'test', 'fixtures', file)));
        parts.push(pcm, pause);
        words.push(text);
        samples += pcm.length + pause.length;
        if (samples >= 120 * PROTOCOL_SAMPLE_RATE) break;
      }
    }
    const take = new Int16Array(samples);
    let offset = 0;
    for (const part of parts) {
      take.set(part, offset);
      offset += part.length;
    }
    const client = await TestClient.connect(gateway.url);
    const id = randomUUID();
    client.start(id);
    await client.nextOfType('ack');
    client.chunk(id, 0, encodeWav(take));
    expect(await client.next((m) => m.type === 'ack' || m.type === 'error', 30_000)).toMatchObject({
      type: 'ack',
      status: 'received',
    });
    client.finish(id);
    const final = await client.nextOfType('final_result', id, 240_000);
    expect(final.partial).toBeUndefined();
    const wer = corpusWer([{ reference: words.join(' '), hypothesis: String(final.text) }]);
    console.log(
      `2-minute single-chunk take: ${(take.length / PROTOCOL_SAMPLE_RATE).toFixed(1)} s, WER ${(wer * 100).toFixed(1)}%`,
    );
    expect(wer).toBeLessThan(0.3);
    await client.close();
  });
});
