// A test double of the public kikipounamu ASR gateway (its Go WebSocket handler and REST
// routes), written for these tests in our own words from its published protocol and the
// behaviour docs/protocol.md lists in the "kikipounamu gateway" column. A mock at a
// boundary we cannot run here: the real gateway needs Go, Redis, PostgreSQL and FunASR.
// As in the interop runs the issue reports, its Redis queue and Python workers are
// replaced by an in-memory stand-in; everything a client can observe is modelled:
//
// - messages are Go structs: `chunk_index` is always present (0 where meaningless), the
//   other fields are left out when empty; errors have only a message, never a code;
// - one connection reads its frames one after another, and `finish` blocks that read
//   loop until every pending chunk has a result or the merge wait (60 s) ends: while it
//   blocks, nothing is read from the socket (pings go unanswered, a close frame is not
//   answered) and the handler lives on, with its subscription, until the finish ends;
// - a chunk is counted (chunk_count, pending) before it is queued: a chunk the queue
//   refuses ("System busy", chunk_index 0) still counts and stays pending for ever, so a
//   later finish waits the whole merge wait;
// - invalid base64 is dropped without a word; a chunk whose recognition fails gets no
//   chunk_result; empty text is left out;
// - `start` with a known id replaces the session; every `start` subscribes its connection
//   to the session's results, and the subscription ends only when that connection's read
//   loop ends. Two live subscriptions on one session record each result twice: the
//   session's "done" channel is closed twice and the process panics. Here that is `crashed`
//   (every socket dropped, the listener closed), for tests to assert it never happens.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { isStrictBase64 } from '../../src-shared/audio/base64.js';
import { decodeProtocolWav, decodeRawPcm16, hasRiffHeader } from '../../src-shared/audio/wav.js';
import { POISON_MARKER } from '../../src-gateway/engines/poison-test-hook.js';

export interface KikipounamuDoubleOptions {
  /** What the stand-in recognizer returns for audible audio (silence gives ''). */
  phrase?: string;
  /** Recognition time per second of audio (default 0.05). */
  realTimeFactor?: number;
  /** Chunks recognised at once (default 1). */
  workers?: number;
  /** The queue push fails (busy) while more audio than this waits; an idle queue takes any chunk. */
  maxBacklogSeconds?: number;
  /** How long `finish` waits for pending chunks (theirs: 60 s). */
  mergeWaitMs?: number;
  /** Their connection cap (1000). */
  maxConnections?: number;
  /** Chunks whose recognition fails (as their worker fails on a bad file), besides poison-marked audio. */
  failChunk?: (chunkIndex: number) => boolean;
  /**
   * Chunk frames dropped without a word, as their handler drops one whose base64 does not
   * decode (nothing is acked or counted). `seen` counts this index's frames so far, from 1.
   */
  dropChunkFrame?: (chunkIndex: number, seen: number) => boolean;
}

/** The server message struct: field order and `omitempty` as the Go handler declares them. */
interface GoMessage {
  type: string;
  session_id?: string;
  chunk_index?: number;
  status?: string;
  text?: string;
  duration?: number;
  chunk_count?: number;
  message?: string;
}

function marshal(m: GoMessage): string {
  const out: Record<string, unknown> = { type: m.type };
  if (m.session_id) out.session_id = m.session_id;
  out.chunk_index = m.chunk_index ?? 0;
  if (m.status) out.status = m.status;
  if (m.text) out.text = m.text;
  if (m.duration) out.duration = m.duration;
  if (m.chunk_count) out.chunk_count = m.chunk_count;
  if (m.message) out.message = m.message;
  return JSON.stringify(out);
}

interface ClientFrame {
  action: string;
  session_id: string;
  user_id: string;
  chunk_index: number;
  audio_data: string;
}

/** json.Unmarshal into the client struct: zero values for missing fields, an error on a wrong type. */
function unmarshal(data: RawData): ClientFrame | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(String(data));
  } catch {
    return undefined;
  }
  if (parsed === null) parsed = {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  const value = parsed as Record<string, unknown>;
  const text = (key: string) => {
    const v = value[key];
    return v === undefined || v === null ? '' : typeof v === 'string' ? v : undefined;
  };
  const index = value.chunk_index ?? 0;
  const frame = {
    action: text('action'),
    session_id: text('session_id'),
    user_id: text('user_id'),
    chunk_index: Number.isInteger(index) ? (index as number) : undefined,
    audio_data: text('audio_data'),
  };
  if (Object.values(frame).some((v) => v === undefined)) return undefined;
  return frame as ClientFrame;
}

interface Gate {
  closed: boolean;
  wake: (() => void)[];
}

interface SessionState {
  id: string;
  userId: string;
  status: 'recording' | 'finishing' | 'done';
  chunkCount: number;
  pending: number;
  results: Map<number, string>;
  completed: Map<number, boolean>;
  createdAt: Date;
  /** performance.now() at start: Go's clock has nanoseconds, so a duration is never exactly 0. */
  startedAt: number;
  completedAt?: Date;
  finalText: string;
  duration: number;
  done: Gate;
}

interface Subscription {
  sessionId: string;
  connection: Connection;
}

interface Task {
  sessionId: string;
  chunkIndex: number;
  audio: Buffer;
  audioBytes: number;
  audioSeconds: number;
}

interface Connection {
  ws: WebSocket;
  inbox: RawData[];
  reading: boolean;
  /** The read loop is inside `finish`: nothing is read from the socket. */
  blocked: boolean;
  closed: boolean;
  /** The cleanup the handler runs when its loop ends: only the last start's subscription. */
  lastSubscription?: Subscription;
}

interface HistoryRecord {
  session_id: string;
  text: string;
  duration: number;
  chunk_count: number;
  created_at: string;
}

export class KikipounamuDouble {
  /** Why the double "panicked", if it did. */
  crashed: string | undefined;
  /** Chunk frames refused with "System busy", for tests. */
  busyRefusals = 0;
  /** How many `finish` messages blocked their connection's read loop, for tests. */
  finishesBlocked = 0;
  /** Connections dropped (closed without a close frame) while a finish blocked their read loop, for tests. */
  droppedInBlockedFinish = 0;
  /** Chunk frames dropped by dropChunkFrame, for tests. */
  framesDropped = 0;
  readonly url: string;
  readonly httpUrl: string;

  private readonly options: Required<KikipounamuDoubleOptions>;
  private readonly sessions = new Map<string, SessionState>();
  private readonly subscriptions = new Map<string, Set<Subscription>>();
  private readonly peaks = new Map<string, number>();
  private readonly framesSeen = new Map<number, number>();
  private readonly connections = new Set<Connection>();
  private readonly history: HistoryRecord[] = [];
  private readonly queue: Task[] = [];
  private running = 0;
  private paused = false;
  /** Audio bytes queued or being recognised (whole numbers: no drift from adding up seconds). */
  private backlogBytes = 0;
  private tasksDone = 0;
  private audioSecondsDone = 0;
  private processingSeconds = 0;
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(
    private readonly server: Server,
    private readonly wss: WebSocketServer,
    options: KikipounamuDoubleOptions,
  ) {
    this.options = {
      phrase: 'synthetic transcript',
      realTimeFactor: 0.05,
      workers: 1,
      maxBacklogSeconds: 120,
      mergeWaitMs: 60_000,
      maxConnections: 1000,
      failChunk: () => false,
      dropChunkFrame: () => false,
      ...options,
    };
    const { port } = server.address() as AddressInfo;
    this.url = `ws://127.0.0.1:${port}/ws/asr`;
    this.httpUrl = `http://127.0.0.1:${port}`;
  }

  static async start(options: KikipounamuDoubleOptions = {}): Promise<KikipounamuDouble> {
    const server = createServer();
    // gorilla/websocket sets no read limit unless told: any frame size is read.
    const wss = new WebSocketServer({ noServer: true, maxPayload: 256 * 1024 * 1024 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const double = new KikipounamuDouble(server, wss, options);
    server.on('request', (request, response) => double.onRequest(request, response));
    server.on('upgrade', (request, socket, head) => double.onUpgrade(request, socket, head));
    return double;
  }

  /** Live subscriptions to a session's results (2 or more is the panic's precondition). */
  subscribers(sessionId: string): number {
    return this.subscriptions.get(sessionId)?.size ?? 0;
  }

  /**
   * Holds recognition: queued chunks wait (and keep the queue full, so later ones are
   * refused as busy) until resume(). Lets a test make "busy" happen without a race.
   */
  pauseWorkers(): void {
    this.paused = true;
  }

  resumeWorkers(): void {
    this.paused = false;
    this.drainQueue();
  }

  /** The most live subscriptions the session ever had at once. */
  peakSubscribers(sessionId: string): number {
    return this.peaks.get(sessionId) ?? 0;
  }

  /** The most live subscriptions any one session ever had at once. */
  maxPeakSubscribers(): number {
    return Math.max(0, ...this.peaks.values());
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    for (const connection of this.connections) connection.ws.terminate();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ---- WebSocket --------------------------------------------------------------

  private onUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.crashed) {
      socket.destroy();
      return;
    }
    if (new URL(request.url ?? '/', 'http://x').pathname !== '/ws/asr') {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    if (this.connections.size >= this.options.maxConnections) {
      const body = JSON.stringify({ error: 'Connection limit reached, please try again later' });
      socket.end(
        `HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
      );
      return;
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => this.onConnection(ws));
  }

  private onConnection(ws: WebSocket): void {
    const connection: Connection = { ws, inbox: [], reading: false, blocked: false, closed: false };
    this.connections.add(connection);
    ws.on('message', (data) => {
      connection.inbox.push(data);
      void this.readLoop(connection);
    });
    ws.on('error', () => {});
    ws.on('close', (code) => {
      connection.closed = true;
      if (code === 1006 && connection.blocked) this.droppedInBlockedFinish++;
      if (!connection.blocked) this.endHandler(connection);
    });
  }

  /** The handler returns once its loop sees the socket closed: its last subscription ends. */
  private endHandler(connection: Connection): void {
    if (!this.connections.delete(connection)) return;
    const subscription = connection.lastSubscription;
    if (subscription) this.subscriptions.get(subscription.sessionId)?.delete(subscription);
  }

  private async readLoop(connection: Connection): Promise<void> {
    if (connection.reading) return;
    connection.reading = true;
    try {
      for (let data = connection.inbox.shift(); data; data = connection.inbox.shift()) {
        if (this.crashed) return;
        const frame = unmarshal(data);
        if (!frame) {
          this.send(connection, { type: 'error', message: 'Invalid message format' });
          continue;
        }
        if (frame.action === 'start') this.handleStart(connection, frame);
        else if (frame.action === 'chunk') this.handleChunk(connection, frame);
        else if (frame.action === 'finish')
          await this.blockedWhile(connection, () => this.handleFinish(connection, frame));
        else this.send(connection, { type: 'error', message: `Unknown action: ${frame.action}` });
      }
    } finally {
      connection.reading = false;
    }
  }

  /** Nothing is read from the socket meanwhile (no pongs, no close handshake), as in a blocked Go read loop. */
  private async blockedWhile(connection: Connection, work: () => Promise<void>): Promise<void> {
    connection.blocked = true;
    connection.ws.pause();
    try {
      await work();
    } finally {
      connection.blocked = false;
      if (connection.closed) this.endHandler(connection);
      else connection.ws.resume();
    }
  }

  private send(connection: Connection, message: GoMessage): void {
    if (connection.ws.readyState === connection.ws.OPEN) connection.ws.send(marshal(message));
  }

  private handleStart(connection: Connection, frame: ClientFrame): void {
    const id = frame.session_id || randomUUID();
    this.sessions.set(id, {
      id,
      userId: frame.user_id || 'anonymous',
      status: 'recording',
      chunkCount: 0,
      pending: 0,
      results: new Map(),
      completed: new Map(),
      createdAt: new Date(),
      startedAt: performance.now(),
      finalText: '',
      duration: 0,
      done: { closed: false, wake: [] },
    });
    const subscription: Subscription = { sessionId: id, connection };
    let set = this.subscriptions.get(id);
    if (!set) this.subscriptions.set(id, (set = new Set()));
    set.add(subscription);
    this.peaks.set(id, Math.max(this.peaks.get(id) ?? 0, set.size));
    connection.lastSubscription = subscription;
    this.send(connection, { type: 'ack', session_id: id, status: 'session_started' });
  }

  private handleChunk(connection: Connection, frame: ClientFrame): void {
    const session = this.sessions.get(frame.session_id);
    if (!session) {
      this.send(connection, { type: 'error', message: `Session not found: ${frame.session_id}` });
      return;
    }
    if (!isStrictBase64(frame.audio_data)) return; // dropped: logged on their side, nothing sent
    const seen = (this.framesSeen.get(frame.chunk_index) ?? 0) + 1;
    this.framesSeen.set(frame.chunk_index, seen);
    if (this.options.dropChunkFrame(frame.chunk_index, seen)) {
      this.framesDropped++;
      return;
    }
    const audio = Buffer.from(frame.audio_data, 'base64');
    session.chunkCount++;
    session.pending++;
    session.completed.set(frame.chunk_index, false);
    const audioBytes = Math.max(0, audio.length - (hasRiffHeader(audio) ? 44 : 0));
    const maxBytes = this.options.maxBacklogSeconds * 32_000;
    if (this.backlogBytes > 0 && this.backlogBytes + audioBytes > maxBytes) {
      this.busyRefusals++;
      this.send(connection, { type: 'error', message: 'System busy' });
      return;
    }
    this.queue.push({
      sessionId: session.id,
      chunkIndex: frame.chunk_index,
      audio,
      audioBytes,
      audioSeconds: audioBytes / 32_000,
    });
    this.backlogBytes += audioBytes;
    this.drainQueue();
    this.send(connection, { type: 'ack', chunk_index: frame.chunk_index, status: 'received' });
  }

  private async handleFinish(connection: Connection, frame: ClientFrame): Promise<void> {
    const session = this.sessions.get(frame.session_id);
    if (!session) {
      this.send(connection, { type: 'error', message: `Session not found: ${frame.session_id}` });
      return;
    }
    session.status = 'finishing';
    if (session.pending > 0) {
      this.finishesBlocked++;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.options.mergeWaitMs);
        this.timers.add(timer);
        session.done.wake.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    if (this.crashed) return;
    const text = [...session.results.entries()]
      .sort(([a], [b]) => a - b)
      .map(([, t]) => t)
      .join('');
    session.finalText = text;
    session.status = 'done';
    session.completedAt = new Date();
    session.duration = (performance.now() - session.startedAt) / 1000;
    this.history.unshift({
      session_id: session.id,
      text,
      duration: session.duration,
      chunk_count: session.chunkCount,
      created_at: session.createdAt.toISOString(),
    });
    this.send(connection, {
      type: 'final_result',
      session_id: frame.session_id,
      text,
      duration: session.duration,
      chunk_count: session.chunkCount,
    });
  }

  // ---- the in-memory stand-in for Redis and the workers -------------------------

  private drainQueue(): void {
    while (!this.paused && this.running < this.options.workers && this.queue.length > 0) {
      const task = this.queue.shift()!;
      this.running++;
      const costMs = task.audioSeconds * this.options.realTimeFactor * 1000;
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.running--;
        this.backlogBytes -= task.audioBytes;
        this.tasksDone++;
        this.audioSecondsDone += task.audioSeconds;
        this.processingSeconds += costMs / 1000;
        this.publish(
          task,
          this.options.failChunk(task.chunkIndex)
            ? { error: 'recognizer failed' }
            : this.recognize(task.audio),
        );
        this.drainQueue();
      }, costMs);
      this.timers.add(timer);
    }
  }

  /** Reads only protocol audio; anything else fails, as their worker fails on a file it cannot decode. */
  private recognize(audio: Buffer): { text: string } | { error: string } {
    if (audio.subarray(0, POISON_MARKER.length).toString('latin1') === POISON_MARKER)
      return { error: 'recognizer failed' };
    let pcm: Int16Array;
    try {
      pcm = hasRiffHeader(audio) ? decodeProtocolWav(audio) : decodeRawPcm16(audio);
    } catch (error) {
      return { error: (error as Error).message };
    }
    const audible = pcm.some((sample) => Math.abs(sample) > 300);
    return { text: audible ? this.options.phrase : '' };
  }

  /** Redis pub/sub: every live subscription of the session handles the result. */
  private publish(task: Task, outcome: { text: string } | { error: string }): void {
    for (const subscription of [...(this.subscriptions.get(task.sessionId) ?? [])]) {
      if (this.crashed) return;
      this.setChunkResult(task.sessionId, task.chunkIndex, 'text' in outcome ? outcome.text : '');
      if ('text' in outcome)
        this.send(subscription.connection, {
          type: 'chunk_result',
          session_id: task.sessionId,
          chunk_index: task.chunkIndex,
          text: outcome.text,
        });
    }
  }

  private setChunkResult(sessionId: string, chunkIndex: number, text: string): void {
    const session = this.sessions.get(sessionId);
    if (!session) return;
    session.results.set(chunkIndex, text);
    session.completed.set(chunkIndex, true);
    session.pending--;
    if (session.pending <= 0 && session.status === 'finishing') {
      if (session.done.closed) {
        this.crash(`panic: close of closed channel (session ${sessionId} finished on two connections)`);
        return;
      }
      session.done.closed = true;
      for (const wake of session.done.wake.splice(0)) wake();
    }
  }

  private crash(reason: string): void {
    this.crashed = reason;
    for (const connection of this.connections) connection.ws.terminate();
    this.server.close();
    this.server.closeAllConnections();
  }

  // ---- REST ---------------------------------------------------------------------

  private onRequest(request: IncomingMessage, response: ServerResponse): void {
    const json = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      response.end(JSON.stringify(body));
    };
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    const sessionPath = /^\/api\/v1\/session\/([^/]+)$/.exec(path);
    if (request.method === 'GET' && path === '/api/v1/health') {
      json(200, {
        status: 'ready',
        funasr_ready: true,
        redis_ready: true,
        workers_ready: this.options.workers,
      });
    } else if (request.method === 'GET' && path === '/api/v1/history') {
      const records = this.history.slice(0, 20);
      json(200, { total: records.length, records });
    } else if (request.method === 'GET' && sessionPath) {
      const session = this.sessions.get(decodeURIComponent(sessionPath[1]));
      if (!session) return json(404, { error: 'Session not found' });
      json(200, {
        id: session.id,
        user_id: session.userId,
        status: session.status,
        chunk_count: session.chunkCount,
        results: Object.fromEntries(session.results),
        completed: Object.fromEntries(session.completed),
        final_text: session.finalText,
        duration: session.duration,
        created_at: session.createdAt.toISOString(),
        ...(session.completedAt ? { completed_at: session.completedAt.toISOString() } : {}),
      });
    } else if (request.method === 'DELETE' && sessionPath) {
      const id = decodeURIComponent(sessionPath[1]);
      const known = this.sessions.delete(id) || this.history.some((r) => r.session_id === id);
      const at = this.history.findIndex((r) => r.session_id === id);
      if (at >= 0) this.history.splice(at, 1);
      if (!known) return json(404, { error: 'Session not found' });
      json(200, { message: 'Session deleted' });
    } else if (request.method === 'GET' && path === '/api/v1/stats') {
      json(200, {
        total_tasks: this.tasksDone,
        total_duration: this.audioSecondsDone,
        avg_rtf:
          this.audioSecondsDone > 0
            ? Math.round((this.processingSeconds / this.audioSecondsDone) * 1e4) / 1e4
            : 0,
        storage_used: '0.00 MB',
      });
    } else {
      json(404, { error: 'not found' });
    }
  }
}
