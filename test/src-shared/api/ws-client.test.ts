// The web-mode transport over a real loopback WebSocket. The server here is a small
// scripted peer speaking the wire format (the real host is tested in
// test/src-main/web/), so replies can come out of order, late, malformed or not at all.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket as ServerSocket } from 'ws';
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../../src-shared/api/common.js';
import {
  createWebSocketApi,
  webApiUrlFromPage,
  type TransportState,
  type WebSocketApi,
  type WebSocketConstructor,
} from '../../../src-shared/api/ws-client.js';
import { decodeAudioBatch, decodeJson, encodeJson } from '../../../src-shared/api/wire.js';

const NodeWebSocket = WebSocket as unknown as WebSocketConstructor;

interface Peer {
  server: WebSocketServer;
  url: string;
  calls: { id: number; channel: string; input: unknown; socket: ServerSocket }[];
  audio: ReturnType<typeof decodeAudioBatch>[];
  sockets: ServerSocket[];
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function startPeer(port = 0): Promise<Peer> {
  const server = new WebSocketServer({ host: '127.0.0.1', port });
  await once(server, 'listening');
  const peer: Peer = {
    server,
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/api/ws?token=t`,
    calls: [],
    audio: [],
    sockets: [],
  };
  server.on('connection', (socket) => {
    peer.sockets.push(socket);
    socket.on('message', (data, isBinary) => {
      if (isBinary) peer.audio.push(decodeAudioBatch(new Uint8Array(data as Buffer)));
      else {
        const call = decodeJson(String(data)) as { id: number; channel: string; input: unknown };
        peer.calls.push({ ...call, socket });
      }
    });
  });
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of server.clients) s.terminate();
        server.close(() => resolve());
      }),
  );
  return peer;
}

function client(url: string, options: Partial<Parameters<typeof createWebSocketApi>[0]> = {}): WebSocketApi {
  const api = createWebSocketApi({ url, WebSocket: NodeWebSocket, ...options });
  cleanups.push(() => api.close());
  return api;
}

const reply = (socket: ServerSocket, message: unknown) => socket.send(encodeJson(message));

describe('createWebSocketApi', () => {
  it('matches replies to calls by request id, in any order, and validates outputs', async () => {
    const peer = await startPeer();
    const api = client(peer.url);
    // Sent before the socket is open: queued, not lost.
    const first = api.call('dictation.stop', { dictationId: 'd1' });
    const second = api.call('history.delete', { recordingId: '7' });
    await expect.poll(() => peer.calls.length).toBe(2);
    const [a, b] = peer.calls;
    expect(a.channel).toBe('dictation.stop');
    expect(a.input).toEqual({ dictationId: 'd1' });
    expect(a.id).not.toBe(b.id);
    reply(b.socket, { type: 'result', id: b.id, ok: true, output: { deleted: true } });
    reply(a.socket, {
      type: 'result',
      id: a.id,
      ok: true,
      output: { dictationId: 'd1', recordingId: '3', audioMs: 1200 },
    });
    expect(await second).toEqual({ deleted: true });
    expect(await first).toEqual({ dictationId: 'd1', recordingId: '3', audioMs: 1200 });
  });

  it('turns error replies into ApiError with the code, and a malformed output into an internal error', async () => {
    const peer = await startPeer();
    const api = client(peer.url);
    const failing = api.call('history.get', { recordingId: '1' });
    const malformed = api.call('history.delete', { recordingId: '1' });
    await expect.poll(() => peer.calls.length).toBe(2);
    reply(peer.calls[0].socket, {
      type: 'result',
      id: peer.calls[0].id,
      ok: false,
      error: { code: 'not_found', message: 'no recording 1' },
    });
    reply(peer.calls[1].socket, {
      type: 'result',
      id: peer.calls[1].id,
      ok: true,
      output: { deleted: 'yes' },
    });
    await expect(failing).rejects.toEqual(new ApiError('not_found', 'no recording 1'));
    await expect(malformed).rejects.toMatchObject({
      code: 'internal',
      message: expect.stringContaining('deleted'),
    });
  });

  it('refuses unknown channels and events locally', async () => {
    const peer = await startPeer();
    const api = client(peer.url);
    await expect(api.call('fs.read' as 'app.info', {})).rejects.toMatchObject({ code: 'unknown_channel' });
    expect(() => api.on('nope' as 'app.error', () => {})).toThrow(/unknown event/);
    expect(peer.calls).toEqual([]);
  });

  it('delivers validated events to subscribers until they unsubscribe', async () => {
    const peer = await startPeer();
    const api = client(peer.url);
    const seen: string[] = [];
    const off = api.on('app.error', (e) => seen.push(e.message));
    await expect.poll(() => peer.sockets.length).toBe(1);
    const socket = peer.sockets[0];
    reply(socket, { type: 'event', event: 'app.error', payload: { at: 1, source: 's', message: 'first' } });
    reply(socket, { type: 'event', event: 'app.error', payload: { at: 1, source: 's', message: 7 } }); // not a string: dropped
    reply(socket, { type: 'event', event: 'no.such', payload: {} });
    await expect.poll(() => seen).toEqual(['first']);
    off();
    const other: string[] = [];
    api.on('app.error', (e) => other.push(e.message));
    reply(socket, { type: 'event', event: 'app.error', payload: { at: 2, source: 's', message: 'second' } });
    reply(socket, { type: 'event', event: 'app.error', payload: { at: 3, source: 's', message: 'third' } });
    await expect.poll(() => other).toEqual(['second', 'third']);
    expect(seen).toEqual(['first']);
  });

  it('sends audio batches as binary frames, holds them while reconnecting, and fails calls in flight', async () => {
    const peer = await startPeer();
    const states: TransportState[] = [];
    const api = client(peer.url);
    api.onTransportState((s) => states.push(s));
    api.sendAudio({ dictationId: 'dict-1', seq: 0, pcm: Int16Array.from([1, 2, 3]) });
    await expect.poll(() => peer.audio.length).toBe(1);
    expect(peer.audio[0]).toEqual({ dictationId: 'dict-1', seq: 0, pcm: Int16Array.from([1, 2, 3]) });

    const inFlight = api.call('status.get', {});
    await expect.poll(() => peer.calls.length).toBe(1);
    peer.sockets[0].terminate();
    await expect(inFlight).rejects.toMatchObject({ code: 'disconnected' });
    await expect.poll(() => states).toContain('reconnecting');
    api.sendAudio({ dictationId: 'dict-1', seq: 1, pcm: Int16Array.from([4, 5]) });
    await expect.poll(() => api.state, { timeout: 15_000 }).toBe('open');
    await expect.poll(() => peer.audio.length).toBe(2);
    expect(peer.audio[1]).toEqual({ dictationId: 'dict-1', seq: 1, pcm: Int16Array.from([4, 5]) });
  });

  it('stops at a refused token instead of retrying, and after the reconnect budget', async () => {
    const peer = await startPeer();
    peer.server.on('connection', (socket) => socket.close(4401, 'bad token'));
    const api = client(peer.url);
    await expect.poll(() => api.state).toBe('closed');
    await expect(api.call('app.info', {})).rejects.toMatchObject({ code: 'disconnected' });

    const nowhere = await startPeer();
    const port = new URL(nowhere.url).port;
    await new Promise<void>((resolve) => nowhere.server.close(() => resolve()));
    const lonely = client(`ws://127.0.0.1:${port}/api/ws?token=t`, { maxReconnectAttempts: 2 });
    await expect.poll(() => lonely.state, { timeout: 20_000 }).toBe('closed');
  });

  it('times out a call nobody answers', async () => {
    const peer = await startPeer();
    const api = client(peer.url, { callTimeoutMs: 300 });
    await expect(api.call('app.info', {})).rejects.toMatchObject({
      code: 'unavailable',
      message: expect.stringContaining('300 ms'),
    });
  });

  it('builds the API URL from the page URL the web host printed', () => {
    expect(webApiUrlFromPage('http://127.0.0.1:4321/?token=a%2Bb')).toBe(
      'ws://127.0.0.1:4321/api/ws?token=a%2Bb',
    );
    expect(webApiUrlFromPage('https://localhost:9/history?token=x')).toBe('wss://localhost:9/api/ws?token=x');
  });
});
