// One WebSocket connection to a gateway speaking docs/protocol.md, carrying one session at a
// time. It turns the protocol's fire-and-forget messages into promises (start -> ack,
// chunk -> ack, finish -> final_result) with timeouts, and survives base gateways: chunk
// acks without session_id are matched by connection + chunk_index, errors without a
// code get one inferred from the fixed base messages, and a silently dropped chunk
// surfaces as an AckTimeoutError. It learns from the replies which kind of gateway it
// talks to (docs/interop.md) and adapts where a base gateway would be misread: its busy
// error names no chunk, and its `finish` stops it reading (and answering pings) for up to
// 60 s.
import { EventEmitter } from 'node:events';
import WebSocket from 'ws';
import { base64Encode } from '../../src-shared/audio/base64.js';
import { WavError, decodeWav, protocolMismatch } from '../../src-shared/audio/wav.js';
import { BINARY_MAX_U32, encodeBinaryFrame } from '../../src-shared/protocol/binary-frame.js';
import { abortableSleep } from '../async/abortable-sleep.js';
import { parseRetryAfter } from '../../src-shared/backoff.js';
import { decodeServerMessage, encodeMessage, type ProtocolError } from '../../src-shared/protocol/codec.js';
import {
  ACK_STATUS,
  type AckMessage,
  type ChunkResultMessage,
  type ClientMessage,
  type ErrorMessage,
  type FinalResultMessage,
  type GatewayFeature,
  type ProvisionalResultMessage,
  type ServerMessage,
} from '../../src-shared/protocol/messages.js';
import {
  AckTimeoutError,
  ConnectError,
  ConnectionClosedError,
  ServerError,
  inferErrorCode,
} from './errors.js';
import { dialectOf, type GatewayDialect } from './dialect.js';

export type { GatewayDialect } from './dialect.js';

/** The longest a base gateway's `finish` keeps its connection's read loop blocked. */
export const BASE_FINISH_BLOCK_MS = 60_000;

export interface ConnectOptions {
  /** Sent as `Authorization: Bearer <token>`; never logged. */
  token?: string;
  /** Whole connect (TCP + upgrade) deadline. Default 10 s. */
  connectTimeoutMs?: number;
  /**
   * Ping the gateway this often and drop the connection when a ping goes unanswered until
   * the next one: a half-open TCP connection (laptop lid, NAT timeout) otherwise looks
   * alive until some ack times out. Off by default.
   */
  heartbeatIntervalMs?: number;
  /**
   * Ask for binary audio frames on every start (extension `binary_audio`): chunks then go
   * as raw PCM where the gateway hands out a stream handle, as JSON elsewhere. Default on;
   * off sends base64 JSON everywhere (benches comparing the two).
   */
  binaryAudio?: boolean;
}

export interface StartResult {
  /** The gateway resumed an unfinished session (extension); false on a base gateway. */
  resumed: boolean;
  /** Chunk indexes the gateway already holds (only with `resumed`). */
  received: number[];
  /** Extensions the gateway announced on this ack (docs/protocol.md, "Extensions"); none from a base gateway. */
  features: string[];
  /** The session's binary frame handle (extension `binary_audio`), when the gateway gave one. */
  stream?: number;
}

export interface ProtocolClientEvents {
  /** Every decoded server message, in arrival order. */
  message: [ServerMessage];
  chunk_result: [ChunkResultMessage];
  provisional_result: [ProvisionalResultMessage];
  final_result: [FinalResultMessage];
  server_error: [ServerError, ErrorMessage];
  /** A frame that is not a protocol message (ignored otherwise). */
  bad_frame: [ProtocolError];
  close: [{ code: number; reason: string }];
  /** The gateway's dialect became known (once per connection). */
  dialect: [GatewayDialect];
}

interface Waiter<T> {
  resolve(value: T): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * A pending reply that, unanswered after `timeoutMs`, is forgotten (`forget`) and rejected
 * with AckTimeoutError("no <what> within <timeoutMs> ms").
 */
function timedWaiter<T>(
  resolve: (value: T) => void,
  reject: (error: Error) => void,
  timeout: { timeoutMs: number; what: string; chunkIndex?: number },
  forget: () => void,
): Waiter<T> {
  const { timeoutMs, what, chunkIndex } = timeout;
  return {
    resolve,
    reject,
    timer: setTimeout(() => {
      forget();
      reject(new AckTimeoutError(`no ${what} within ${timeoutMs} ms`, chunkIndex));
    }, timeoutMs),
  };
}

/** Error codes that end the whole session, so every pending request fails with them. */
const SESSION_LEVEL_CODES = new Set(['session_not_found', 'busy', 'unauthorized', 'internal']);

export class ProtocolClient extends EventEmitter<ProtocolClientEvents> {
  private sessionId: string | undefined;
  private startWaiter: Waiter<StartResult> | undefined;
  private finalWaiter: Waiter<FinalResultMessage> | undefined;
  private readonly ackWaiters = new Map<number, Waiter<string>>();
  /** The one provisional request awaiting its answer, and the chunk it previews. */
  private provisionalWaiter: (Waiter<ProvisionalResultMessage> & { index: number }) | undefined;
  /** What the gateway announced on the last start ack of this connection. */
  private announced = new Set<string>();
  /** The current session's binary frame handle; undefined: its audio goes as JSON. */
  private stream: number | undefined;
  private readonly pongWaiters: Array<{ sentAt: number; resolve(rtt: number): void }> = [];
  private closed = false;
  private closeCode: number | undefined;
  private lastFinal: FinalResultMessage | undefined;
  private dialectSeen: GatewayDialect = 'unknown';
  /** Epoch ms of a `finish` sent on this connection that no final_result has answered yet. */
  private finishUnansweredSince: number | undefined;
  /** Round-trip time of the last answered ping, in ms. */
  lastRttMs: number | undefined;

  private heartbeat: NodeJS.Timeout | undefined;
  private awaitingPong = false;

  private constructor(
    readonly url: string,
    private readonly ws: WebSocket,
    heartbeatIntervalMs?: number,
    private readonly binaryAudio = true,
  ) {
    super();
    if (heartbeatIntervalMs) {
      this.heartbeat = setInterval(() => {
        if (this.awaitingPong) {
          // A base gateway reads nothing while it merges a finish: silence is expected then,
          // and the finish has its own timeout.
          if (this.finishUnansweredSince !== undefined && this.dialectSeen !== 'earshot') return;
          this.ws.terminate(); // 'close' follows and fails whatever is pending
          return;
        }
        this.awaitingPong = true;
        this.ws.ping();
      }, heartbeatIntervalMs);
      this.heartbeat.unref();
    }
    ws.on('message', (data, isBinary) => this.onFrame(data as Buffer, isBinary));
    ws.on('pong', () => {
      this.awaitingPong = false;
      const waiter = this.pongWaiters.shift();
      if (waiter) {
        this.lastRttMs = performance.now() - waiter.sentAt;
        waiter.resolve(this.lastRttMs);
      }
    });
    ws.on('close', (code, reason) => this.onClose(code, reason.toString()));
    // After open, transport errors are followed by 'close', which fails what is pending.
    ws.on('error', () => {});
  }

  /** Opens a connection; rejects with ConnectError (kind tells unreachable / 401 / 503...). */
  static connect(url: string, options: ConnectOptions = {}): Promise<ProtocolClient> {
    const timeoutMs = options.connectTimeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      let settled = false;
      const headers: Record<string, string> = {};
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      let ws: WebSocket;
      try {
        ws = new WebSocket(url, { headers, handshakeTimeout: timeoutMs, perMessageDeflate: false });
      } catch (error) {
        reject(new ConnectError(`invalid gateway URL ${url}: ${(error as Error).message}`, 'unreachable'));
        return;
      }
      const fail = (error: ConnectError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        ws.removeAllListeners('open');
        ws.terminate();
        reject(error);
      };
      const timer = setTimeout(
        () => fail(new ConnectError(`connecting to ${url} timed out after ${timeoutMs} ms`, 'timeout')),
        timeoutMs,
      );
      ws.on('error', (error: Error & { code?: string }) => {
        const reason = error.code ?? error.message;
        fail(new ConnectError(`cannot reach gateway at ${url} (${reason})`, 'unreachable'));
      });
      ws.on('unexpected-response', (_request, response) => {
        const status = response.statusCode ?? 0;
        const retryAfterMs = parseRetryAfter(response.headers['retry-after'] as string | undefined);
        response.resume();
        if (status === 401 || status === 403) {
          // Without a token, the gateway did not refuse one: it wants one.
          const sent = options.token !== undefined || /[?&]token=/.test(url);
          fail(
            new ConnectError(
              sent
                ? `gateway at ${url} refused the token (HTTP ${status})`
                : `gateway at ${url} needs a token (HTTP ${status}) and none was given`,
              'unauthorized',
              status,
            ),
          );
        } else if (status === 503 || status === 429) {
          const after = retryAfterMs !== undefined ? `, retry after ${retryAfterMs} ms` : '';
          fail(
            new ConnectError(
              `gateway at ${url} is busy (HTTP ${status}${after})`,
              'busy',
              status,
              retryAfterMs,
            ),
          );
        } else {
          fail(
            new ConnectError(
              `gateway at ${url} answered HTTP ${status} instead of a WebSocket upgrade`,
              'http',
              status,
              retryAfterMs,
            ),
          );
        }
      });
      ws.once('open', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        ws.removeAllListeners('error');
        ws.removeAllListeners('unexpected-response');
        resolve(new ProtocolClient(url, ws, options.heartbeatIntervalMs, options.binaryAudio ?? true));
      });
    });
  }

  get isOpen(): boolean {
    return !this.closed && this.ws.readyState === WebSocket.OPEN;
  }

  get currentSessionId(): string | undefined {
    return this.sessionId;
  }

  /** What the replies so far tell about the gateway. */
  get dialect(): GatewayDialect {
    return this.dialectSeen;
  }

  /** Whether the current session's audio goes in binary frames (extension `binary_audio`). */
  get sendsBinaryAudio(): boolean {
    return this.stream !== undefined;
  }

  /** Whether the gateway announced `feature` on the current session's start ack. */
  supports(feature: GatewayFeature): boolean {
    return this.announced.has(feature);
  }

  /** The current session's final_result, once it arrived. */
  get finalResult(): FinalResultMessage | undefined {
    return this.lastFinal;
  }

  /** Starts (or resumes) `sessionId`; resolves on its ack. */
  start(
    sessionId: string,
    options: { timeoutMs?: number; userId?: string; expectedSeconds?: number } = {},
  ): Promise<StartResult> {
    this.failWaiter(this.startWaiter, new Error('superseded by a new start'));
    this.sessionId = sessionId;
    this.lastFinal = undefined;
    this.announced = new Set();
    this.stream = undefined;
    return new Promise<StartResult>((resolve, reject) => {
      this.startWaiter = timedWaiter(
        resolve,
        reject,
        { timeoutMs: options.timeoutMs ?? 10_000, what: `ack for start of session ${sessionId}` },
        () => {
          this.startWaiter = undefined;
        },
      );
      const message: ClientMessage = { action: 'start', session_id: sessionId };
      if (options.userId) message.user_id = options.userId;
      // Only when known and within what the gateway accepts; the base gateway ignores it.
      if (options.expectedSeconds !== undefined && options.expectedSeconds > 0)
        message.expected_seconds = Math.min(86_400, Math.round(options.expectedSeconds * 1000) / 1000);
      // Ignored by a gateway that does not offer it (a base gateway too): JSON then.
      if (this.binaryAudio && message.action === 'start') message.binary_audio = true;
      this.sendOrFail(message, (error) => this.failWaiter(this.startWaiter, error));
    });
  }

  /**
   * Sends one chunk (a complete WAV file) and resolves with the ack status
   * ("received" or "duplicate"). Rejects with ServerError (e.g. bad_audio, busy),
   * AckTimeoutError, or ConnectionClosedError.
   */
  sendChunk(index: number, wav: Uint8Array, options: { timeoutMs?: number } = {}): Promise<string> {
    const sessionId = this.sessionId;
    if (!sessionId) return Promise.reject(new Error('sendChunk before start'));
    const previous = this.ackWaiters.get(index);
    if (previous) this.failAck(index, previous, new Error(`chunk ${index} was sent again`));
    return new Promise<string>((resolve, reject) => {
      const waiter = timedWaiter(
        resolve,
        reject,
        { timeoutMs: options.timeoutMs ?? 15_000, what: `ack for chunk ${index}`, chunkIndex: index },
        () => {
          if (this.ackWaiters.get(index) === waiter) this.ackWaiters.delete(index);
        },
      );
      this.ackWaiters.set(index, waiter);
      const binary = this.binaryFrame(index, wav, false);
      if (binary) {
        this.sendBinaryOrFail(binary, (error) => this.failAck(index, waiter, error));
        return;
      }
      const message: ClientMessage = {
        action: 'chunk',
        session_id: sessionId,
        chunk_index: index,
        audio_data: base64Encode(wav),
      };
      this.sendOrFail(message, (error) => this.failAck(index, waiter, error));
    });
  }

  /**
   * Extension `provisional`: sends the audio of the still-open chunk `index` and resolves
   * with the gateway's one `provisional_result` (text, or a code saying why there is none).
   * Only to a gateway that announced it, one request at a time; otherwise rejects without
   * sending anything. Never retried: the text is disposable.
   */
  sendProvisional(
    index: number,
    wav: Uint8Array,
    options: { timeoutMs?: number } = {},
  ): Promise<ProvisionalResultMessage> {
    const sessionId = this.sessionId;
    if (!sessionId) return Promise.reject(new Error('sendProvisional before start'));
    if (!this.supports('provisional'))
      return Promise.reject(new Error('the gateway did not announce provisional requests'));
    if (this.provisionalWaiter) return Promise.reject(new Error('a provisional request is still pending'));
    return new Promise<ProvisionalResultMessage>((resolve, reject) => {
      const waiter = {
        index,
        ...timedWaiter(
          resolve,
          reject,
          {
            timeoutMs: options.timeoutMs ?? 10_000,
            what: `provisional_result for chunk ${index}`,
            chunkIndex: index,
          },
          () => {
            if (this.provisionalWaiter === waiter) this.provisionalWaiter = undefined;
          },
        ),
      };
      this.provisionalWaiter = waiter;
      const binary = this.binaryFrame(index, wav, true);
      if (binary) {
        this.sendBinaryOrFail(binary, (error) => this.failProvisional(error));
        return;
      }
      this.sendOrFail(
        { action: 'provisional', session_id: sessionId, chunk_index: index, audio_data: base64Encode(wav) },
        (error) => this.failProvisional(error),
      );
    });
  }

  /** Sends `finish` and resolves with the session's final_result. */
  finish(options: { timeoutMs?: number } = {}): Promise<FinalResultMessage> {
    const sessionId = this.sessionId;
    if (!sessionId) return Promise.reject(new Error('finish before start'));
    return new Promise<FinalResultMessage>((resolve, reject) => {
      this.finalWaiter = timedWaiter(
        resolve,
        reject,
        // The base merge waits up to 60 s for missing chunks; leave room beyond that.
        { timeoutMs: options.timeoutMs ?? 90_000, what: `final_result for session ${sessionId}` },
        () => {
          this.finalWaiter = undefined;
        },
      );
      this.finishUnansweredSince ??= Date.now();
      this.sendOrFail({ action: 'finish', session_id: sessionId }, (error) =>
        this.failWaiter(this.finalWaiter, error),
      );
    });
  }

  /** Measures the round trip of a WebSocket ping. */
  ping(timeoutMs = 5000): Promise<number> {
    if (!this.isOpen) return Promise.reject(new ConnectionClosedError('connection is closed'));
    return new Promise<number>((resolve, reject) => {
      const waiter = {
        sentAt: performance.now(),
        resolve: (rtt: number) => {
          clearTimeout(timer);
          resolve(rtt);
        },
      };
      const timer = setTimeout(() => {
        // A pong that arrives later must not be credited to a newer ping.
        const at = this.pongWaiters.indexOf(waiter);
        if (at >= 0) this.pongWaiters.splice(at, 1);
        reject(new AckTimeoutError(`no pong within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pongWaiters.push(waiter);
      this.ws.ping();
    });
  }

  /** Closes gracefully (or at once with `terminate`); resolves when the socket is closed. */
  async close(terminate = false): Promise<void> {
    await this.closeWithin(terminate ? 0 : 2000);
  }

  /**
   * Lets go of the connection so its session can be started again on another one. Against
   * an Earshot gateway that is at once. A base gateway must not see the session started
   * on a new connection while this one's handler still lives: two connections subscribed
   * to one finishing session make it panic and exit (docs/interop.md). Its handler ends
   * when its read loop reads our close, which it does only once a pending `finish` is
   * merged; so close gracefully and wait for its close frame, and when none comes (the
   * link is dead), wait out the longest a finish can block. Bounded either way.
   */
  async release(options: { finishBlockMs?: number; signal?: AbortSignal } = {}): Promise<void> {
    if (this.dialectSeen === 'earshot') return this.close(true);
    const since = this.finishUnansweredSince;
    const deadline =
      since === undefined
        ? Date.now() + 2000
        : since + (options.finishBlockMs ?? BASE_FINISH_BLOCK_MS) + 1000;
    const onAbort = () => this.ws.terminate();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const code = await this.closeWithin(deadline - Date.now());
      // 1006: no close frame came back, so nothing says the handler has ended.
      if (code === 1006 && since !== undefined && !options.signal?.aborted)
        await abortableSleep(deadline - Date.now(), options.signal).catch(() => {});
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Starts the close handshake, terminates after `ms`; resolves with the close code. */
  private closeWithin(ms: number): Promise<number> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve(this.closeCode ?? 1006);
    return new Promise<number>((resolve) => {
      this.ws.once('close', (code: number) => {
        clearTimeout(timer);
        resolve(code);
      });
      const timer = setTimeout(() => this.ws.terminate(), Math.max(0, ms));
      timer.unref();
      if (ms > 0 && this.ws.readyState === WebSocket.OPEN) this.ws.close(1000, 'client done');
    });
  }

  private sendOrFail(message: ClientMessage, onError: (error: Error) => void): void {
    if (!this.isOpen) {
      onError(new ConnectionClosedError('connection is closed'));
      return;
    }
    this.ws.send(encodeMessage(message), (error) => {
      if (error) onError(new ConnectionClosedError(`send failed: ${error.message}`));
    });
  }

  /**
   * The binary frame of a chunk (extension `binary_audio`), or undefined to send it as JSON:
   * no handle for this session, an index a header cannot carry, or a WAV that is not
   * exactly protocol PCM (its bytes would not be the raw PCM the frame promises).
   */
  private binaryFrame(index: number, wav: Uint8Array, provisional: boolean): Uint8Array | undefined {
    const stream = this.stream;
    if (stream === undefined || index > BINARY_MAX_U32) return undefined;
    let pcm: Uint8Array;
    try {
      const info = decodeWav(wav);
      if (protocolMismatch(info) || info.declaredDataBytes !== undefined || info.data.byteLength % 2)
        return undefined;
      pcm = info.data;
    } catch (error) {
      if (error instanceof WavError) return undefined; // the gateway gives its own reason for it
      throw error;
    }
    return encodeBinaryFrame({ stream, chunkIndex: index, provisional }, pcm);
  }

  private sendBinaryOrFail(frame: Uint8Array, onError: (error: Error) => void): void {
    if (!this.isOpen) {
      onError(new ConnectionClosedError('connection is closed'));
      return;
    }
    this.ws.send(frame, { binary: true }, (error) => {
      if (error) onError(new ConnectionClosedError(`send failed: ${error.message}`));
    });
  }

  private onFrame(data: Buffer, isBinary: boolean): void {
    if (isBinary) return;
    const decoded = decodeServerMessage(data);
    if (!decoded.ok) {
      this.emit('bad_frame', decoded.error);
      return;
    }
    const message = decoded.message;
    this.learnDialect(message);
    // A message about another session (an earlier one on this connection) is not ours.
    if (
      message.session_id !== undefined &&
      this.sessionId !== undefined &&
      message.session_id !== this.sessionId
    ) {
      this.emit('message', message);
      return;
    }
    this.emit('message', message);
    switch (message.type) {
      case 'ack':
        this.onAck(message);
        break;
      case 'chunk_result':
        this.emit('chunk_result', message);
        break;
      case 'provisional_result': {
        this.emit('provisional_result', message);
        const waiter = this.provisionalWaiter;
        if (waiter && (message.chunk_index === undefined || message.chunk_index === waiter.index)) {
          this.provisionalWaiter = undefined;
          clearTimeout(waiter.timer);
          waiter.resolve(message);
        }
        break;
      }
      case 'final_result':
        this.finishUnansweredSince = undefined;
        this.lastFinal = message;
        this.emit('final_result', message);
        if (this.finalWaiter) {
          const waiter = this.finalWaiter;
          this.finalWaiter = undefined;
          clearTimeout(waiter.timer);
          waiter.resolve(message);
        }
        break;
      case 'error':
        this.onError(message);
        break;
    }
  }

  private learnDialect(message: ServerMessage): void {
    if (this.dialectSeen !== 'unknown') return;
    const seen = dialectOf(message);
    if (!seen) return;
    this.dialectSeen = seen;
    this.emit('dialect', seen);
  }

  /** The chunk waiting longest for its ack (the map keeps sending order). */
  private oldestPendingAck(): number | undefined {
    return this.ackWaiters.keys().next().value;
  }

  private onAck(message: AckMessage): void {
    const isStartAck =
      message.status === ACK_STATUS.sessionStarted || message.status === ACK_STATUS.sessionResumed;
    if (isStartAck) {
      const waiter = this.startWaiter;
      if (!waiter) return;
      this.startWaiter = undefined;
      clearTimeout(waiter.timer);
      const resumed = message.status === ACK_STATUS.sessionResumed;
      this.announced = new Set(message.features ?? []);
      // A handle only from a gateway that announced the extension, and only when asked.
      this.stream =
        this.binaryAudio && this.announced.has('binary_audio') && message.stream !== undefined
          ? message.stream
          : undefined;
      waiter.resolve({
        resumed,
        received: resumed ? (message.received ?? []) : [],
        features: [...this.announced],
        ...(this.stream !== undefined ? { stream: this.stream } : {}),
      });
      return;
    }
    if (message.chunk_index === undefined) return;
    const waiter = this.ackWaiters.get(message.chunk_index);
    if (!waiter) return;
    this.ackWaiters.delete(message.chunk_index);
    clearTimeout(waiter.timer);
    waiter.resolve(message.status);
  }

  private onError(message: ErrorMessage): void {
    const code = message.code ?? inferErrorCode(message.message);
    // A base gateway's error has no code and a chunk_index of 0 whatever it is about. Its
    // busy is its answer to a chunk frame instead of the ack, and it answers chunk frames
    // in the order they came: the refused chunk is the oldest one still waiting for an ack
    // (the last one sent, when one is in flight). Its other errors name no chunk.
    const chunkIndex =
      message.code === undefined
        ? code === 'busy'
          ? this.oldestPendingAck()
          : undefined
        : message.chunk_index;
    const error = new ServerError(message.message, code, chunkIndex, message.retry_after_ms);
    this.emit('server_error', error, message);
    if (this.startWaiter) {
      this.failWaiter(this.startWaiter, error);
      return;
    }
    if (chunkIndex !== undefined && this.ackWaiters.has(chunkIndex)) {
      this.failAck(chunkIndex, this.ackWaiters.get(chunkIndex)!, error);
      return;
    }
    if (code && SESSION_LEVEL_CODES.has(code)) {
      for (const [index, waiter] of [...this.ackWaiters]) this.failAck(index, waiter, error);
      if (code !== 'busy') this.failWaiter(this.finalWaiter, error);
    }
  }

  private onClose(code: number, reason: string): void {
    this.closed = true;
    this.closeCode = code;
    clearInterval(this.heartbeat);
    const error = new ConnectionClosedError(`connection closed (${code}${reason ? ` ${reason}` : ''})`, code);
    this.failWaiter(this.startWaiter, error);
    this.failWaiter(this.finalWaiter, error);
    for (const [index, waiter] of [...this.ackWaiters]) this.failAck(index, waiter, error);
    this.failProvisional(error);
    this.emit('close', { code, reason });
  }

  private failProvisional(error: Error): void {
    const waiter = this.provisionalWaiter;
    if (!waiter) return;
    this.provisionalWaiter = undefined;
    clearTimeout(waiter.timer);
    waiter.reject(error);
  }

  private failAck(index: number, waiter: Waiter<string>, error: Error): void {
    if (this.ackWaiters.get(index) === waiter) this.ackWaiters.delete(index);
    clearTimeout(waiter.timer);
    waiter.reject(error);
  }

  private failWaiter<T>(waiter: Waiter<T> | undefined, error: Error): void {
    if (!waiter) return;
    if (waiter === this.startWaiter) this.startWaiter = undefined;
    if (waiter === this.finalWaiter) this.finalWaiter = undefined;
    clearTimeout(waiter.timer);
    waiter.reject(error);
  }
}
