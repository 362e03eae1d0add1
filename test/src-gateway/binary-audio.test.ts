// Extension `binary_audio` (docs/protocol.md, "binary_audio"), against the real gateway
// process over loopback sockets: a session that asks for it gets a stream handle on its
// start ack, its binary frames are answered exactly as its JSON chunks (ack, result,
// duplicate, busy at the same backlog bound, the same final), every bad frame gets its
// code and leaves the connection usable, and a gateway that does not offer it
// (--no-binary-audio, --base-protocol) hands out no handle and answers binary frames as
// before (bad_json).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWav } from '../../src-shared/audio/wav.js';
import { encodeBinaryFrame } from '../../src-shared/protocol/binary-frame.js';
import { ensureBuilt } from '../helpers/build.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { TestClient, type Message } from './support/test-client.js';

beforeAll(() => ensureBuilt(), 300_000);

const PHRASE = 'alpha';
const MAX_PAYLOAD = 400_000; // 12.5 s of binary PCM

function tonePcm(seconds: number): Int16Array {
  const pcm = new Int16Array(Math.round(seconds * 16_000));
  for (let i = 0; i < pcm.length; i++) pcm[i] = Math.round(5000 * Math.sin(i / 9));
  return pcm;
}
const pcmBytes = (seconds: number) => {
  const pcm = tonePcm(seconds);
  return new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength);
};
const wavB64 = (seconds: number) => Buffer.from(encodeWav(tonePcm(seconds))).toString('base64');

const sendBinary = (client: TestClient, bytes: Uint8Array) => client.socket.send(bytes, { binary: true });
const binaryChunk = (
  client: TestClient,
  stream: number,
  index: number,
  seconds: number,
  provisional = false,
) => sendBinary(client, encodeBinaryFrame({ stream, chunkIndex: index, provisional }, pcmBytes(seconds)));

const isAck = (m: Message) => m.type === 'ack';
const isResult = (index: number) => (m: Message) => m.type === 'chunk_result' && m.chunk_index === index;

/** A session that asked for binary audio: its id and its stream handle on `client`. */
async function binarySession(client: TestClient, id = randomUUID()): Promise<{ id: string; stream: number }> {
  client.send({ action: 'start', session_id: id, binary_audio: true });
  const ack = await client.nextOfType('ack', id);
  expect(ack).toEqual({
    type: 'ack',
    status: 'session_started',
    session_id: id,
    features: ['provisional', 'binary_audio'],
    stream: expect.any(Number),
  });
  return { id, stream: ack.stream as number };
}

describe('binary audio frames on the default gateway', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startGateway([
      '--synthetic-phrase',
      PHRASE,
      '--synthetic-rtf',
      '0.5',
      '--workers',
      '1',
      '--max-backlog-seconds',
      '4',
      '--max-queue-wait-ms',
      '0',
      '--max-payload-bytes',
      String(MAX_PAYLOAD),
    ]);
  });
  afterAll(() => gateway?.stop());

  it('lays the header out as docs/protocol.md says: "EA", version 1, flags, stream and index as uint32 LE', async () => {
    const client = await TestClient.connect(gateway.url);
    const { id, stream } = await binarySession(client);
    // Built byte by byte from the documented layout, not with the encoder under test.
    const pcm = pcmBytes(0.3);
    const frame = Buffer.alloc(12 + pcm.length);
    frame.write('EA', 0, 'latin1');
    frame.writeUInt8(1, 2);
    frame.writeUInt8(0, 3);
    frame.writeUInt32LE(stream, 4);
    frame.writeUInt32LE(7, 8);
    frame.set(pcm, 12);
    sendBinary(client, frame);
    expect(await client.next(isAck)).toEqual({
      type: 'ack',
      status: 'received',
      session_id: id,
      chunk_index: 7,
    });
    expect(await client.next(isResult(7))).toEqual({
      type: 'chunk_result',
      session_id: id,
      chunk_index: 7,
      text: PHRASE,
    });
    await client.close();
  });

  it('answers binary chunks as it answers JSON ones: acks, results, duplicate, and the same final', async () => {
    const client = await TestClient.connect(gateway.url);
    const binary = await binarySession(client);
    binaryChunk(client, binary.stream, 0, 0.5);
    binaryChunk(client, binary.stream, 1, 0.25);
    expect(await client.next(isAck)).toMatchObject({ status: 'received', chunk_index: 0 });
    expect(await client.next(isAck)).toMatchObject({ status: 'received', chunk_index: 1 });
    await client.next(isResult(1));
    binaryChunk(client, binary.stream, 1, 0.25);
    expect(await client.next(isAck)).toEqual({
      type: 'ack',
      status: 'duplicate',
      session_id: binary.id,
      chunk_index: 1,
    });
    // A session that asked for binary frames may still send JSON chunks.
    client.chunk(binary.id, 2, wavB64(0.25));
    expect(await client.next(isAck)).toMatchObject({ status: 'received', chunk_index: 2 });
    client.finish(binary.id);
    const binaryFinal = await client.nextOfType('final_result', binary.id);

    const json = randomUUID();
    client.start(json);
    expect(await client.nextOfType('ack', json)).not.toHaveProperty('stream'); // it did not ask
    client.chunk(json, 0, wavB64(0.5));
    client.chunk(json, 1, wavB64(0.25));
    client.chunk(json, 2, wavB64(0.25));
    client.finish(json);
    const jsonFinal = await client.nextOfType('final_result', json);
    expect(binaryFinal).toEqual({ ...jsonFinal, session_id: binary.id, duration: expect.any(Number) });
    expect(binaryFinal).toMatchObject({
      text: `${PHRASE} ${PHRASE} ${PHRASE}`,
      chunk_count: 3,
      audio_seconds: 1,
    });
    await client.close();
  });

  it('refuses at the same backlog bound as JSON chunks (busy), and takes the chunk when resent', async () => {
    const client = await TestClient.connect(gateway.url);
    const { id, stream } = await binarySession(client);
    // As in the conformance busy scenario: 8 s keeps the one worker busy for 4 s, so the
    // next chunk does not fit the 4 s bound; the estimate is the PCM length, exactly.
    binaryChunk(client, stream, 0, 8);
    expect(await client.next()).toMatchObject({ type: 'ack', status: 'received', chunk_index: 0 });
    binaryChunk(client, stream, 1, 0.3);
    expect(await client.next()).toEqual({
      type: 'error',
      code: 'busy',
      message: expect.stringMatching(/^System busy/),
      session_id: id,
      chunk_index: 1,
      retry_after_ms: expect.any(Number),
    });
    await client.next(isResult(0), 20_000);
    binaryChunk(client, stream, 1, 0.3);
    expect(await client.next(isAck)).toMatchObject({ status: 'received', chunk_index: 1 });
    client.finish(id);
    expect(await client.nextOfType('final_result', id)).toMatchObject({ chunk_count: 2 });
    await client.close();
  });

  it('carries a provisional request with the provisional flag: one provisional_result, nothing recorded', async () => {
    const client = await TestClient.connect(gateway.url);
    const { id, stream } = await binarySession(client);
    binaryChunk(client, stream, 0, 1, true);
    expect(await client.nextOfType('provisional_result', id)).toMatchObject({ chunk_index: 0 });
    expect(client.all(isAck)).toHaveLength(1); // the start ack only
    client.finish(id);
    expect(await client.nextOfType('final_result', id)).toMatchObject({ chunk_count: 0 });
    await client.close();
  });

  describe('bad frames get a code and leave the connection usable', () => {
    let client: TestClient;
    let session: { id: string; stream: number };
    let next = 0;

    /** A good binary chunk on the same connection is still taken. */
    async function expectStillUsable(): Promise<void> {
      const index = 100 + next++;
      binaryChunk(client, session.stream, index, 0.1);
      expect(await client.next(isAck)).toMatchObject({ status: 'received', chunk_index: index });
    }

    it('a binary frame before the connection negotiated it -> bad_frame', async () => {
      client = await TestClient.connect(gateway.url);
      sendBinary(client, encodeBinaryFrame({ stream: 1, chunkIndex: 0, provisional: false }, pcmBytes(0.1)));
      expect(await client.nextOfType('error')).toEqual({
        type: 'error',
        code: 'bad_frame',
        message: expect.stringContaining('before binary audio was negotiated'),
      });
      // A start without `binary_audio` negotiates nothing either.
      client.start(randomUUID());
      await client.nextOfType('ack');
      sendBinary(client, encodeBinaryFrame({ stream: 1, chunkIndex: 0, provisional: false }, pcmBytes(0.1)));
      expect(await client.nextOfType('error')).toMatchObject({ code: 'bad_frame' });
      session = await binarySession(client);
      await expectStillUsable();
    });

    const header = (bytes: number[]) => Uint8Array.from([...bytes, ...new Uint8Array(64)]);
    it.each([
      [
        'a header shorter than 12 bytes',
        () => Uint8Array.from([0x45, 0x41, 1, 0, 1, 0, 0]),
        /shorter than its 12-byte header/,
      ],
      ['the wrong magic', () => header([0x45, 0x42, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0]), /magic/],
      ['a JSON message sent as binary', () => Buffer.from('{"action":"finish","session_id":"x"}'), /magic/],
      ['an unknown version', () => header([0x45, 0x41, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0]), /version 2/],
      ['a reserved flag bit', () => header([0x45, 0x41, 1, 0x80, 1, 0, 0, 0, 0, 0, 0, 0]), /reserved bits/],
      ['stream handle 0', () => header([0x45, 0x41, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]), /handle 0/],
    ])('%s -> bad_frame', async (_name, frame, reason) => {
      sendBinary(client, frame());
      expect(await client.nextOfType('error')).toEqual({
        type: 'error',
        code: 'bad_frame',
        message: expect.stringMatching(reason),
      });
      await expectStillUsable();
    });

    it('a stream handle this connection never gave -> session_not_found with the chunk index', async () => {
      binaryChunk(client, session.stream + 1000, 5, 0.1);
      expect(await client.nextOfType('error')).toEqual({
        type: 'error',
        code: 'session_not_found',
        message: expect.stringMatching(/^Session not found: stream \d+/),
        chunk_index: 5,
      });
      await expectStillUsable();
    });

    it('an odd number of PCM bytes -> bad_audio, not recorded', async () => {
      const odd = Uint8Array.from([...pcmBytes(0.1), 7]);
      sendBinary(
        client,
        encodeBinaryFrame({ stream: session.stream, chunkIndex: 9, provisional: false }, odd),
      );
      expect(await client.nextOfType('error')).toEqual({
        type: 'error',
        code: 'bad_audio',
        message: 'binary audio of 3201 bytes is not a whole number of 16-bit samples',
        session_id: session.id,
        chunk_index: 9,
      });
      binaryChunk(client, session.stream, 9, 0.1); // not recorded: now received, not duplicate
      expect(await client.next(isAck)).toMatchObject({ status: 'received', chunk_index: 9 });
      await client.close();
    });
  });

  it('a binary frame over --max-payload-bytes -> too_large, then close 1009', async () => {
    const client = await TestClient.connect(gateway.url);
    const { stream } = await binarySession(client);
    binaryChunk(client, stream, 0, 13);
    expect(await client.nextOfType('error')).toMatchObject({ code: 'too_large' });
    expect(await client.closed).toBe(1009);
  });

  it('names a session only on its connection: a resume elsewhere gets a new handle, the old one misses', async () => {
    const first = await TestClient.connect(gateway.url);
    const { id, stream } = await binarySession(first);
    binaryChunk(first, stream, 0, 0.2);
    await first.next(isAck);
    const second = await TestClient.connect(gateway.url);
    second.send({ action: 'start', session_id: id, binary_audio: true });
    const resumed = await second.nextOfType('ack', id);
    expect(resumed).toMatchObject({ status: 'session_resumed', received: [0], stream: expect.any(Number) });
    binaryChunk(first, stream, 1, 0.2);
    expect(await first.nextOfType('error')).toMatchObject({ code: 'session_not_found', chunk_index: 1 });
    binaryChunk(second, resumed.stream as number, 1, 0.2);
    expect(await second.next(isAck)).toMatchObject({ status: 'received', session_id: id, chunk_index: 1 });
    second.finish(id);
    expect(await second.nextOfType('final_result', id)).toMatchObject({ chunk_count: 2 });
    // The session ended: its handle ends with it.
    binaryChunk(second, resumed.stream as number, 2, 0.2);
    expect(await second.nextOfType('error')).toMatchObject({ code: 'session_not_found', chunk_index: 2 });
    await Promise.all([first.close(), second.close()]);
  });
});

describe.each([
  ['--no-binary-audio', ['--no-binary-audio'], ['provisional']],
  ['--base-protocol', ['--base-protocol'], undefined],
])('a gateway with %s', (_name, args, features) => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startGateway(['--workers', '1', ...args]);
  });
  afterAll(() => gateway?.stop());

  it('gives no stream handle, takes JSON chunks, and answers a binary frame bad_json as before', async () => {
    const client = await TestClient.connect(gateway.url);
    const id = randomUUID();
    client.send({ action: 'start', session_id: id, binary_audio: true });
    const ack = await client.nextOfType('ack', id);
    expect(ack).not.toHaveProperty('stream');
    expect(ack.features).toEqual(features);
    sendBinary(client, encodeBinaryFrame({ stream: 1, chunkIndex: 0, provisional: false }, pcmBytes(0.1)));
    const error = await client.nextOfType('error');
    expect(error.message).toMatch(/^Invalid message format/);
    if (features) expect(error.code).toBe('bad_json');
    client.chunk(id, 0, wavB64(0.2));
    expect(await client.next(isAck)).toMatchObject({ status: 'received', chunk_index: 0 });
    await client.close();
  });
});
