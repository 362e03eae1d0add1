// `--base-protocol`: the gateway reproduces the base gateway's quirks (docs/protocol.md, "Dialects") so
// client compatibility can be tested against it. Every extension must be absent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../helpers/build.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { expectRefusal } from './support/refusal.js';
import { TestClient, customWav, sessionId, wavBase64 } from './support/test-client.js';

// The first build of a run can be slow on a busy machine: give it room.
beforeAll(() => ensureBuilt(), 300_000);

let gateway: TestGateway;

beforeAll(async () => {
  gateway = await startGateway([
    '--base-protocol',
    '--workers',
    '2',
    '--synthetic-phrase',
    'abc',
    '--max-connections',
    '50',
  ]);
});

afterAll(async () => {
  await gateway?.stop();
});

describe('base protocol mode', () => {
  it('acks without session_id on chunks, omits codes and extension fields, joins texts without a separator', async () => {
    const client = await TestClient.connect(gateway.url);
    const id = sessionId();
    client.start(id);
    expect(await client.next()).toEqual({
      type: 'ack',
      session_id: id,
      chunk_index: 0,
      status: 'session_started',
    });
    client.chunk(id, 0, wavBase64(0.2));
    client.chunk(id, 1, wavBase64(0.2));
    expect(await client.next((m) => m.type === 'ack')).toEqual({
      type: 'ack',
      chunk_index: 0,
      status: 'received',
    });
    expect(await client.next((m) => m.type === 'ack')).toEqual({
      type: 'ack',
      chunk_index: 1,
      status: 'received',
    });
    client.finish(id);
    const final = await client.nextOfType('final_result');
    expect(Object.keys(final).sort()).toEqual([
      'chunk_count',
      'chunk_index',
      'duration',
      'session_id',
      'text',
      'type',
    ]);
    expect(final).toMatchObject({ session_id: id, text: 'abcabc', chunk_count: 2, chunk_index: 0 });
    expect(final.duration).toBeGreaterThan(0);
    for (const result of client.all((m) => m.type === 'chunk_result'))
      expect(result).toMatchObject({ session_id: id, text: 'abc' });
    await client.close();
  });

  it('drops invalid base64 silently: no ack, no error', async () => {
    const client = await TestClient.connect(gateway.url);
    const id = sessionId();
    client.start(id);
    await client.nextOfType('ack');
    client.chunk(id, 0, 'this is !!! not base64');
    client.chunk(id, 1, wavBase64(0.1));
    // The next thing that arrives is about chunk 1: chunk 0 got nothing at all.
    expect(await client.next()).toEqual({ type: 'ack', chunk_index: 1, status: 'received' });
    client.finish(id);
    expect(await client.nextOfType('final_result')).toMatchObject({ chunk_count: 1 });
    expect(
      client.all((m) => m.chunk_index === 0 && (m.status === 'received' || m.type === 'chunk_result')),
    ).toEqual([]);
    expect(client.all((m) => m.type === 'error')).toEqual([]);
    await client.close();
  });

  it('acks a chunk that is not protocol audio, lets it fail in recognition and sends no result for it', async () => {
    const client = await TestClient.connect(gateway.url);
    const id = sessionId();
    client.start(id);
    await client.nextOfType('ack');
    client.chunk(
      id,
      0,
      Buffer.from(customWav({ sampleRate: 44_100, channels: 2, bitsPerSample: 16 })).toString('base64'),
    );
    expect(await client.next()).toEqual({ type: 'ack', chunk_index: 0, status: 'received' });
    client.finish(id);
    const final = await client.nextOfType('final_result');
    // Empty text is left out; the failed chunk is still counted, as the base gateway counts it.
    expect(final).toEqual({
      type: 'final_result',
      session_id: id,
      chunk_index: 0,
      duration: final.duration,
      chunk_count: 1,
    });
    expect(client.all((m) => m.type === 'chunk_result')).toEqual([]);
    await client.close();
  });

  it('replaces a session on a start with a known id (no resume)', async () => {
    const client = await TestClient.connect(gateway.url);
    const id = sessionId();
    client.start(id);
    await client.nextOfType('ack');
    client.chunk(id, 0, wavBase64(0.2));
    await client.nextOfType('chunk_result');
    client.start(id);
    expect(await client.nextOfType('ack')).toEqual({
      type: 'ack',
      session_id: id,
      chunk_index: 0,
      status: 'session_started',
    });
    // The replaced session forgot chunk 0: the same index is "received" again, not a duplicate.
    client.chunk(id, 0, wavBase64(0.2));
    expect(await client.nextOfType('ack')).toEqual({ type: 'ack', chunk_index: 0, status: 'received' });
    client.finish(id);
    expect(await client.nextOfType('final_result')).toMatchObject({ chunk_count: 1, text: 'abc' });
    await client.close();
  });

  it('answers errors with the base messages and no code', async () => {
    const client = await TestClient.connect(gateway.url);
    client.send('not json');
    expect(await client.next()).toEqual({ type: 'error', chunk_index: 0, message: 'Invalid message format' });
    client.send({ action: 'dance', session_id: 'x' });
    expect(await client.next()).toEqual({ type: 'error', chunk_index: 0, message: 'Unknown action: dance' });
    client.finish('nobody');
    expect(await client.next()).toEqual({
      type: 'error',
      chunk_index: 0,
      message: 'Session not found: nobody',
    });
    await client.close();
  });

  it('refuses over the connection cap with 503 and {error} only', async () => {
    // Sockets of earlier tests may still be closing: fill up to the cap, whatever is left of it.
    const clients: TestClient[] = [];
    for (let i = 0; i < 50; i++) {
      const client = await TestClient.connect(gateway.url).catch(() => undefined);
      if (!client) break;
      clients.push(client);
    }
    expect(clients.length).toBeGreaterThan(40);
    const refusal = await expectRefusal(gateway.url);
    expect(refusal.status).toBe(503);
    expect(Object.keys(refusal.body)).toEqual(['error']);
    expect(refusal.headers['retry-after']).toBeUndefined();
    await Promise.all(clients.map((c) => c.close()));
  });
});
