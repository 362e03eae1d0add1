// Web-mode transport, renderer side: EarshotApi over one WebSocket to `earshot web`.
// DOM-free on purpose: it takes any WebSocket constructor (the browser's, or the `ws`
// package's in tests). Calls carry request ids; events fan out to subscribers; audio
// batches go as binary frames and are held (bounded) while the socket reconnects.
import { Backoff, DEFAULT_BACKOFF } from '../backoff.js';
import { ApiError } from './common.js';
import {
  apiCalls,
  apiEvents,
  isCallChannel,
  isEventName,
  type CallChannel,
  type CallInput,
  type CallOutput,
  type EarshotApi,
  type EventName,
  type EventPayload,
} from './contract.js';
import type { AudioBatch } from './dictation.js';
import { WEB_API_PATH, decodeJson, encodeAudioBatch, encodeJson, wireServerMessageSchema } from './wire.js';
import { describeZodError } from '../zod-error.js';

/** The subset of the WebSocket API this client uses (browser WebSocket and `ws` both fit). */
export interface WebSocketLike {
  readonly readyState: number;
  binaryType: string;
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

export type TransportState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface WebSocketApiOptions {
  /** e.g. ws://127.0.0.1:PORT/api/ws?token=... (see `webApiUrlFromPage`). */
  url: string;
  WebSocket: WebSocketConstructor;
  callTimeoutMs?: number;
  /** Reconnect attempts after a drop before giving up (state `closed`). */
  maxReconnectAttempts?: number;
  /** Audio held while disconnected; older batches are dropped beyond this (and reported). */
  maxBufferedAudioSamples?: number;
}

export interface WebSocketApi extends EarshotApi {
  readonly state: TransportState;
  onTransportState(listener: (state: TransportState, reason?: string) => void): () => void;
  close(): void;
}

const OPEN = 1;

interface Pending {
  channel: CallChannel;
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

/** Builds the API socket URL from the page URL the web host printed (`http://...?token=`). */
export function webApiUrlFromPage(pageHref: string): string {
  const page = new URL(pageHref);
  const token = page.searchParams.get('token') ?? '';
  const protocol = page.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${protocol}//${page.host}${WEB_API_PATH}?token=${encodeURIComponent(token)}`;
}

export function createWebSocketApi(options: WebSocketApiOptions): WebSocketApi {
  const callTimeoutMs = options.callTimeoutMs ?? 60_000;
  const maxReconnects = options.maxReconnectAttempts ?? 30;
  const maxBufferedSamples = options.maxBufferedAudioSamples ?? 16_000 * 120;
  const backoff = new Backoff({ ...DEFAULT_BACKOFF, capMs: 5_000 });

  let socket: WebSocketLike | undefined;
  let state: TransportState = 'connecting';
  let closedByUser = false;
  let reconnectAttempts = 0;
  let reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  let nextId = 1;
  const pending = new Map<number, Pending>();
  const unsent: string[] = [];
  const unsentAudio: { frame: Uint8Array; samples: number }[] = [];
  let unsentAudioSamples = 0;
  const listeners = new Map<EventName, Set<(payload: never) => void>>();
  const stateListeners = new Set<(state: TransportState, reason?: string) => void>();

  function setState(next: TransportState, reason?: string): void {
    if (state === next) return;
    state = next;
    for (const l of stateListeners) l(next, reason);
  }

  function emit(event: EventName, payload: unknown): void {
    const set = listeners.get(event);
    if (!set) return;
    for (const l of set) (l as (p: unknown) => void)(payload);
  }

  function handleMessage(data: unknown): void {
    if (typeof data !== 'string') return; // the server sends JSON text only
    let message;
    try {
      message = wireServerMessageSchema.parse(decodeJson(data));
    } catch {
      return; // a newer server's message we do not know: ignore, as the protocol does
    }
    if (message.type === 'event') {
      if (!isEventName(message.event)) return;
      const parsed = apiEvents[message.event].safeParse(message.payload);
      if (parsed.success) emit(message.event, parsed.data);
      return;
    }
    const call = pending.get(message.id);
    if (!call) return;
    pending.delete(message.id);
    clearTimeout(call.timer);
    if (!message.ok) {
      call.reject(new ApiError(message.error.code, message.error.message));
      return;
    }
    const parsed = apiCalls[call.channel].output.safeParse(message.output);
    if (parsed.success) call.resolve(parsed.data);
    else
      call.reject(
        new ApiError('internal', `${call.channel}: unexpected reply: ${describeZodError(parsed.error)}`),
      );
  }

  function flush(): void {
    if (!socket || socket.readyState !== OPEN) return;
    while (unsent.length) socket.send(unsent.shift() as string);
    for (const held of unsentAudio.splice(0)) socket.send(held.frame);
    unsentAudioSamples = 0;
  }

  function failPending(reason: string): void {
    for (const [id, call] of pending) {
      clearTimeout(call.timer);
      call.reject(new ApiError('disconnected', `${call.channel}: ${reason}`));
      pending.delete(id);
    }
    unsent.length = 0;
  }

  function connect(): void {
    const ws = new options.WebSocket(options.url);
    socket = ws;
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => {
      reconnectAttempts = 0;
      backoff.reset();
      setState('open');
      flush();
    };
    ws.onmessage = (event) => handleMessage(event.data);
    ws.onerror = () => {
      /* onclose follows and carries the code */
    };
    ws.onclose = (event) => {
      if (socket !== ws) return;
      const reason =
        event.code === 1008 || event.code === 4401
          ? 'the web host refused the token'
          : `connection closed (${event.code}${event.reason ? `: ${event.reason}` : ''})`;
      failPending(reason);
      if (closedByUser || event.code === 1008 || event.code === 4401 || reconnectAttempts >= maxReconnects) {
        setState('closed', reason);
        return;
      }
      setState('reconnecting', reason);
      const delay = backoff.next();
      reconnectAttempts++;
      reconnectTimer = setTimeout(connect, delay);
    };
  }

  connect();

  return {
    get state() {
      return state;
    },
    call<C extends CallChannel>(channel: C, input: CallInput<C>): Promise<CallOutput<C>> {
      if (!isCallChannel(channel))
        return Promise.reject(new ApiError('unknown_channel', `unknown call: ${String(channel)}`));
      if (state === 'closed')
        return Promise.reject(new ApiError('disconnected', `${channel}: not connected to the web host`));
      const id = nextId++;
      return new Promise<CallOutput<C>>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new ApiError('unavailable', `${channel}: no reply within ${callTimeoutMs} ms`));
        }, callTimeoutMs);
        pending.set(id, { channel, resolve: resolve as (v: unknown) => void, reject, timer });
        const text = encodeJson({ type: 'call', id, channel, input: input ?? {} });
        if (socket && socket.readyState === OPEN) socket.send(text);
        else unsent.push(text);
      });
    },
    on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
      if (!isEventName(event)) throw new ApiError('unknown_channel', `unknown event: ${String(event)}`);
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener as (payload: never) => void);
      return () => set.delete(listener as (payload: never) => void);
    },
    sendAudio(batch: AudioBatch): void {
      const frame = encodeAudioBatch(batch);
      if (socket && socket.readyState === OPEN && unsentAudio.length === 0) {
        socket.send(frame);
        return;
      }
      if (state === 'closed') return; // nobody to send to; dictation.state will say so after reconnecting
      unsentAudio.push({ frame, samples: batch.pcm.length });
      unsentAudioSamples += batch.pcm.length;
      while (unsentAudioSamples > maxBufferedSamples && unsentAudio.length > 1) {
        unsentAudioSamples -= (unsentAudio.shift() as { samples: number }).samples;
      }
    },
    onTransportState(listener) {
      stateListeners.add(listener);
      return () => stateListeners.delete(listener);
    },
    close(): void {
      closedByUser = true;
      if (reconnectTimer) clearTimeout(reconnectTimer);
      failPending('closed by the page');
      setState('closed', 'closed by the page');
      socket?.close(1000, 'bye');
    },
  };
}
