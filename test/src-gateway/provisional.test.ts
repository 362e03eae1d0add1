// Extension `provisional` (docs/protocol.md, "Extensions"), against the real gateway process
// over loopback sockets: the start ack announces it, a provisional request gets exactly one
// `provisional_result` (text from the real engine, or a code saying why not), it is never
// acked, recorded, counted in the final or in the backlog admission reads, it is dropped
// while real chunks wait or the session's previous one still decodes, and a gateway that
// does not offer it (--base-protocol, --no-provisional) announces nothing and answers it as
// the unknown action it is there.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWav } from '../../src-shared/audio/wav.js';
import { queueStatusResponseSchema } from '../../src-shared/protocol/messages.js';
import { ensureBuilt } from '../helpers/build.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { fliteFixtures, readPcm } from '../helpers/speech-fixtures.js';
import { corpusWer } from '../helpers/wer.js';
import { TestClient, sessionId, wavBase64, type Message } from './support/test-client.js';

beforeAll(() => ensureBuilt(), 300_000);

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const provisional = (client: TestClient, id: unknown, index: unknown, audio: string) =>
  client.send({ action: 'provisional', session_id: id, chunk_index: index, audio_data: audio });
const isProvisional = (index?: number) => (m: Message) =>
  m.type === 'provisional_result' && (index === undefined || m.chunk_index === index);

async function started(gateway: TestGateway, id: string): Promise<{ client: TestClient; ack: Message }> {
  const client = await TestClient.connect(gateway.url);
  client.start(id);
  return { client, ack: await client.nextOfType('ack', id) };
}

async function queueStatus(gateway: TestGateway) {
  const body: unknown = await (await fetch(`${gateway.httpUrl}/api/v1/asr/queue/status`)).json();
  return { ...queueStatusResponseSchema.parse(body), ...(body as { reserved_seconds: number }) };
}

describe('with the moonshine engine', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startGateway(['--engine', 'moonshine', '--workers', '1'], { timeoutMs: 120_000 });
  }, 180_000);
  afterAll(() => gateway?.stop());

  it('previews open audio as text, and the preview is not part of the final', async () => {
    const [first, open] = fliteFixtures().filter((f) => f.file.startsWith('short-'));
    const id = sessionId('provisional-speech');
    const { client, ack } = await started(gateway, id);
    expect(ack.features).toEqual(['provisional', 'binary_audio']);

    // Chunk 0 is real; chunk 1 is still open on the client and only previewed.
    client.chunk(id, 0, encodeWav(readPcm(first)));
    const real = await client.nextOfType('chunk_result', id, 60_000);
    provisional(client, id, 1, b64(encodeWav(readPcm(open))));
    const preview = await client.next(isProvisional(1), 60_000);
    expect(preview).toMatchObject({ type: 'provisional_result', session_id: id, chunk_index: 1 });
    expect(preview.code).toBeUndefined();
    const wer = corpusWer([{ reference: open.text, hypothesis: String(preview.text) }]);
    console.log(`provisional text (WER ${(wer * 100).toFixed(1)}%): ${String(preview.text)}`);
    expect(wer).toBeLessThan(0.25);

    client.finish(id);
    const final = await client.nextOfType('final_result', id, 60_000);
    expect(final).toMatchObject({ chunk_count: 1, text: String(real.text).trim() });
    expect(Number(final.audio_seconds)).toBeCloseTo(readPcm(first).length / 16_000, 2);
    // Never acked: the only chunk ack is chunk 0's.
    expect(client.all((m) => m.type === 'ack' && m.status !== 'session_started')).toEqual([
      { type: 'ack', status: 'received', session_id: id, chunk_index: 0 },
    ]);
    await client.close();
  }, 120_000);
});

describe('with one synthetic worker (rtf 0.5)', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startGateway([
      '--workers',
      '1',
      '--synthetic-rtf',
      '0.5',
      '--synthetic-phrase',
      'open words',
      '--max-queue-wait-ms',
      '0',
    ]);
  });
  afterAll(() => gateway?.stop());

  it('drops a request while the previous one of the session decodes; its audio is no backlog', async () => {
    const id = sessionId('provisional-pending');
    const { client } = await started(gateway, id);
    const before = await queueStatus(gateway);
    // 6 s at rtf 0.5: the only worker decodes it for 3 s.
    provisional(client, id, 0, wavBase64(6));
    provisional(client, id, 0, wavBase64(6.5));
    const dropped = await client.next(isProvisional(0));
    expect(dropped).toMatchObject({ session_id: id, chunk_index: 0, text: '', code: 'dropped' });
    expect(String(dropped.message)).toMatch(/previous provisional request is still being decoded/);
    // Nothing of it is queued or reserved: admission and the backlog ceiling do not see it.
    const during = await queueStatus(gateway);
    expect(during).toMatchObject({ queued: 0, processing: 0, backlog_seconds: 0 });
    expect(during.reserved_seconds).toBe(before.reserved_seconds);
    const decoded = await client.next(isProvisional(0), 20_000);
    expect(decoded).toEqual({
      type: 'provisional_result',
      session_id: id,
      chunk_index: 0,
      text: 'open words',
    });
    await client.close();
  }, 30_000);

  it('drops a request while real chunks wait for the worker, and never delays them', async () => {
    const id = sessionId('provisional-backlog');
    const { client } = await started(gateway, id);
    client.chunk(id, 0, wavBase64(6)); // the worker is busy for 3 s
    client.chunk(id, 1, wavBase64(1)); // waits in the queue
    await client.next((m) => m.status === 'received' && m.chunk_index === 1);
    provisional(client, id, 2, wavBase64(1));
    expect(await client.next(isProvisional(2))).toMatchObject({
      session_id: id,
      chunk_index: 2,
      code: 'dropped',
      message: expect.stringMatching(/busy with real chunks/),
    });
    // The real chunks come back in order; nothing ran between them.
    const results = [
      await client.nextOfType('chunk_result', id, 20_000),
      await client.nextOfType('chunk_result', id, 20_000),
    ];
    expect(results.map((m) => m.chunk_index)).toEqual([0, 1]);
    // Once the queue is empty, the same request is decoded.
    provisional(client, id, 2, wavBase64(1));
    expect(await client.next(isProvisional(2), 20_000)).toMatchObject({ text: 'open words' });
    client.finish(id);
    expect(await client.nextOfType('final_result', id, 20_000)).toMatchObject({
      chunk_count: 2,
      text: 'open words open words',
      audio_seconds: 7,
    });
    await client.close();
  }, 40_000);

  it('validates every field and answers in kind, never as a chunk error', async () => {
    const id = sessionId('provisional-bad');
    const { client } = await started(gateway, id);
    const answer = async (message: Record<string, unknown>) => {
      client.send({ action: 'provisional', ...message });
      return client.next(isProvisional());
    };
    const code = async (message: Record<string, unknown>) => (await answer(message)).code;

    expect(
      await answer({ session_id: 'never-started', chunk_index: 0, audio_data: wavBase64(0.5) }),
    ).toMatchObject({
      session_id: 'never-started',
      chunk_index: 0,
      code: 'session_not_found',
    });
    expect(await code({ session_id: id, chunk_index: -1, audio_data: wavBase64(0.5) })).toBe('bad_json');
    expect(await code({ session_id: id, chunk_index: 1.5, audio_data: wavBase64(0.5) })).toBe('bad_json');
    expect(await code({ session_id: id, chunk_index: 0 })).toBe('bad_json');
    expect(await code({ session_id: '', chunk_index: 0, audio_data: wavBase64(0.5) })).toBe('bad_session_id');
    expect(await code({ session_id: 'a\u202eb', chunk_index: 0, audio_data: wavBase64(0.5) })).toBe(
      'bad_session_id',
    );
    expect(await answer({ session_id: id, chunk_index: 0, audio_data: 'not base64!' })).toMatchObject({
      code: 'bad_audio',
      message: expect.stringMatching(/base64/),
    });
    expect(await answer({ session_id: id, chunk_index: 0, audio_data: wavBase64(15.5) })).toMatchObject({
      code: 'bad_audio',
      message: expect.stringMatching(/at most 15 s/),
    });
    // A chunk already received has its real result coming: no preview of it.
    client.chunk(id, 0, wavBase64(0.2));
    await client.next((m) => m.status === 'received');
    expect(await answer({ session_id: id, chunk_index: 0, audio_data: wavBase64(0.5) })).toMatchObject({
      code: 'dropped',
      message: expect.stringMatching(/already received/),
    });
    client.finish(id);
    const final = await client.nextOfType('final_result', id, 20_000);
    expect(final).toMatchObject({ chunk_count: 1, text: 'open words' });
    expect(await answer({ session_id: id, chunk_index: 1, audio_data: wavBase64(0.5) })).toMatchObject({
      code: 'dropped',
      message: expect.stringMatching(/finishing/),
    });
    // Not one `error` message: a provisional answer never reads as one about a real chunk.
    expect(client.all((m) => m.type === 'error')).toEqual([]);
    await client.close();
  }, 30_000);
});

describe.each([
  { name: '--base-protocol', args: ['--base-protocol'] },
  { name: '--no-provisional', args: ['--no-provisional'] },
])('a gateway that does not offer it ($name)', ({ args }) => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startGateway(args);
  });
  afterAll(() => gateway?.stop());

  it('announces nothing and answers a provisional request as an unknown action', async () => {
    const id = sessionId('provisional-none');
    const { client, ack } = await started(gateway, id);
    expect(ack.features ?? []).not.toContain('provisional');
    provisional(client, id, 0, wavBase64(0.5));
    const error = await client.nextOfType('error');
    expect(error.message).toBe('Unknown action: provisional');
    expect(client.all(isProvisional())).toEqual([]);
    await client.close();
  });
});
