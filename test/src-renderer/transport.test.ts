// The web-mode transport the renderer uses (src-shared/api/ws-client.ts) over a real
// WebSocket on loopback. The server side here speaks the wire format of
// src-shared/api/wire.ts directly, so each test controls exactly what the "host" answers;
// the e2e tests run the same client against the real `earshot web` host.
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { ApiError } from '../../src-shared/api/common.js';
import {
  createWebSocketApi,
  type WebSocketApi,
  type WebSocketConstructor,
} from '../../src-shared/api/ws-client.js';
import { decodeAudioBatch, decodeJson, encodeJson } from '../../src-shared/api/wire.js';

interface Host {
  url: string;
  wss: WebSocketServer;
  sockets: WebSocket[];
  received: unknown[];
  audio: ReturnType<typeof decodeAudioBatch>[];
  close(): Promise<void>;
}

async function startHost(
  answer: (call: { id: number; channel: string; input: unknown }, socket: WebSocket) => void,
): Promise<Host> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => wss.once('listening', r));
  const host: Host = {
    url: `ws://127.0.0.1:${(wss.address() as { port: number }).port}/api/ws?token=t`,
    wss,
    sockets: [],
    received: [],
    audio: [],
    close: () =>
      new Promise((r) => {
        for (const s of host.sockets) s.terminate();
        wss.close(() => r());
      }),
  };
  wss.on('connection', (socket) => {
    host.sockets.push(socket);
    socket.on('message', (data, isBinary) => {
      if (isBinary) {
        host.audio.push(decodeAudioBatch(new Uint8Array(data as Buffer)));
        return;
      }
      const message = decodeJson(String(data)) as { id: number; channel: string; input: unknown };
      host.received.push(message);
      answer(message, socket);
    });
  });
  return host;
}

const reply = (socket: WebSocket, id: number, output: unknown) =>
  socket.send(encodeJson({ type: 'result', id, ok: true, output }));
const until = async (check: () => boolean, what: string) => {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
};

let host: Host | undefined;
let client: WebSocketApi | undefined;
afterEach(async () => {
  client?.close();
  await host?.close();
  client = undefined;
  host = undefined;
});

const connect = (url: string, extra = {}) =>
  createWebSocketApi({ url, WebSocket: WebSocket as unknown as WebSocketConstructor, ...extra });

describe('web-mode API transport', () => {
  it("resolves calls with validated outputs, revives bytes, and rejects with the host's error code", async () => {
    host = await startHost((call, socket) => {
      if (call.channel === 'history.audio') reply(socket, call.id, { wav: new Uint8Array([82, 73, 70, 70]) });
      else if (call.channel === 'history.delete')
        socket.send(
          encodeJson({
            type: 'result',
            id: call.id,
            ok: false,
            error: { code: 'not_found', message: 'no recording r9' },
          }),
        );
      else if (call.channel === 'dictation.cancel') reply(socket, call.id, { cancelled: 'yes' }); // wrong type
    });
    client = connect(host.url);
    const audio = await client.call('history.audio', { recordingId: 'r1' });
    expect(audio.wav).toBeInstanceOf(Uint8Array);
    expect(Array.from(audio.wav)).toEqual([82, 73, 70, 70]);
    const error = await client.call('history.delete', { recordingId: 'r9' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: 'not_found', message: 'no recording r9' });
    await expect(client.call('dictation.cancel', { dictationId: 'd' })).rejects.toMatchObject({
      code: 'internal',
    });
    expect(host.received.map((m) => (m as { channel: string }).channel)).toEqual([
      'history.audio',
      'history.delete',
      'dictation.cancel',
    ]);
  });

  it('delivers only events that match the contract', async () => {
    host = await startHost(() => undefined);
    client = connect(host.url);
    const got: unknown[] = [];
    client.on('dictation.chunk_result', (e) => got.push(e));
    await until(() => host!.sockets.length === 1 && client!.state === 'open', 'open');
    const send = (event: string, payload: unknown) =>
      host!.sockets[0].send(encodeJson({ type: 'event', event, payload }));
    send('dictation.chunk_result', {
      dictationId: 'd',
      recordingId: 'r',
      chunkIndex: 0,
      chunkText: 'hi',
      text: 'hi',
    });
    send('dictation.chunk_result', { dictationId: 'd', chunkIndex: -1 }); // invalid: dropped
    send('no.such.event', {});
    send('dictation.chunk_result', {
      dictationId: 'd',
      recordingId: 'r',
      chunkIndex: 1,
      chunkText: 'there',
      text: 'hi there',
    });
    await until(() => got.length === 2, 'two events');
    expect(got.map((e) => (e as { text: string }).text)).toEqual(['hi', 'hi there']);
  });

  it('sends audio batches as binary frames and holds them across a reconnect, in order', async () => {
    host = await startHost(() => undefined);
    client = connect(host.url);
    await until(() => client!.state === 'open', 'open');
    client.sendAudio({ dictationId: 'dict-1', seq: 0, pcm: Int16Array.of(1, -1, 32767) });
    await until(() => host!.audio.length === 1, 'first batch');
    expect(host.audio[0]).toMatchObject({ dictationId: 'dict-1', seq: 0 });
    expect(Array.from(host.audio[0].pcm)).toEqual([1, -1, 32767]);

    const states: string[] = [];
    client.onTransportState((s) => states.push(s));
    host.sockets[0].terminate(); // the host drops us
    // Seen through the state events: a fast reconnect may be open again before a poll of
    // the current state would see it reconnecting.
    await until(() => states.includes('reconnecting'), 'reconnecting');
    client.sendAudio({ dictationId: 'dict-1', seq: 1, pcm: Int16Array.of(2) });
    client.sendAudio({ dictationId: 'dict-1', seq: 2, pcm: Int16Array.of(3) });
    await until(() => host!.audio.length === 3, 'held batches after reconnect');
    expect(host.audio.map((b) => b.seq)).toEqual([0, 1, 2]);
    expect(states).toEqual(['reconnecting', 'open']);
  });

  it('rejects calls in flight when the connection drops', async () => {
    host = await startHost(() => undefined); // never answers
    client = connect(host.url);
    const pending = client.call('status.get', {});
    await until(() => host!.received.length === 1, 'call received');
    host.sockets[0].terminate();
    await expect(pending).rejects.toMatchObject({ code: 'disconnected' });
  });

  it('stops for good when the host refuses the token', async () => {
    host = await startHost(() => undefined);
    host.wss.on('connection', (socket) => socket.close(4401, 'bad token'));
    client = connect(host.url);
    await until(() => client!.state === 'closed', 'closed');
    await expect(client.call('app.info', {})).rejects.toMatchObject({ code: 'disconnected' });
  });
});
