// One simulated protocol session: connect, `start`, chunks, `finish`, wait for
// `final_result`, and exactly one outcome at the end. Deadlines are not timers: the
// worker sweeps every live session a few times per second (checkDeadlines), which keeps
// thousands of sessions cheap. Audio payloads are built once per run and shared: a chunk
// frame is copied together from bytes, never built as a large string per message.
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { Backoff, parseRetryAfter } from '../../src-shared/backoff.js';
import {
  BINARY_HEADER_BYTES,
  BINARY_MAX_U32,
  encodeBinaryFrame,
} from '../../src-shared/protocol/binary-frame.js';
import { decodeServerMessage } from '../../src-shared/protocol/codec.js';
import type { ServerMessage } from '../../src-shared/protocol/messages.js';
import { dialectOf, type GatewayDialect } from '../protocol-client/dialect.js';
import type { StressAudio } from './audio.js';
import type { ConnectionGauge } from './connection-gauge.js';
import type { Outcome } from '../../src-shared/stress/metric-names.js';
import type { Tally } from './tally.js';
import type { StressTls } from './tls.js';

export interface SessionSettings {
  url: string;
  token?: string;
  connectTimeoutMs: number;
  ackTimeoutMs: number;
  finalTimeoutMs: number;
  /** A chunk refused with `busy` is sent again (after Retry-After and jitter) for this long. */
  busyGiveUpMs: number;
  backoffBaseMs: number;
  backoffCapMs: number;
  chunkMs: number;
  pacing: 'realtime' | 'ack';
  /**
   * Storm: how a dropped session comes back. `immediate`: at once, every session in the
   * same instant (the worst case), and after a refusal exactly when Retry-After says.
   * `backoff`: what a real client does (the uploader's reconnect policy), a jittered
   * exponential delay, never sooner than Retry-After. Default immediate.
   */
  reconnect?: 'immediate' | 'backoff';
  /**
   * Ask for binary audio frames (extension `binary_audio`) and send raw PCM where the
   * gateway hands out a stream handle; JSON elsewhere. Default on; false: JSON always.
   */
  binaryAudio?: boolean;
  /** wss:// only (src-main/stress/tls.ts). */
  tls?: StressTls;
}

export interface SessionPlan {
  /** Chunks to send; more than the audio holds loops the audio (long streams). */
  chunkCount: number;
  /** Connect and only answer pings until requestFinish() (zombie connections). */
  idle?: boolean;
  /** Ends gracefully when the run's duration is over (long streams, zombies). */
  stopAtEnd?: boolean;
}

export interface SessionEnd {
  outcome: Outcome;
  /** The server's Retry-After / retry_after_ms, when it gave one. */
  retryAfterMs?: number;
}

export interface SessionDeps {
  settings: SessionSettings;
  audio: StressAudio;
  tally: Tally;
  gauge: ConnectionGauge;
  onEnd(session: StressSession, end: SessionEnd): void;
}

/** The closing bytes of every JSON chunk frame. */
const CHUNK_FRAME_TAIL = Buffer.from('"}');
/** Each chunk's base64 payload as bytes, once per thread and audio. */
const payloadBytes = new WeakMap<StressAudio, Buffer[]>();

function payloadsOf(audio: StressAudio): Buffer[] {
  let payloads = payloadBytes.get(audio);
  if (!payloads) {
    payloads = audio.chunks.map((chunk) => Buffer.from(chunk, 'latin1'));
    payloadBytes.set(audio, payloads);
  }
  return payloads;
}

type Phase = 'connecting' | 'starting' | 'waiting' | 'sending' | 'finishing' | 'idle' | 'ended';

export class StressSession {
  /** A new one after a storm drop against a base gateway (see connect's close handler). */
  private id = randomUUID();
  private dialect: GatewayDialect = 'unknown';
  /** Chunks with a text result on the current connection's session (not failed ones). */
  private readonly answered = new Set<number>();
  private ws: WebSocket | undefined;
  private phase: Phase = 'connecting';
  private connected = false;
  private beganAt = 0;
  private startSentAt = 0;
  private firstChunkSentAt = 0;
  private finishSentAt = 0;
  private sawChunkResult = false;
  private everStarted = false;
  private nextIndex = 0;
  private lastIndex: number;
  private readonly acked = new Set<number>();
  /** This connection's handle for the session's binary frames; undefined: JSON chunks. */
  private stream: number | undefined;
  /** chunk_index -> sent at (insertion order = oldest first). */
  private readonly pending = new Map<number, number>();
  private paceTimer: NodeJS.Timeout | undefined;
  private dropping = false;
  /** A storm dropped this session's connection: its next start ack is a comeback. */
  private droppedByStorm = false;
  /** Chunks the gateway answered `busy` for, waiting to be sent again. */
  private readonly retrying = new Map<number, NodeJS.Timeout>();
  private busyBackoff: Backoff | undefined;
  private busySince = 0;
  /** When `start` was first answered busy: the session waits at the door since. */
  private doorSince = 0;
  private doorTimer: NodeJS.Timeout | undefined;
  private stopRequested = false;
  /** When a storm dropped the connection, while the session is coming back; 0 otherwise. */
  private comebackSince = 0;
  private comebackBackoff: Backoff | undefined;
  /** The next connect attempt, when one waits (a comeback, or a connect told to come back later). */
  private connectTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly deps: SessionDeps,
    private readonly plan: SessionPlan,
  ) {
    this.lastIndex = plan.chunkCount - 1;
  }

  get ended(): boolean {
    return this.phase === 'ended';
  }

  begin(): void {
    this.deps.tally.add('sessions');
    this.beganAt = performance.now();
    this.connect();
  }

  /** Graceful end of a long stream: no more chunks, send `finish` now. */
  requestFinish(): void {
    this.stopRequested = true;
    if (this.phase === 'idle') {
      this.end({ outcome: 'ok' });
      return;
    }
    // What is already sent becomes the whole stream (at least one chunk goes out).
    this.lastIndex = Math.max(0, Math.min(this.lastIndex, this.nextIndex - 1));
    if (this.phase === 'sending') this.maybeFinish();
  }

  requestFinishIfStreaming(): void {
    if (this.plan.stopAtEnd) this.requestFinish();
  }

  /** Storm: drop the connection without warning; the session reconnects and resumes. */
  drop(): void {
    if (this.phase === 'ended' || !this.connected || this.dropping) return;
    this.dropping = true;
    // A session cut again before it was back counts once: every drop ends resumed or lost.
    if (!this.droppedByStorm) this.deps.tally.add('storm_drops');
    this.droppedByStorm = true;
    this.ws?.terminate();
  }

  /** The drain period ran out. */
  abandon(): void {
    this.end({ outcome: 'unfinished' });
  }

  checkDeadlines(now: number): void {
    if (this.phase === 'starting' && now - this.startSentAt > this.deps.settings.ackTimeoutMs) {
      this.end({ outcome: 'timeout' }, 'ack');
      return;
    }
    const oldest = this.pending.values().next();
    if (!oldest.done && now - oldest.value > this.deps.settings.ackTimeoutMs) {
      this.end({ outcome: 'timeout' }, 'ack');
      return;
    }
    if (this.phase === 'finishing' && now - this.finishSentAt > this.deps.settings.finalTimeoutMs) {
      this.end({ outcome: 'timeout' }, 'final');
    }
  }

  private connect(): void {
    const { settings, tally } = this.deps;
    tally.add('attempts');
    this.phase = 'connecting';
    const connectBegan = performance.now();
    const ws = new WebSocket(settings.url, {
      handshakeTimeout: settings.connectTimeoutMs,
      perMessageDeflate: false,
      headers: settings.token ? { Authorization: `Bearer ${settings.token}` } : undefined,
      ...settings.tls,
    });
    this.ws = ws;
    ws.on('unexpected-response', (request, response) => {
      const retryAfterMs = parseRetryAfter(response.headers['retry-after'] as string | undefined);
      response.resume();
      request.destroy();
      // A comeback refused (503 while the gateway sheds a storm): try again, session kept.
      if (this.ws === ws && this.phase !== 'ended' && this.comeBackLater(retryAfterMs)) {
        tally.add('comebacks_refused');
        return;
      }
      if (
        this.ws === ws &&
        this.phase !== 'ended' &&
        response.statusCode === 503 &&
        retryAfterMs !== undefined &&
        this.waitAtUpgrade(retryAfterMs, connectBegan)
      )
        return;
      this.end({ outcome: 'rejected', retryAfterMs }, response.statusCode ?? 'unknown');
    });
    ws.on('open', () => {
      if (this.ws !== ws || this.phase === 'ended') return;
      this.connected = true;
      this.deps.gauge.opened();
      tally.add('connections_opened');
      tally.record('connect', performance.now() - connectBegan);
      if (this.plan.idle) {
        this.phase = 'idle';
        if (this.stopRequested) this.end({ outcome: 'ok' });
        return;
      }
      this.sendStart();
    });
    ws.on('ping', () => tally.add('pings'));
    ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      if (this.ws !== ws || this.phase === 'ended') return;
      if (isBinary) {
        this.end({ outcome: 'protocol_error' }, 'binary_frame');
        return;
      }
      const decoded = decodeServerMessage(data as Buffer);
      if (!decoded.ok) this.end({ outcome: 'protocol_error' }, 'bad_frame');
      else this.handle(decoded.message);
    });
    ws.on('error', (error: NodeJS.ErrnoException) => {
      if (this.ws !== ws || this.phase === 'ended') return;
      // A comeback that could not connect (reset, refused, timed out) tries again too.
      if (!this.connected && this.comeBackLater(undefined)) return;
      if (error.code === 'ECONNREFUSED') this.end({ outcome: 'refused' });
      else if (/handshake has timed out/i.test(error.message)) this.end({ outcome: 'timeout' }, 'connect');
      else if (!this.connected) this.end({ outcome: 'closed_early' }, error.code ?? 'connect_error');
      // After open, 'close' follows and says what happened.
    });
    ws.on('close', () => {
      // A socket the session already let go of (a comeback attempt given up for a new one)
      // must not release the connection that replaced it.
      if (this.ws !== ws) return;
      const wasConnected = this.connected;
      this.releaseConnection();
      if (this.phase === 'ended') return;
      if (this.dropping) {
        this.dropping = false;
        // A base gateway starts a known session over anyway, and its handler of the dropped
        // connection lives on while a finish blocks it: the same id on a new connection then
        // puts one session on two, which makes that gateway panic (docs/interop.md). So
        // against it the comeback is a new session; an Earshot gateway resumes the old one.
        if (this.dialect === 'base') this.id = randomUUID();
        this.comebackSince = performance.now();
        if (this.deps.settings.reconnect === 'backoff') this.connectAfter(this.comebackDelay(undefined));
        else this.connect(); // the worst case: everybody comes back in the same instant
        return;
      }
      this.end({ outcome: 'closed_early' }, wasConnected ? this.phase : 'connecting');
    });
  }

  private comebackDelay(retryAfterMs: number | undefined): number {
    const { settings } = this.deps;
    // Immediate clients do exactly what they are told (the herd a server must spread);
    // without a Retry-After they back off like any client, never in a spin loop.
    if (settings.reconnect !== 'backoff' && retryAfterMs !== undefined) return retryAfterMs;
    this.comebackBackoff ??= new Backoff({ baseMs: settings.backoffBaseMs, capMs: settings.backoffCapMs });
    return this.comebackBackoff.next(retryAfterMs ?? 0);
  }

  /**
   * During a comeback, a refused or failed connect is not the session's end: it tries
   * again (comebackDelay), for as long as a busy session would (--busy-give-up). False
   * when the session is not coming back or has tried for too long.
   */
  private comeBackLater(retryAfterMs: number | undefined): boolean {
    if (!this.comebackSince || this.phase === 'ended') return false;
    if (performance.now() - this.comebackSince > this.deps.settings.busyGiveUpMs) return false;
    this.letGoOfAttempt();
    this.deps.tally.add('comeback_retries');
    this.connectAfter(this.comebackDelay(retryAfterMs));
    return true;
  }

  /** This connect attempt is over: its socket's late events must not reach the session. */
  private letGoOfAttempt(): void {
    const old = this.ws;
    this.ws = undefined;
    old?.terminate();
  }

  /** Connects again after `delayMs` (a comeback, or a connect told to come back later). */
  private connectAfter(delayMs: number): void {
    this.phase = 'connecting';
    clearTimeout(this.connectTimer);
    this.connectTimer = setTimeout(() => {
      this.connectTimer = undefined;
      if (this.phase === 'connecting') this.connect();
    }, delayMs);
  }

  private sendStart(): void {
    this.phase = 'starting';
    this.startSentAt = performance.now();
    // Audio sent as fast as acked is all there, like a sealed recording: declared, so the
    // gateway reserves it on admission. A live stream (real-time pacing) declares nothing,
    // as the app's uploader does for a recording still going (src-main/upload/recording-upload.ts):
    // the gateway then counts it as arriving in real time (docs/gateway.md, "Admission").
    const declared =
      this.deps.settings.pacing === 'ack'
        ? `,"expected_seconds":${Number(Math.min(86_400, Math.max(0.001, this.plannedAudioSeconds())).toFixed(3))}`
        : '';
    // A gateway that does not offer binary frames ignores the field.
    const binary = this.deps.settings.binaryAudio === false ? '' : ',"binary_audio":true';
    this.stream = undefined;
    this.sendText(`{"action":"start","session_id":"${this.id}"${declared}${binary}}`);
  }

  private plannedAudioSeconds(): number {
    const seconds = this.deps.audio.chunkSeconds;
    const whole = Math.floor(this.plan.chunkCount / seconds.length);
    let total = whole * seconds.reduce((sum, s) => sum + s, 0);
    for (let i = 0; i < this.plan.chunkCount % seconds.length; i++) total += seconds[i];
    return total;
  }

  /**
   * A connect answered 503 with Retry-After: the gateway asks this client to come back
   * later (a connection cap, or a burst of upgrades it sheds: docs/gateway.md, "Reconnect
   * storms"), and a real client does. So the session waits at the door, as after a busy
   * `start` (jittered, never sooner than told), and ends `rejected` only past busyGiveUpMs.
   */
  private waitAtUpgrade(retryAfterMs: number, connectBegan: number): boolean {
    const { tally, settings } = this.deps;
    this.doorSince ||= connectBegan;
    if (performance.now() - this.doorSince > settings.busyGiveUpMs) return false;
    this.letGoOfAttempt();
    tally.add('upgrades_deferred');
    this.busyBackoff ??= new Backoff({ baseMs: settings.backoffBaseMs, capMs: settings.backoffCapMs });
    this.connectAfter(this.busyBackoff.next(retryAfterMs));
    return true;
  }

  /**
   * `start` answered busy: the gateway admits by expected wait and refused this session
   * before any audio was sent. Wait at the door (retry_after_ms plus jitter), then ask
   * again; past busyGiveUpMs the session ends as `busy`.
   */
  private waitAtDoor(retryAfterMs: number | undefined): void {
    const { tally, settings } = this.deps;
    tally.add('busy_replies');
    tally.add('busy_at_start');
    const now = performance.now();
    this.doorSince ||= this.startSentAt;
    if (now - this.doorSince > settings.busyGiveUpMs)
      return this.end({ outcome: 'busy', retryAfterMs }, 'start');
    this.phase = 'waiting';
    this.busyBackoff ??= new Backoff({ baseMs: settings.backoffBaseMs, capMs: settings.backoffCapMs });
    this.doorTimer = setTimeout(
      () => {
        this.doorTimer = undefined;
        if (this.phase === 'waiting') this.sendStart();
      },
      this.busyBackoff.next(retryAfterMs ?? 0),
    );
  }

  private handle(message: ServerMessage): void {
    const { tally } = this.deps;
    const now = performance.now();
    if (this.dialect === 'unknown') this.dialect = dialectOf(message) ?? 'unknown';
    switch (message.type) {
      case 'ack': {
        if (message.status === 'session_started' || message.status === 'session_resumed') {
          if (this.phase !== 'starting')
            return this.end({ outcome: 'protocol_error' }, 'unexpected_start_ack');
          const startedBefore = this.everStarted;
          if (!this.everStarted) {
            this.everStarted = true;
            tally.add('started');
            tally.record('first_ack', now - this.startSentAt);
          }
          if (this.doorSince) {
            tally.record('door_wait', now - this.doorSince);
            this.doorSince = 0;
            this.busyBackoff?.reset();
          }
          // Counted per comeback, also when the storm hit before the first start was acked
          // (then this ack is also its first: a busy machine makes that window real).
          if (this.droppedByStorm) {
            this.droppedByStorm = false;
            tally.add('resumed');
            // An Earshot gateway that starts a known session afresh lost what it held.
            if (message.status === 'session_started' && startedBefore && this.dialect !== 'base')
              tally.add('comeback_restarted');
            if (this.comebackSince) tally.record('comeback', now - this.comebackSince);
            this.comebackSince = 0;
            this.comebackBackoff?.reset();
          }
          // A handle only from a gateway that announced the extension (a new one per connection).
          this.stream =
            this.deps.settings.binaryAudio !== false && message.features?.includes('binary_audio')
              ? message.stream
              : undefined;
          this.resumeFrom(message.status === 'session_resumed' ? (message.received ?? []) : []);
          return;
        }
        const index = message.chunk_index;
        if (index === undefined) return this.end({ outcome: 'protocol_error' }, 'ack_without_index');
        const sentAt = this.pending.get(index);
        if (sentAt !== undefined) {
          this.pending.delete(index);
          this.acked.add(index);
          tally.add('chunks_acked');
          this.busySince = 0;
          this.busyBackoff?.reset();
          tally.record('chunk_ack', now - sentAt);
          if (this.deps.settings.pacing === 'ack') this.sendNext();
          else this.maybeFinish();
        } else if (index >= this.nextIndex) {
          this.end({ outcome: 'protocol_error' }, 'ack_for_unsent_chunk');
        }
        return;
      }
      case 'chunk_result':
        tally.add('chunk_results');
        if (message.code === undefined) this.answered.add(message.chunk_index);
        if (!this.sawChunkResult && this.firstChunkSentAt) {
          this.sawChunkResult = true;
          tally.record('first_chunk_result', now - this.firstChunkSentAt);
        }
        return;
      case 'final_result':
        if (this.phase !== 'finishing') return this.end({ outcome: 'protocol_error' }, 'final_before_finish');
        tally.add('completed');
        if (this.finalIsPartial(message)) tally.add('completed_partial');
        tally.record('final', now - this.finishSentAt);
        tally.record('session', now - this.beganAt);
        return this.end({ outcome: 'ok' });
      case 'error':
        if (this.phase === 'starting' && (message.code === 'busy' || message.message === 'System busy'))
          return this.waitAtDoor(message.retry_after_ms);
        if (message.code === 'busy' || message.message === 'System busy')
          // A base gateway's busy carries chunk_index 0 whatever it refused; it answers
          // chunk frames in order, so it refused the oldest chunk still waiting for an ack.
          return this.onBusy(
            message.code === undefined ? this.pending.keys().next().value : message.chunk_index,
            message.retry_after_ms,
          );
        return this.end({ outcome: 'server_error' }, message.code ?? 'uncoded');
    }
  }

  /**
   * Admission by backlog: a `busy` chunk is not lost, it is sent again after the
   * server's retry_after_ms (a floor) plus full jitter, like a real client. A session
   * that stays refused past busyGiveUpMs ends as `busy`.
   */
  private onBusy(index: number | undefined, retryAfterMs: number | undefined): void {
    const { tally, settings } = this.deps;
    tally.add('busy_replies');
    const now = performance.now();
    if (index === undefined || !this.pending.has(index)) return this.end({ outcome: 'busy', retryAfterMs });
    this.busySince ||= now;
    if (now - this.busySince > settings.busyGiveUpMs) return this.end({ outcome: 'busy', retryAfterMs });
    this.pending.delete(index);
    tally.add('chunks_refused');
    tally.add('wasted_upload_bytes', this.chunkFrameBytes(index));
    this.busyBackoff ??= new Backoff({ baseMs: settings.backoffBaseMs, capMs: settings.backoffCapMs });
    const delay = this.busyBackoff.next(retryAfterMs ?? 0);
    this.retrying.set(
      index,
      setTimeout(() => {
        this.retrying.delete(index);
        if (this.phase === 'sending') this.sendChunk(index);
      }, delay),
    );
  }

  /**
   * The final lacks chunks: the gateway says so (its merge timed out), or a chunk sent has
   * no text result, or its chunk_count is short. A base gateway sends no result for a chunk
   * whose recognition failed and counts refused and failed chunks in chunk_count, so the
   * count alone cannot say it (docs/interop.md).
   */
  private finalIsPartial(message: Extract<ServerMessage, { type: 'final_result' }>): boolean {
    const sent = this.lastIndex + 1;
    let answered = 0;
    for (const index of this.answered) if (index < sent) answered++;
    return (
      message.partial === true ||
      answered < sent ||
      (message.chunk_count !== undefined && message.chunk_count < sent)
    );
  }

  /** After a (re)start: skip what the server already holds, then continue. */
  private resumeFrom(received: number[]): void {
    this.phase = 'sending';
    // A resumed Earshot session sends every known result again; a restarted one has none.
    this.answered.clear();
    const sentBefore = this.nextIndex;
    this.pending.clear();
    this.clearRetries();
    // The base gateway replaces a restarted session: then everything is sent again.
    this.acked.clear();
    for (const index of received) this.acked.add(index);
    this.nextIndex = 0;
    // Chunks "recorded" before the drop go out at once; pacing resumes after them.
    while (this.nextIndex < sentBefore && this.nextIndex <= this.lastIndex) {
      if (!this.acked.has(this.nextIndex)) this.sendChunk(this.nextIndex);
      this.nextIndex++;
    }
    if (this.deps.settings.pacing === 'realtime' || this.pending.size === 0) this.sendNext();
  }

  private sendNext(): void {
    if (this.phase !== 'sending') return;
    clearTimeout(this.paceTimer);
    if (this.nextIndex > this.lastIndex) {
      this.maybeFinish();
      return;
    }
    const index = this.nextIndex++;
    this.sendChunk(index);
    if (this.deps.settings.pacing === 'realtime') {
      const seconds = this.deps.audio.chunkSeconds[index % this.deps.audio.chunkSeconds.length];
      this.paceTimer = setTimeout(() => this.sendNext(), Math.round(seconds * 1000));
    }
  }

  private chunkFrame(index: number): Buffer {
    const payloads = payloadsOf(this.deps.audio);
    // Built by hand from bytes: a template string around the ~43 KB payload would be
    // flattened and then encoded again by ws on every send (about twice the CPU per frame).
    const head = `{"action":"chunk","session_id":"${this.id}","chunk_index":${index},"audio_data":"`;
    return Buffer.concat([Buffer.from(head, 'latin1'), payloads[index % payloads.length], CHUNK_FRAME_TAIL]);
  }

  /** The length of the chunk's frame, without building it around the large payload. */
  private chunkFrameBytes(index: number): number {
    const audio = this.deps.audio;
    if (this.binaryFor(index)) return BINARY_HEADER_BYTES + audio.pcm[index % audio.pcm.length].byteLength;
    const envelope = `{"action":"chunk","session_id":"${this.id}","chunk_index":${index},"audio_data":""}`;
    return envelope.length + audio.chunks[index % audio.chunks.length].length;
  }

  /** Whether chunk `index` goes as a binary frame on this connection. */
  private binaryFor(index: number): boolean {
    return this.stream !== undefined && index <= BINARY_MAX_U32;
  }

  private sendChunk(index: number): void {
    const now = performance.now();
    if (!this.firstChunkSentAt) this.firstChunkSentAt = now;
    this.pending.set(index, now);
    this.deps.tally.add('chunks_sent');
    if (this.binaryFor(index)) {
      const audio = this.deps.audio;
      const pcm = audio.pcm[index % audio.pcm.length];
      this.sendBytes(
        encodeBinaryFrame({ stream: this.stream!, chunkIndex: index, provisional: false }, pcm),
        true,
      );
      return;
    }
    this.sendBytes(this.chunkFrame(index), false);
  }

  /** A frame already in bytes: binary audio, or a JSON chunk as a text frame (`binary` false). */
  private sendBytes(frame: Uint8Array, binary: boolean): void {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    this.deps.tally.add('bytes_sent', frame.byteLength);
    ws.send(frame, { binary });
  }

  private maybeFinish(): void {
    // `finish` waits for every ack: a chunk refused with busy must be in before it.
    if (
      this.phase !== 'sending' ||
      this.nextIndex <= this.lastIndex ||
      this.retrying.size > 0 ||
      this.pending.size > 0
    )
      return;
    clearTimeout(this.paceTimer);
    this.phase = 'finishing';
    this.finishSentAt = performance.now();
    this.sendText(`{"action":"finish","session_id":"${this.id}"}`);
  }

  private sendText(text: string): void {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    this.deps.tally.add('bytes_sent', text.length);
    ws.send(text);
  }

  /**
   * A connection counts as open from its upgrade until the session lets go of it (or it
   * closes): the closing handshake of a finished session does not hold a slot.
   */
  private releaseConnection(): void {
    if (this.connected) this.deps.gauge.closed();
    this.connected = false;
  }

  private clearRetries(): void {
    for (const timer of this.retrying.values()) clearTimeout(timer);
    this.retrying.clear();
  }

  private end(end: SessionEnd, detail?: string | number): void {
    if (this.phase === 'ended') return;
    this.phase = 'ended';
    clearTimeout(this.paceTimer);
    clearTimeout(this.doorTimer);
    clearTimeout(this.connectTimer);
    this.clearRetries();
    this.releaseConnection();
    // Dropped by a storm and never back: the one figure a storm run must keep at zero.
    if (this.droppedByStorm) this.deps.tally.add('comeback_lost');
    this.deps.tally.end(end.outcome, detail);
    const ws = this.ws;
    if (ws) {
      if (end.outcome === 'ok' && ws.readyState === WebSocket.OPEN) ws.close(1000);
      else ws.terminate();
    }
    this.deps.onEnd(this, end);
  }
}
