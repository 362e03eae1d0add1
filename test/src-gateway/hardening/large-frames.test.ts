// Issue 10, item 6: large frames. The default 4 MiB frame limit (~98 s of audio) closed
// the socket with 1009 and nothing else, and the public kikipounamu client, which sends a
// whole 120-180 s recording as one chunk, hung on "finalizing"; above ~4.27 MiB the base64
// check (a regex) overflowed the stack and answered "internal error". Now the default
// limit holds 10 minutes of 16 kHz audio in one chunk, and a bigger frame gets a
// too_large error naming the limit before the close.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../../helpers/build.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { OPCODE, RawWebSocket } from '../../helpers/raw-ws.js';
import { TestClient, sessionId, wavBase64 } from '../support/test-client.js';

beforeAll(() => ensureBuilt(), 300_000);

describe('with the default frame limit', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    // A near-free synthetic engine: this is about the transport, not recognition speed.
    gateway = await startGateway([
      '--workers',
      '1',
      '--synthetic-rtf',
      '0.001',
      '--synthetic-phrase',
      'long',
    ]);
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it('takes a 10-minute recording sent as one chunk and recognises it', async () => {
    const client = await TestClient.connect(gateway.url);
    const id = sessionId('ten-minutes');
    client.start(id);
    await client.nextOfType('ack', id);
    const audio = wavBase64(600); // 19.2 MB of WAV, 25.6 MB of base64
    expect(audio.length).toBeGreaterThan(25_000_000);
    client.chunk(id, 0, audio);
    expect(await client.next((m) => m.chunk_index === 0 && m.type !== 'chunk_result', 60_000)).toMatchObject({
      type: 'ack',
      status: 'received',
    });
    expect(await client.nextOfType('chunk_result', id, 60_000)).toMatchObject({
      chunk_index: 0,
      text: 'long',
    });
    client.finish(id);
    expect(await client.nextOfType('final_result', id, 60_000)).toMatchObject({
      text: 'long',
      chunk_count: 1,
      audio_seconds: 600,
    });
    await client.close();
  });

  it('answers a frame over 32 MiB with too_large naming the limit, then closes with 1009', async () => {
    const client = await RawWebSocket.connect(gateway.port, '/ws/asr');
    // Only the header: the gateway must refuse on the announced length, without reading 33 MiB.
    client.send({ opcode: OPCODE.text, payload: '{"action":"chunk"', declaredLength: 32 * 1024 * 1024 + 1 });
    await client.waitForEnd();
    expect(client.messages()).toEqual([
      {
        type: 'error',
        code: 'too_large',
        message: expect.stringMatching(
          /the limit is 33554432 bytes \(--max-payload-bytes\), about 13\.1 min/,
        ),
      },
    ]);
    expect(client.closeCode).toBe(1009);
    expect(client.closeReason).toBe('frame larger than 33554432 bytes (--max-payload-bytes)');
    expect((await fetch(`${gateway.httpUrl}/api/v1/health`)).status).toBe(200);
  });
});

describe('with a small frame limit', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startGateway(['--workers', '1', '--max-payload-bytes', '100000']);
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it('counts the fragments of one message against the limit, and answers earlier messages first', async () => {
    const client = await RawWebSocket.connect(gateway.port, '/ws/asr');
    const id = sessionId('fragments');
    client.send(
      { opcode: OPCODE.text, payload: JSON.stringify({ action: 'start', session_id: id }) },
      { opcode: OPCODE.text, fin: false, payload: 'x'.repeat(60_000) },
      { opcode: OPCODE.continuation, fin: false, payload: 'x'.repeat(60_000) },
    );
    await client.waitForEnd();
    expect(client.messages()).toEqual([
      { type: 'ack', status: 'session_started', session_id: id, features: ['provisional', 'binary_audio'] },
      expect.objectContaining({ type: 'error', code: 'too_large' }),
    ]);
    expect(client.closeCode).toBe(1009);
  });
});
