// ProtocolClient against the real compiled gateway on loopback (synthetic engine: the
// protocol is the point here, not recognition). Two refusals the Earshot gateway does
// not produce on demand are played by tiny servers in this file: a plain node:http
// server answering 503 + Retry-After, and a ws server that acks `start` but drops every
// chunk without a word, the way a base gateway drops undecodable audio.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { ProtocolClient } from '../../../src-main/protocol-client/client.js';
import { AckTimeoutError, ConnectError, ServerError } from '../../../src-main/protocol-client/errors.js';
import { encodeWav } from '../../../src-shared/audio/wav.js';
import { chunkFramesOf as chunkFrames, startGateway, type TestGateway } from '../../helpers/gateway.js';

const PHRASE = 'synthetic words here';
const tone = (seconds: number) => {
  const pcm = new Int16Array(Math.round(seconds * 16_000));
  for (let i = 0; i < pcm.length; i++) pcm[i] = Math.round(6000 * Math.sin(i / 7));
  return encodeWav(pcm);
};

let gateway: TestGateway;
let baseGateway: TestGateway;
let tokenGateway: TestGateway;

beforeAll(async () => {
  [gateway, baseGateway, tokenGateway] = await Promise.all([
    startGateway(['--synthetic-phrase', PHRASE, '--synthetic-cost-ms', '20']),
    startGateway(['--base-protocol', '--synthetic-phrase', PHRASE, '--synthetic-cost-ms', '20']),
    startGateway(['--token', 'sesame', '--synthetic-cost-ms', '20']),
  ]);
});

afterAll(async () => {
  await Promise.all([gateway?.stop(), baseGateway?.stop(), tokenGateway?.stop()]);
});

describe('ProtocolClient against the Earshot gateway', () => {
  it('starts, sends chunks, gets every result and the final', async () => {
    const client = await ProtocolClient.connect(gateway.url);
    const results: number[] = [];
    client.on('chunk_result', (message) => results.push(message.chunk_index));
    const sessionId = randomUUID();
    expect(await client.start(sessionId)).toEqual({
      resumed: false,
      received: [],
      features: ['provisional', 'binary_audio'],
      stream: 1, // asked for by default, the first handle of this connection
    });
    expect(client.sendsBinaryAudio).toBe(true);
    expect(await Promise.all([0, 1, 2].map((i) => client.sendChunk(i, tone(1.2))))).toEqual([
      'received',
      'received',
      'received',
    ]);
    // The same chunk again is a duplicate, not a second recognition.
    expect(await client.sendChunk(1, tone(1.2))).toBe('duplicate');
    const final = await client.finish();
    expect(final.session_id).toBe(sessionId);
    expect(final.chunk_count).toBe(3);
    expect(final.text).toBe([PHRASE, PHRASE, PHRASE].join(' '));
    // A duplicate of a chunk whose result is already in is answered with that result again
    // (the gateway's replay), so chunk 1's result may come twice, depending on timing.
    expect([...new Set(results)].sort()).toEqual([0, 1, 2]);
    expect(results.length).toBeLessThanOrEqual(4);
    expect(await client.ping()).toBeGreaterThanOrEqual(0);
    await client.close();
  });

  it('sends its chunks as binary frames where the gateway gives a handle, as JSON when told not to', async () => {
    const before = await chunkFrames(gateway);
    const binary = await ProtocolClient.connect(gateway.url);
    await binary.start(randomUUID());
    expect(await binary.sendChunk(0, tone(0.5))).toBe('received');
    expect(await binary.sendChunk(1, tone(0.5))).toBe('received');
    expect((await binary.finish()).text).toBe(`${PHRASE} ${PHRASE}`);
    await binary.close();
    const json = await ProtocolClient.connect(gateway.url, { binaryAudio: false });
    const start = await json.start(randomUUID());
    expect(start).not.toHaveProperty('stream');
    expect(json.sendsBinaryAudio).toBe(false);
    expect(await json.sendChunk(0, tone(0.5))).toBe('received');
    expect((await json.finish()).text).toBe(PHRASE);
    await json.close();
    expect(await chunkFrames(gateway)).toEqual({ binary: before.binary + 2, json: before.json + 1 });
  });

  it('sends a WAV that is not protocol audio as JSON, so the gateway names what is wrong', async () => {
    const client = await ProtocolClient.connect(gateway.url);
    await client.start(randomUUID());
    const stereo = encodeWav(new Int16Array(3200), 8000);
    const error = await client.sendChunk(0, stereo).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'bad_audio', message: expect.stringMatching(/8000 Hz/) });
    await client.close();
  });

  it('resumes a session on a new connection and learns which chunks arrived', async () => {
    const sessionId = randomUUID();
    const first = await ProtocolClient.connect(gateway.url);
    await first.start(sessionId);
    await first.sendChunk(0, tone(1));
    await first.sendChunk(1, tone(1));
    await first.close(true); // dropped, no finish

    const second = await ProtocolClient.connect(gateway.url);
    const resumed = await second.start(sessionId);
    expect(resumed.resumed).toBe(true);
    expect(resumed.received.sort()).toEqual([0, 1]);
    await second.sendChunk(2, tone(1));
    const final = await second.finish();
    expect(final.chunk_count).toBe(3);
    await second.close();
  });

  it('rejects a chunk that is not audio with a permanent bad_audio error', async () => {
    const client = await ProtocolClient.connect(gateway.url);
    await client.start(randomUUID());
    const error = await client
      .sendChunk(0, new TextEncoder().encode('this is not a wav file!'))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerError);
    expect((error as ServerError).code).toBe('bad_audio');
    expect((error as ServerError).permanent).toBe(true);
    await client.close();
  });

  it('says unauthorized (HTTP 401) without the token, and works with it', async () => {
    const error = await ProtocolClient.connect(tokenGateway.url).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).kind).toBe('unauthorized');
    expect((error as ConnectError).status).toBe(401);
    expect((error as ConnectError).permanent).toBe(true);
    expect((error as Error).message).not.toContain('sesame');
    const client = await ProtocolClient.connect(tokenGateway.url, { token: 'sesame' });
    await client.start(randomUUID());
    await client.close();
  });

  it('reports a closed port as unreachable', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const error = await ProtocolClient.connect(`ws://127.0.0.1:${port}/ws/asr`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).kind).toBe('unreachable');
  });
});

describe('ProtocolClient against a base-protocol gateway', () => {
  it('matches chunk acks without session_id by connection and index', async () => {
    const client = await ProtocolClient.connect(baseGateway.url);
    const acks: Array<string | undefined> = [];
    client.on('message', (message) => {
      if (message.type === 'ack' && message.status === 'received') acks.push(message.session_id);
    });
    const start = await client.start(randomUUID());
    expect(start.resumed).toBe(false);
    expect(start).not.toHaveProperty('stream'); // it asked; a base gateway ignores the field
    const before = await chunkFrames(baseGateway);
    await Promise.all([0, 1].map((i) => client.sendChunk(i, tone(1))));
    expect(await chunkFrames(baseGateway)).toEqual({ binary: before.binary, json: before.json + 2 });
    expect(acks).toEqual([undefined, undefined]); // the base quirk really is there
    const final = await client.finish();
    expect(final.chunk_count).toBe(2);
    expect(final.text).toContain('synthetic');
    await client.close();
  });
});

describe('ProtocolClient refusals played by small local servers', () => {
  let http503: Server;
  let silent: WebSocketServer;

  beforeAll(async () => {
    http503 = createServer((_req, res) => {
      res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '2' });
      res.end(JSON.stringify({ error: 'busy', code: 'busy' }));
    });
    await new Promise<void>((resolve) => http503.listen(0, '127.0.0.1', resolve));
    silent = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    silent.on('connection', (socket) => {
      socket.on('message', (data) => {
        const message = JSON.parse(String(data)) as { action: string; session_id: string };
        if (message.action === 'start')
          socket.send(
            JSON.stringify({ type: 'ack', status: 'session_started', session_id: message.session_id }),
          );
        // chunks: dropped silently, like a base gateway given audio it cannot decode
      });
    });
    await new Promise<void>((resolve) => silent.once('listening', () => resolve()));
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => http503.close(() => resolve()));
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  it('turns HTTP 503 + Retry-After on the upgrade into a busy ConnectError with the delay', async () => {
    const port = (http503.address() as AddressInfo).port;
    const error = await ProtocolClient.connect(`ws://127.0.0.1:${port}/ws/asr`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).kind).toBe('busy');
    expect((error as ConnectError).status).toBe(503);
    expect((error as ConnectError).retryAfterMs).toBe(2000);
  });

  it('fails a chunk that is never acknowledged with an AckTimeoutError', async () => {
    const port = (silent.address() as AddressInfo).port;
    const client = await ProtocolClient.connect(`ws://127.0.0.1:${port}/ws/asr`);
    await client.start(randomUUID());
    const error = await client.sendChunk(0, tone(1), { timeoutMs: 300 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AckTimeoutError);
    expect((error as AckTimeoutError).chunkIndex).toBe(0);
    await client.close();
  });
});
