// Protocol conformance of the real gateway process over loopback sockets (docs/protocol.md):
// every message type both ways, out-of-order results, idempotent chunks, resume on a
// second connection, the merge timeout, and every kind of bad input with its code.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../helpers/build.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { TestClient, customWav, sessionId, wavBase64, wavBytes } from './support/test-client.js';
import { queueStatusResponseSchema } from '../../src-shared/protocol/messages.js';

// The first build of a run can be slow on a busy machine: give it room.
beforeAll(() => ensureBuilt(), 300_000);

let gateway: TestGateway;

beforeAll(async () => {
  // rtf 0.5: a 4 s chunk takes 2 s, a 0.1 s chunk 50 ms, so two workers finish out of order.
  gateway = await startGateway([
    '--workers',
    '2',
    '--synthetic-rtf',
    '0.5',
    '--synthetic-phrase',
    'hello world',
    '--max-payload-bytes',
    '262144',
  ]);
});

afterAll(async () => {
  await gateway?.stop();
});

describe('HTTP routes', () => {
  it('reports health with the Earshot fields', async () => {
    const response = await fetch(`${gateway.httpUrl}/api/v1/health`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      status: 'ready',
      funasr_ready: true,
      redis_ready: false,
      workers_ready: 2,
      engine: 'synthetic',
      version: '0.1.0',
    });
    expect(body.queue_depth).toBe(0);
    expect(typeof body.connections).toBe('number');
    expect(typeof body.sessions_active).toBe('number');
  });

  it('reports queue status', async () => {
    const body = await (await fetch(`${gateway.httpUrl}/api/v1/asr/queue/status`)).json();
    const status = queueStatusResponseSchema.parse(body);
    expect(status).toMatchObject({
      queued: 0,
      processing: 0,
      failed: 0,
      workers: 2,
      workers_busy: 0,
      backlog_seconds: 0,
      reserved_seconds: 0,
      sessions_admitted: 0,
      sessions_waiting_at_door: 0,
    });
    // Admission's view, which health carries too, read by the same schema fields.
    expect(typeof status.expected_wait_ms).toBe('number');
    expect(typeof status.throughput_audio_seconds_per_second).toBe('number');
  });

  it('serves Prometheus metrics', async () => {
    const response = await fetch(`${gateway.httpUrl}/metrics`);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toMatch(/^earshot_connections \d+$/m);
    expect(text).toMatch(/^earshot_workers 2$/m);
    expect(text).toContain('earshot_chunks_received_total');
    // Process figures stay, but nothing a scrape has to walk every connection for.
    const openFds = Number(/^earshot_gateway_process_open_fds (\d+)$/m.exec(text)?.[1]);
    expect(openFds).toBeGreaterThan(0);
    expect(text).toMatch(/^earshot_gateway_process_resident_memory_bytes \d+$/m);
    expect(text).not.toContain('nodejs_active_handles');
  });

  it('answers 404 for unknown paths', async () => {
    expect((await fetch(`${gateway.httpUrl}/nope`)).status).toBe(404);
  });
});

describe('a session', () => {
  it('start, chunks, finish: acks, chunk results and the final result', async () => {
    const client = await TestClient.connect(gateway.url);
    const id = sessionId();
    client.start(id);
    expect(await client.nextOfType('ack')).toEqual({
      type: 'ack',
      status: 'session_started',
      session_id: id,
      features: ['provisional', 'binary_audio'],
    });
    client.chunk(id, 0, wavBase64(0.2));
    client.chunk(id, 1, wavBase64(0.3));
    const acks = [
      await client.next((m) => m.status === 'received'),
      await client.next((m) => m.status === 'received'),
    ];
    expect(acks).toEqual([
      { type: 'ack', status: 'received', session_id: id, chunk_index: 0 },
      { type: 'ack', status: 'received', session_id: id, chunk_index: 1 },
    ]);
    client.finish(id);
    const final = await client.nextOfType('final_result');
    expect(final).toMatchObject({
      session_id: id,
      text: 'hello world hello world',
      chunk_count: 2,
      audio_seconds: 0.5,
    });
    expect(final.partial).toBeUndefined();
    expect(final.duration).toBeGreaterThan(0);
    const results = client.all((m) => m.type === 'chunk_result');
    expect(results.map((m) => m.chunk_index).sort()).toEqual([0, 1]);
    for (const result of results) expect(result).toMatchObject({ session_id: id, text: 'hello world' });
    // The same connection may start another session after final_result.
    const second = sessionId();
    client.start(second);
    expect(await client.nextOfType('ack', second)).toMatchObject({ status: 'session_started' });
    client.finish(second);
    expect(await client.nextOfType('final_result', second)).toMatchObject({
      text: '',
      chunk_count: 0,
      audio_seconds: 0,
    });
    await client.close();
  });

  it('pushes chunk results as workers finish, out of order, and joins the final text in chunk order', async () => {
    const client = await TestClient.connect(gateway.url);
    const id = sessionId();
    client.start(id);
    await client.nextOfType('ack');
    client.chunk(id, 0, wavBase64(4)); // ~2 s of work
    client.chunk(id, 1, wavBase64(0.1)); // ~50 ms
    client.finish(id);
    const first = await client.nextOfType('chunk_result');
    const second = await client.nextOfType('chunk_result');
    expect([first.chunk_index, second.chunk_index]).toEqual([1, 0]);
    const final = await client.nextOfType('final_result');
    expect(final).toMatchObject({ chunk_count: 2, text: 'hello world hello world', audio_seconds: 4.1 });
    // final_result comes only after every chunk has its result.
    expect(client.messages.indexOf(final)).toBeGreaterThan(client.messages.indexOf(second));
    await client.close();
  });

  it('answers a repeated chunk with a duplicate ack, re-sends its result and does not recognise it again', async () => {
    const client = await TestClient.connect(gateway.url);
    const id = sessionId();
    client.start(id);
    await client.nextOfType('ack');
    client.chunk(id, 0, wavBase64(0.2));
    await client.next((m) => m.status === 'received');
    await client.nextOfType('chunk_result');
    const before = client.messages.length;
    client.chunk(id, 0, wavBase64(0.2));
    expect(await client.next()).toEqual({ type: 'ack', status: 'duplicate', session_id: id, chunk_index: 0 });
    expect(await client.next()).toMatchObject({ type: 'chunk_result', chunk_index: 0, text: 'hello world' });
    client.finish(id);
    const final = await client.nextOfType('final_result');
    expect(final).toMatchObject({ chunk_count: 1, text: 'hello world' });
    // Exactly one re-sent result: the duplicate was not queued for recognition again.
    expect(client.messages.slice(before).filter((m) => m.type === 'chunk_result')).toHaveLength(1);
    await client.close();
  });

  it('resumes an unfinished session on a second connection', async () => {
    const id = sessionId();
    const first = await TestClient.connect(gateway.url);
    first.start(id);
    await first.nextOfType('ack');
    first.chunk(id, 0, wavBase64(0.2));
    first.chunk(id, 1, wavBase64(0.2));
    await first.nextOfType('chunk_result');
    await first.nextOfType('chunk_result');
    await first.close();

    const second = await TestClient.connect(gateway.url);
    second.start(id);
    expect(await second.next()).toEqual({
      type: 'ack',
      status: 'session_resumed',
      session_id: id,
      received: [0, 1],
      features: ['provisional', 'binary_audio'],
    });
    const replayed = [await second.next(), await second.next()];
    expect(replayed.map((m) => [m.type, m.chunk_index])).toEqual([
      ['chunk_result', 0],
      ['chunk_result', 1],
    ]);
    second.chunk(id, 1, wavBase64(0.2));
    expect(await second.next()).toMatchObject({ status: 'duplicate', chunk_index: 1 });
    second.chunk(id, 2, wavBase64(0.2));
    expect(await second.next((m) => m.status === 'received')).toMatchObject({ chunk_index: 2 });
    second.finish(id);
    expect(await second.nextOfType('final_result')).toMatchObject({
      session_id: id,
      chunk_count: 3,
      text: 'hello world hello world hello world',
    });
    await second.close();
  });

  it('moves a session to the newest connection when the old one is still open (half-dead peer)', async () => {
    const id = sessionId();
    const stale = await TestClient.connect(gateway.url);
    stale.start(id);
    await stale.nextOfType('ack');
    stale.chunk(id, 0, wavBase64(2)); // ~1 s of work: the result is not there yet
    await stale.next((m) => m.status === 'received');
    const fresh = await TestClient.connect(gateway.url);
    fresh.start(id);
    expect(await fresh.next()).toEqual({
      type: 'ack',
      status: 'session_resumed',
      session_id: id,
      received: [0],
      features: ['provisional', 'binary_audio'],
    });
    expect(await fresh.nextOfType('chunk_result')).toMatchObject({ session_id: id, chunk_index: 0 });
    fresh.finish(id);
    expect(await fresh.nextOfType('final_result')).toMatchObject({ chunk_count: 1 });
    expect(stale.all((m) => m.type === 'chunk_result' || m.type === 'final_result')).toEqual([]);
    await Promise.all([stale.close(), fresh.close()]);
  });

  it('delivers the final result on the new connection when the client dropped after finish', async () => {
    const id = sessionId();
    const first = await TestClient.connect(gateway.url);
    first.start(id);
    await first.nextOfType('ack');
    first.chunk(id, 0, wavBase64(2)); // ~1 s of work
    await first.next((m) => m.status === 'received');
    first.finish(id);
    await first.close();
    const second = await TestClient.connect(gateway.url);
    second.start(id);
    expect(await second.next()).toMatchObject({ status: 'session_resumed', received: [0] });
    const final = await second.nextOfType('final_result');
    expect(final).toMatchObject({ session_id: id, chunk_count: 1, text: 'hello world' });
    expect(final.partial).toBeUndefined();
    await second.close();
  });

  it('gives a client that reconnects after finishing its final result again', async () => {
    const id = sessionId();
    const first = await TestClient.connect(gateway.url);
    first.start(id);
    await first.nextOfType('ack');
    first.chunk(id, 0, wavBase64(0.2));
    first.finish(id);
    const final = await first.nextOfType('final_result');
    await first.close();
    const second = await TestClient.connect(gateway.url);
    second.start(id);
    expect(await second.next()).toMatchObject({ status: 'session_resumed', received: [0] });
    expect(await second.nextOfType('final_result')).toEqual(final);
    await second.close();
  });
});

describe('bad input gets its code, and the connection stays usable', () => {
  let client: TestClient;
  beforeAll(async () => {
    client = await TestClient.connect(gateway.url);
  });
  afterAll(async () => {
    await client.close();
  });

  async function expectStillUsable(): Promise<void> {
    const id = sessionId('usable');
    client.start(id);
    expect(await client.nextOfType('ack', id)).toMatchObject({ status: 'session_started' });
    // Finished, so the checks do not add up to --max-sessions-per-connection open sessions.
    client.finish(id);
    await client.nextOfType('final_result', id);
  }

  it.each([
    ['non-JSON', 'this is not json', 'bad_json'],
    ['a JSON array', '[1,2]', 'bad_json'],
    ['a message without action', '{"session_id":"x"}', 'bad_json'],
    ['an unknown action', '{"action":"dance","session_id":"x"}', 'unknown_action'],
    [
      'a negative chunk_index',
      '{"action":"chunk","session_id":"x","chunk_index":-1,"audio_data":""}',
      'bad_json',
    ],
  ])('%s -> %s', async (_name, frame, code) => {
    client.send(frame);
    const error = await client.nextOfType('error');
    expect(error.code).toBe(code);
    expect(typeof error.message).toBe('string');
    await expectStillUsable();
  });

  it('a binary frame before binary audio was negotiated -> bad_frame (binary-audio.test.ts has the rest)', async () => {
    client.socket.send(Buffer.from('{"action":"start","session_id":"bin"}'), { binary: true });
    expect(await client.nextOfType('error')).toMatchObject({ code: 'bad_frame' });
    await expectStillUsable();
  });

  it('an unknown action names the action', async () => {
    client.send({ action: 'rewind', session_id: 'abc' });
    expect(await client.nextOfType('error')).toMatchObject({
      code: 'unknown_action',
      message: 'Unknown action: rewind',
      session_id: 'abc',
    });
  });

  it('a chunk before start -> session_not_found', async () => {
    const id = sessionId('never-started');
    client.chunk(id, 0);
    expect(await client.nextOfType('error')).toMatchObject({
      code: 'session_not_found',
      session_id: id,
      chunk_index: 0,
    });
    await expectStillUsable();
  });

  it('finish of an unknown session -> session_not_found', async () => {
    const id = sessionId('unknown');
    client.finish(id);
    expect(await client.nextOfType('error')).toMatchObject({
      code: 'session_not_found',
      session_id: id,
      message: `Session not found: ${id}`,
    });
    await expectStillUsable();
  });

  describe('audio', () => {
    const id = sessionId('audio');
    let nextIndex = 0;
    beforeAll(async () => {
      client.start(id);
      await client.nextOfType('ack', id);
    });

    it.each([
      ['invalid base64', 'not base64!!', /base64/],
      ['base64 without padding', 'UklGRg', /base64/],
      ['base64 with whitespace', `${wavBase64(0.1).slice(0, 8)}\n${wavBase64(0.1).slice(8)}`, /base64/],
      // Without a RIFF header an even byte count is raw PCM (docs/interop.md); an odd one is not audio.
      [
        'a headerless payload of an odd byte count',
        Buffer.from('just some text, not audio at all!').toString('base64'),
        /no RIFF header.*16-bit samples/,
      ],
      [
        'a 44.1 kHz WAV',
        Buffer.from(customWav({ sampleRate: 44_100, channels: 1, bitsPerSample: 16 })).toString('base64'),
        /44100 Hz/,
      ],
      [
        'a stereo WAV',
        Buffer.from(customWav({ sampleRate: 16_000, channels: 2, bitsPerSample: 16 })).toString('base64'),
        /2 channel/,
      ],
      [
        'an 8-bit WAV',
        Buffer.from(customWav({ sampleRate: 16_000, channels: 1, bitsPerSample: 8 })).toString('base64'),
        /8-bit/,
      ],
      [
        'a float WAV',
        Buffer.from(customWav({ sampleRate: 16_000, channels: 1, bitsPerSample: 32, format: 3 })).toString(
          'base64',
        ),
        /float/,
      ],
    ])('%s -> bad_audio with the reason', async (_name, audio, reason) => {
      const index = nextIndex++;
      client.chunk(id, index, audio);
      const error = await client.nextOfType('error');
      expect(error).toMatchObject({ code: 'bad_audio', session_id: id, chunk_index: index });
      expect(error.message).toMatch(reason);
      // The refused chunk was not recorded: the same index with good audio is accepted.
      client.chunk(id, index, wavBase64(0.1));
      expect(await client.next((m) => m.type === 'ack' && m.chunk_index === index)).toMatchObject({
        status: 'received',
      });
      await client.nextOfType('chunk_result', id);
      await expectStillUsable();
    });
  });

  it('an oversized frame gets too_large with the limit, then 1009; the gateway stays up', async () => {
    const victim = await TestClient.connect(gateway.url);
    victim.send({ action: 'chunk', session_id: 'big', chunk_index: 0, audio_data: 'A'.repeat(300_000) });
    expect(await victim.closed).toBe(1009);
    expect(victim.messages).toEqual([
      {
        type: 'error',
        code: 'too_large',
        message: expect.stringMatching(/the limit is 262144 bytes \(--max-payload-bytes\)/),
      },
    ]);
    await expectStillUsable();
    const fresh = await TestClient.connect(gateway.url);
    const id = sessionId();
    fresh.start(id);
    expect(await fresh.nextOfType('ack')).toMatchObject({ status: 'session_started' });
    await fresh.close();
    expect((await fetch(`${gateway.httpUrl}/api/v1/health`)).status).toBe(200);
  });
});

describe('merge timeout', () => {
  it('sends final_result with partial:true when a chunk result is late, then the late chunk_result', async () => {
    const slow = await startGateway([
      '--workers',
      '1',
      '--synthetic-cost-ms',
      '1500',
      '--merge-timeout-ms',
      '300',
    ]);
    try {
      const client = await TestClient.connect(slow.url);
      const id = sessionId();
      client.start(id);
      await client.nextOfType('ack');
      client.chunk(id, 0, wavBytes(0.5));
      await client.next((m) => m.status === 'received');
      client.finish(id);
      const final = await client.nextOfType('final_result');
      expect(final).toMatchObject({
        session_id: id,
        partial: true,
        chunk_count: 1,
        text: '',
        audio_seconds: 0.5,
      });
      expect(client.all((m) => m.type === 'chunk_result')).toHaveLength(0);
      // The chunk still gets its result afterwards (base quirk: the final text wins).
      expect(await client.nextOfType('chunk_result')).toMatchObject({
        chunk_index: 0,
        text: 'synthetic transcript',
      });
      await client.close();
    } finally {
      await slow.stop();
    }
  });
});
