// The protocol's session logic: start / chunk / finish, results as workers finish,
// final_result once every chunk has one (or the merge timeout fires), idempotent
// chunks and resume. Durable state is in the SessionStore; which connection a session
// is attached to, and its merge timer, are local to this gateway. Operations on one
// session run one at a time (a per-session promise chain), so the store needs no locks.
import { randomUUID } from 'node:crypto';
import { isStrictBase64 } from '../../src-shared/audio/base64.js';
import {
  PROVISIONAL_MAX_SECONDS,
  type ErrorCode,
  type FinishMessage,
  type GatewayFeature,
  type StartMessage,
} from '../../src-shared/protocol/messages.js';
import type { Logger, RepeatedEvents } from '../logging.js';
import type { RecognitionResult, TaskQueue } from '../queue/types.js';
import type { AdmissionControl } from './admission.js';
import { ChunkLedger } from './chunk-ledger.js';
import { estimatePayloadSeconds, readPayload, type ChunkPayload } from './chunk-audio.js';
import type { HistoryStore } from './history-store.js';
import type { GatewayMetrics } from './metrics.js';
import type { ProvisionalOutcome, Replies, Reply } from './replies.js';
import type { ChunkOutcome, SessionRecord, SessionStore } from './session-store.js';
import type { StreamHandles } from './stream-handles.js';

function tooLongForProvisional(seconds: number): string {
  return `provisional audio is ${seconds.toFixed(1)} s; a provisional request carries at most ${PROVISIONAL_MAX_SECONDS} s (the open chunk)`;
}

/** retry_after_ms for a chunk the queue could not take (e.g. Redis unreachable). */
const ENQUEUE_RETRY_MS = 1000;
/** retry_after_ms for a `start` refused because the gateway holds --max-sessions open sessions. */
const SESSIONS_FULL_RETRY_MS = 2000;

/** Defaults of --max-sessions-per-connection and --max-sessions (see config.ts). */
export const SESSION_LIMITS = { perConnection: 16, total: 50_000 } as const;

/** The gateway's handle on one client connection. */
export interface ClientLink {
  readonly id: number;
  send(reply: Reply): void;
  isOpen(): boolean;
  /** Extension `binary_audio`: this connection's stream handles (absent where not offered). */
  readonly streams?: StreamHandles;
}

/**
 * A chunk's audio as a client sent it: in a `chunk` or `provisional` message (base64), or
 * in a binary frame (raw PCM, the session named by the frame's stream handle).
 */
export interface IncomingAudio {
  sessionId: string;
  chunkIndex: number;
  /** Extension `provisional`: a preview of a chunk still open on the client, not the chunk. */
  provisional: boolean;
  payload: ChunkPayload;
}

export interface SessionManagerOptions {
  store: SessionStore;
  queue: TaskQueue;
  /** Admission by expected wait: sessions on `start`, chunks that outrun their reservation. */
  admission: AdmissionControl;
  replies: Replies;
  metrics: GatewayMetrics;
  events: RepeatedEvents;
  logger: Logger;
  gatewayId: string;
  mergeTimeoutMs: number;
  sessionIdleMs: number;
  /** Open sessions one connection may hold; a `start` past it gets too_many_sessions. */
  maxSessionsPerConnection?: number;
  /**
   * Sessions this gateway holds: open ones and finished ones kept for a resume. At the
   * bound the oldest finished one is forgotten; when every one is open, a new `start`
   * gets too_many_sessions with retry_after_ms.
   */
  maxSessions?: number;
  /** Finished sessions for the HTTP API (session-routes.ts); none kept without one. */
  history?: HistoryStore;
}

export class SessionManager {
  private readonly attached = new Map<string, ClientLink>();
  private readonly linkSessions = new Map<number, Set<string>>();
  private readonly mergeTimers = new Map<string, NodeJS.Timeout>();
  private readonly chains = new Map<string, Promise<void>>();
  /** Sessions this gateway started or resumed that have no final_result yet. */
  private readonly open = new Set<string>();
  /** Open sessions per connection (by link id), for --max-sessions-per-connection. */
  private readonly openByLink = new Map<number, Set<string>>();
  /** Finished sessions kept for a resume, oldest first: forgotten first at --max-sessions. */
  private readonly kept = new Set<string>();
  private readonly maxPerConnection: number;
  private readonly maxSessions: number;
  /** Sessions that asked to finish and wait for results. */
  private readonly finishing = new Set<string>();
  /**
   * Base protocol only: chunk frames each session took in, the way the base gateway counts
   * its `chunk_count` (refused, failed and repeated chunks included). Local to this gateway.
   */
  private readonly baseChunkFrames = new Map<string, number>();
  /** Sessions with a provisional decode running: the next one is dropped until it ends. */
  private readonly provisionalRunning = new Set<string>();
  /** Recognition this gateway got results for, for /api/v1/stats. */
  private readonly recognized = { tasks: 0, audioSeconds: 0, processingSeconds: 0 };
  private readonly sweepTimer: NodeJS.Timeout;

  constructor(private readonly o: SessionManagerOptions) {
    this.maxPerConnection = o.maxSessionsPerConnection ?? SESSION_LIMITS.perConnection;
    this.maxSessions = o.maxSessions ?? SESSION_LIMITS.total;
    o.queue.onResult((result) => {
      void this.serial(result.sessionId, () => this.onResult(result));
    });
    const sweepEvery = Math.max(1_000, Math.min(60_000, Math.floor(o.sessionIdleMs / 4)));
    this.sweepTimer = setInterval(() => void this.sweep(), sweepEvery);
    this.sweepTimer.unref();
  }

  get activeCount(): number {
    return this.open.size;
  }

  get finishingCount(): number {
    return this.finishing.size;
  }

  /** Finished sessions held for a resume. */
  get keptCount(): number {
    return this.kept.size;
  }

  /** Extensions this gateway announces and accepts. */
  get features(): readonly GatewayFeature[] {
    return this.o.replies.features;
  }

  /** How client frames are read: strictly, or with the base gateway's zero values. */
  get dialect(): 'earshot' | 'base' {
    return this.o.replies.base ? 'base' : 'earshot';
  }

  // ---- client messages -------------------------------------------------------

  start(link: ClientLink, message: StartMessage): Promise<void> {
    // No id given: make one up and echo it in the ack, as the base gateway does.
    const id = message.session_id ?? randomUUID();
    return this.serial(
      id,
      async () => {
        const now = Date.now();
        // Claim the session before reading it. With Redis a worker records a result in the
        // session and routes it to the session's owner in one atomic step, so a result is
        // either recorded before the claim (then in what is read below and re-sent) or
        // routed here after it (then sent by onResult, which this chain runs after this
        // start): none reaches the client only through final_result. Re-sending one twice
        // is allowed. Claiming a session that does not exist writes nothing.
        if (!this.o.replies.base) await this.o.store.touch(id, now);
        const existing = await this.o.store.get(id);
        if (existing && !this.o.replies.base) {
          if (!existing.final && !this.roomOnConnection(link, id)) return;
          this.attach(id, link);
          const received = existing.chunks.indexes();
          const stream = existing.final ? undefined : this.streamFor(link, id, message);
          link.send(this.o.replies.resumed(id, received, stream));
          for (const index of received) {
            const outcome = existing.chunks.outcomeOf(index);
            const reply = outcome && this.o.replies.chunkResult(id, index, outcome);
            if (reply) link.send(reply);
          }
          if (existing.final) link.send(this.o.replies.finalResult(id, existing.final));
          else {
            this.markOpen(id);
            // Finish was asked on another gateway (shared store): the merge deadline restarts here.
            if (existing.finishRequested) {
              if (this.isComplete(existing)) await this.finalize(existing, false);
              else this.armMergeTimer(id);
            }
          }
          return;
        }
        // New session, or the base protocol's "a start with a known id replaces it".
        if (!this.roomOnConnection(link, id) || !this.roomForNewSession(link, id)) return;
        if (!this.admitAtDoor(link, id, message.expected_seconds)) return;
        this.clearMergeTimer(id);
        this.finishing.delete(id);
        this.baseChunkFrames.delete(id);
        await this.o.store.create({
          sessionId: id,
          userId: message.user_id,
          startedAt: now,
          lastActivityAt: now,
          chunks: new ChunkLedger(),
          finishRequested: false,
        });
        this.attach(id, link);
        this.markOpen(id);
        link.send(this.o.replies.started(id, this.streamFor(link, id, message)));
      },
      link,
    );
  }

  /**
   * A chunk's audio, or (extension `provisional`) a preview request for one, whether it came
   * as a JSON message or as a binary frame (extension `binary_audio`): from here on the
   * framing no longer matters, a binary chunk gets exactly a JSON chunk's admission,
   * reservation, queue and ack.
   */
  audio(link: ClientLink, audio: IncomingAudio): Promise<void> {
    const { sessionId, chunkIndex, payload } = audio;
    return audio.provisional
      ? this.previewChunk(link, sessionId, chunkIndex, payload)
      : this.takeChunk(link, sessionId, chunkIndex, payload);
  }

  private takeChunk(link: ClientLink, id: string, index: number, payload: ChunkPayload): Promise<void> {
    this.o.metrics.chunkFrames.inc({ encoding: 'base64' in payload ? 'json' : 'binary' });
    return this.serial(
      id,
      async () => {
        const { replies, store, queue, metrics } = this.o;
        const now = Date.now();
        const session = await store.get(id);
        if (!session) {
          this.sendError(link, 'session_not_found', `Session not found: ${id}`, {
            sessionId: id,
            chunkIndex: index,
          });
          return;
        }
        if (session.final && !replies.base) {
          if (session.chunks.has(index)) this.replayChunk(link, session, index);
          else
            this.sendError(link, 'session_not_found', `Session already finished: ${id}`, {
              sessionId: id,
              chunkIndex: index,
            });
          return;
        }
        this.attach(id, link);
        // The base gateway counts every chunk frame it could decode before anything else.
        if (replies.base && 'base64' in payload && isStrictBase64(payload.base64))
          this.baseChunkFrames.set(id, (this.baseChunkFrames.get(id) ?? 0) + 1);
        if (session.chunks.has(index) && !replies.base) {
          await store.touch(id, now);
          this.replayChunk(link, session, index);
          return;
        }
        // Admission first, from the size alone: under a flood of retries, refusing must
        // stay cheaper than validating and decoding the audio.
        const admittedAt = this.admitChunk(link, id, index, estimatePayloadSeconds(payload));
        if (admittedAt === undefined) return;
        const audio = readPayload(payload);
        if (!audio.ok) {
          if (!replies.base) {
            this.sendError(link, 'bad_audio', audio.reason, { sessionId: id, chunkIndex: index });
          } else if (audio.problem === 'base64') {
            // The base gateway drops such a chunk without a word; a client must time out.
            this.o.events.note('bad_base64_dropped');
          } else {
            // The base gateway acks, then its recognizer fails on the file: an empty result.
            await store.addChunk(id, index, 0, now);
            link.send(replies.received(id, index));
            await this.onResult({
              taskId: `${id}:${index}`,
              sessionId: id,
              chunkIndex: index,
              error: { code: 'bad_audio', message: audio.reason },
              workerId: 'none',
              queuedMs: 0,
              processingMs: 0,
            });
          }
          return;
        }
        const { pcm, audioSeconds } = audio;
        // Queue first, record after: a chunk recorded but never queued would be answered
        // `duplicate` forever and never recognised. Duplicates on this gateway cannot slip
        // in between (operations of a session run one at a time); one racing in on another
        // gateway is at worst recognised twice, which the protocol allows.
        let recorded: boolean;
        try {
          await queue.enqueue({
            taskId: `${id}:${index}`,
            sessionId: id,
            chunkIndex: index,
            pcm,
            audioSeconds,
            gatewayId: this.o.gatewayId,
            enqueuedAt: now,
            admittedAt,
          });
          recorded = await store.addChunk(id, index, audioSeconds, now);
        } catch (error) {
          // Not recorded (or the record is unknown): the client sends the chunk again.
          this.o.events.note('chunk_enqueue_failed');
          this.o.logger.debug(
            { err: error, session_id: id, chunk_index: index },
            'chunk could not be queued',
          );
          this.sendError(
            link,
            'busy',
            `Could not queue the chunk (queue unavailable); retry in ${ENQUEUE_RETRY_MS} ms`,
            {
              sessionId: id,
              chunkIndex: index,
              retryAfterMs: ENQUEUE_RETRY_MS,
            },
          );
          return;
        }
        if (!recorded) {
          link.send(replies.duplicate(id, index));
          return;
        }
        this.o.admission.chunkQueued(id, audioSeconds);
        metrics.chunksReceived.inc();
        metrics.audioSecondsReceived.inc(audioSeconds);
        link.send(replies.received(id, index));
      },
      link,
    );
  }

  finish(link: ClientLink, message: FinishMessage): Promise<void> {
    const id = message.session_id;
    return this.serial(
      id,
      async () => {
        const session = await this.o.store.get(id);
        if (!session) {
          this.sendError(link, 'session_not_found', `Session not found: ${id}`, { sessionId: id });
          return;
        }
        this.attach(id, link);
        if (session.final) {
          link.send(this.o.replies.finalResult(id, session.final));
          return;
        }
        await this.o.store.markFinishRequested(id, Date.now());
        session.finishRequested = true;
        this.o.admission.finished(id);
        if (this.isComplete(session)) {
          await this.finalize(session, false);
          return;
        }
        this.armMergeTimer(id);
      },
      link,
    );
  }

  /**
   * Extension `provisional` (docs/protocol.md): a disposable transcript of a chunk still
   * open on the client. Never recorded, acked, counted or part of the final: it touches
   * neither the session's record nor admission. Every request gets exactly one
   * `provisional_result`, with the text or with why there is none.
   */
  private previewChunk(link: ClientLink, id: string, index: number, payload: ChunkPayload): Promise<void> {
    return this.serial(
      id,
      async () => {
        const refuse = (code: ErrorCode, why: string) => {
          this.o.metrics.provisionalRequests.inc({ outcome: code });
          link.send(this.o.replies.provisionalResult(id, index, { error: { code, message: why } }));
        };
        const queue = this.o.queue;
        const session = await this.o.store.get(id);
        if (!session) return refuse('session_not_found', `Session not found: ${id}`);
        if (session.final || session.finishRequested)
          return refuse('dropped', 'the session is finishing: it has no open audio to preview');
        if (session.chunks.has(index))
          return refuse('dropped', `chunk ${index} was already received: its real result follows`);
        // From the size first: an oversized request costs no decoding.
        if (estimatePayloadSeconds(payload) > PROVISIONAL_MAX_SECONDS + 0.01)
          return refuse('bad_audio', tooLongForProvisional(estimatePayloadSeconds(payload)));
        if (this.provisionalRunning.has(id))
          return refuse('dropped', "this session's previous provisional request is still being decoded");
        if (!queue.provisional) return refuse('dropped', 'this gateway does not decode provisional requests');
        const audio = readPayload(payload);
        if (!audio.ok) return refuse('bad_audio', audio.reason);
        if (audio.audioSeconds > PROVISIONAL_MAX_SECONDS)
          return refuse('bad_audio', tooLongForProvisional(audio.audioSeconds));
        const running = queue.provisional({
          sessionId: id,
          chunkIndex: index,
          pcm: audio.pcm,
          audioSeconds: audio.audioSeconds,
        });
        if (!running)
          return refuse(
            'dropped',
            'the recognizers are busy with real chunks: provisional requests yield to them',
          );
        this.provisionalRunning.add(id);
        // Not awaited: the session's other messages must not wait for a preview.
        void running.then((decoded) => {
          this.provisionalRunning.delete(id);
          this.o.metrics.provisionalEngineSeconds.inc(decoded.processingMs / 1000);
          this.o.metrics.provisionalRequests.inc({ outcome: decoded.error ? 'failed' : 'decoded' });
          const outcome: ProvisionalOutcome = decoded.error
            ? { error: { code: 'internal', message: decoded.error.message } }
            : { text: decoded.text ?? '' };
          if (link.isOpen()) link.send(this.o.replies.provisionalResult(id, index, outcome));
        });
      },
      link,
    );
  }

  /** A provisional frame that did not decode: answered in kind, never as a chunk error. */
  provisionalRefused(
    link: ClientLink,
    code: ErrorCode,
    message: string,
    sessionId?: string,
    chunkIndex?: number,
  ): void {
    this.o.metrics.provisionalRequests.inc({ outcome: code });
    link.send(this.o.replies.provisionalResult(sessionId, chunkIndex, { error: { code, message } }));
  }

  /** After `finish`, the final result goes out at the latest after the merge timeout. */
  private armMergeTimer(id: string): void {
    this.finishing.add(id);
    if (this.mergeTimers.has(id)) return;
    const timer = setTimeout(() => {
      this.mergeTimers.delete(id);
      void this.serial(id, async () => {
        const current = await this.o.store.get(id);
        if (current && !current.final) await this.finalize(current, true);
      });
    }, this.o.mergeTimeoutMs);
    timer.unref();
    this.mergeTimers.set(id, timer);
  }

  /** The connection closed: its sessions wait (>= sessionIdleMs) for a resume. */
  detach(link: ClientLink): void {
    const ids = this.linkSessions.get(link.id);
    this.linkSessions.delete(link.id);
    this.openByLink.delete(link.id);
    if (!ids) return;
    const now = Date.now();
    for (const id of ids) {
      if (this.attached.get(id) === link) {
        this.attached.delete(id);
        void this.serial(id, () => this.o.store.touch(id, now));
      }
    }
  }

  // ---- results -----------------------------------------------------------------

  private async onResult(result: RecognitionResult): Promise<void> {
    const { store, replies, metrics } = this.o;
    metrics.chunkLatency.observe((result.queuedMs + result.processingMs) / 1000);
    const session = await store.get(result.sessionId);
    // A result for a session that was swept or replaced (base protocol) has no reader.
    if (!session || !session.chunks.has(result.chunkIndex)) return;
    this.recognized.tasks++;
    this.recognized.audioSeconds += session.chunks.secondsOf(result.chunkIndex) ?? 0;
    this.recognized.processingSeconds += result.processingMs / 1000;
    const outcome: ChunkOutcome = result.error ? { error: result.error } : { text: result.text ?? '' };
    await store.setResult(result.sessionId, result.chunkIndex, outcome, Date.now());
    // The memory store hands out its own record, the Redis one a copy: either way this one knows.
    session.chunks.setOutcome(result.chunkIndex, outcome);
    const reply = replies.chunkResult(result.sessionId, result.chunkIndex, outcome);
    if (reply) this.deliver(result.sessionId, reply);
    if (session.finishRequested && !session.final && this.isComplete(session))
      await this.finalize(session, false);
  }

  private isComplete(session: SessionRecord): boolean {
    return session.chunks.complete;
  }

  private async finalize(session: SessionRecord, partial: boolean): Promise<void> {
    const id = session.sessionId;
    this.clearMergeTimer(id);
    this.finishing.delete(id);
    this.markEnded(id);
    // Its binary frames end with it: a handle must not outlive what it names.
    this.attached.get(id)?.streams?.release(id);
    const indexes = session.chunks.indexes();
    const texts = indexes.map((index) => session.chunks.outcomeOf(index)?.text);
    const final = {
      text: this.o.replies.join(texts),
      duration: (Date.now() - session.startedAt) / 1000,
      chunkCount: this.chunkCountOf(session),
      audioSeconds: session.chunks.audioSeconds(),
      partial,
    };
    this.o.metrics.finals.inc({ partial: String(partial) });
    const delivered = this.deliver(id, this.o.replies.finalResult(id, final));
    // Kept (until swept) so a second finish gets the final again; the base gateway keeps
    // a finished session too.
    const now = Date.now();
    await this.o.store.setFinal(id, final, now);
    session.final = final;
    this.kept.add(id);
    if (!delivered) this.o.logger.debug({ session_id: id }, 'final result kept for a resume: no connection');
    await this.o.history
      ?.add({
        sessionId: id,
        userId: session.userId,
        ...final,
        createdAt: session.startedAt,
        completedAt: now,
        results: Object.fromEntries(indexes.map((index, i) => [index, texts[i] ?? ''])),
      })
      .catch((error: unknown) => this.o.logger.warn({ err: error, session_id: id }, 'history not updated'));
  }

  /** chunk_count as this gateway's final_result says it (the base gateway counts chunk frames). */
  chunkCountOf(session: SessionRecord): number {
    return this.o.replies.base ? (this.baseChunkFrames.get(session.sessionId) ?? 0) : session.chunks.count;
  }

  /** Recognition results this gateway received since it started. */
  totals(): { tasks: number; audioSeconds: number; processingSeconds: number } {
    return { ...this.recognized };
  }

  /** DELETE /api/v1/session/:id: the session is gone; its client gets session_not_found next. */
  forget(id: string): Promise<void> {
    return this.serial(id, async () => {
      this.forgetLocally(id);
      await this.o.store.delete(id);
    });
  }

  /** Sends the final result to every session that asked to finish and has none yet, partial. */
  async finalizeAllFinishing(): Promise<void> {
    await Promise.all(
      [...this.finishing].map((id) =>
        this.serial(id, async () => {
          const session = await this.o.store.get(id);
          if (session && !session.final) await this.finalize(session, true);
        }),
      ),
    );
  }

  // ---- housekeeping ------------------------------------------------------------

  private async sweep(): Promise<void> {
    const ids = await this.o.store.idleSince(Date.now() - this.o.sessionIdleMs);
    let swept = 0;
    let expiredLive = 0;
    for (const id of ids) {
      await this.serial(id, async () => {
        const session = await this.o.store.get(id);
        // Still idle (a message may have come in meanwhile), and nothing in recognition: a
        // chunk waiting in a long queue is not idleness.
        if (!session || session.lastActivityAt >= Date.now() - this.o.sessionIdleMs) {
          if (!session) this.forgetLocally(id);
          return;
        }
        if (!session.final && !this.isComplete(session)) return;
        // Sessions on a live connection are swept too (a client must not keep thousands
        // open by never finishing them); it is told, and may start the session again.
        const link = this.attached.get(id);
        if (link?.isOpen() && this.open.has(id)) {
          expiredLive++;
          this.sendError(
            link,
            'session_not_found',
            `Session expired: no activity for ${Math.round(this.o.sessionIdleMs / 1000)} s: ${id}`,
            { sessionId: id },
          );
        }
        this.forgetLocally(id);
        await this.o.store.delete(id);
        swept++;
      });
    }
    if (swept) this.o.events.note('sessions_swept', swept);
    if (expiredLive) this.o.events.note('sessions_expired_on_live_connections', expiredLive);
  }

  /** Drops everything this gateway keeps about a session except the store's record. */
  private forgetLocally(id: string): void {
    this.clearMergeTimer(id);
    this.finishing.delete(id);
    this.markEnded(id);
    this.kept.delete(id);
    this.baseChunkFrames.delete(id);
    const link = this.attached.get(id);
    if (link) this.linkSessions.get(link.id)?.delete(id);
    link?.streams?.release(id);
    this.attached.delete(id);
  }

  // ---- limits --------------------------------------------------------------------

  /** False (and the client told) when `link` already holds its share of open sessions. */
  private roomOnConnection(link: ClientLink, id: string): boolean {
    const mine = this.openByLink.get(link.id);
    if (!mine || mine.has(id) || mine.size < this.maxPerConnection) return true;
    this.o.events.note('sessions_refused_per_connection');
    this.sendError(
      link,
      'too_many_sessions',
      `This connection already has ${mine.size} open sessions (the limit, --max-sessions-per-connection); finish one first`,
      { sessionId: id },
    );
    return false;
  }

  /**
   * Room for one more session on this gateway: at --max-sessions the oldest finished
   * session kept for a resume is forgotten; if every session is open, false (client told).
   */
  private roomForNewSession(link: ClientLink, id: string): boolean {
    if (this.open.has(id) || this.kept.has(id)) return true; // replaces itself (base protocol)
    let evicted = 0;
    while (this.open.size + this.kept.size >= this.maxSessions) {
      const oldest = this.kept.values().next();
      if (oldest.done) break;
      this.kept.delete(oldest.value);
      evicted++;
      const victim = oldest.value;
      void this.serial(victim, async () => {
        if (this.kept.has(victim) || this.open.has(victim)) return; // resumed or restarted meanwhile
        this.forgetLocally(victim);
        await this.o.store.delete(victim);
      });
    }
    if (evicted) this.o.events.note('finished_sessions_evicted', evicted);
    if (this.open.size + this.kept.size < this.maxSessions) return true;
    this.o.events.note('sessions_refused_total');
    this.sendError(
      link,
      'too_many_sessions',
      `The gateway holds ${this.open.size} open sessions (the limit, --max-sessions); retry in ${SESSIONS_FULL_RETRY_MS} ms`,
      { sessionId: id, retryAfterMs: SESSIONS_FULL_RETRY_MS },
    );
    return false;
  }

  /**
   * Admission by expected wait (admission.ts): a new session is let in while the queue's
   * expected wait allows it; otherwise `busy` with retry_after_ms before any audio is sent.
   * Base protocol: only the hard ceiling on queued audio, per chunk, as the base gateway.
   */
  private admitAtDoor(link: ClientLink, id: string, expectedSeconds: number | undefined): boolean {
    // The base gateway refuses chunks, never a start: its clients get what they know.
    if (this.o.replies.base) return true;
    const door = this.o.admission.admitSession(id, expectedSeconds);
    if (door.ok) return true;
    this.o.events.note('sessions_busy_at_start');
    this.o.metrics.sessionsRefusedAtDoor.inc();
    this.sendError(
      link,
      'busy',
      `System busy: a chunk would wait ${(door.expectedWaitMs / 1000).toFixed(1)} s (target ${(this.o.admission.maxQueueWaitMs / 1000).toFixed(1)} s); ${door.position} session(s) ahead of you; retry in ${door.retryAfterMs} ms`,
      { sessionId: id, retryAfterMs: door.retryAfterMs },
    );
    return false;
  }

  /**
   * A chunk is taken under its session's reservation; past it, while the expected wait
   * allows; and never past the hard ceiling on queued audio (--max-backlog-seconds).
   * Returns when its audio counts as admitted (the queue's order), or nothing if refused.
   */
  private admitChunk(link: ClientLink, id: string, index: number, audioSeconds: number): number | undefined {
    const decision = this.chunkAdmission(id, audioSeconds);
    if ('admittedAt' in decision) return decision.admittedAt;
    this.o.events.note('chunk_busy');
    this.sendError(link, 'busy', `System busy: ${decision.reason}; retry in ${decision.retryAfterMs} ms`, {
      sessionId: id,
      chunkIndex: index,
      retryAfterMs: decision.retryAfterMs,
    });
    return undefined;
  }

  private chunkAdmission(
    id: string,
    audioSeconds: number,
  ): { admittedAt: number } | { reason: string; retryAfterMs: number } {
    const byWait = this.o.replies.base
      ? ({ ok: true, admittedAt: Date.now() } as const)
      : this.o.admission.admitChunk(id, audioSeconds);
    if (!byWait.ok)
      return {
        reason: `past its reservation, this session's chunk would wait ${(byWait.expectedWaitMs / 1000).toFixed(1)} s`,
        retryAfterMs: byWait.retryAfterMs,
      };
    const byCeiling = this.o.queue.admit(audioSeconds);
    if (!byCeiling.ok)
      return {
        reason: `${byCeiling.backlogSeconds.toFixed(1)} s of audio queued`,
        retryAfterMs: byCeiling.retryAfterMs,
      };
    return { admittedAt: byWait.admittedAt };
  }

  private markOpen(id: string): void {
    this.open.add(id);
    this.kept.delete(id);
    const link = this.attached.get(id);
    if (!link) return;
    let mine = this.openByLink.get(link.id);
    if (!mine) this.openByLink.set(link.id, (mine = new Set()));
    mine.add(id);
  }

  private markEnded(id: string): void {
    this.open.delete(id);
    this.o.admission.release(id);
    const link = this.attached.get(id);
    if (link) this.openByLink.get(link.id)?.delete(id);
  }

  close(): void {
    clearInterval(this.sweepTimer);
    for (const timer of this.mergeTimers.values()) clearTimeout(timer);
    this.mergeTimers.clear();
  }

  // ---- helpers -----------------------------------------------------------------

  private replayChunk(link: ClientLink, session: SessionRecord, index: number): void {
    this.o.metrics.chunksDuplicate.inc();
    link.send(this.o.replies.duplicate(session.sessionId, index));
    const outcome = session.chunks.outcomeOf(index);
    const reply = outcome && this.o.replies.chunkResult(session.sessionId, index, outcome);
    if (reply) link.send(reply);
  }

  private attach(id: string, link: ClientLink): void {
    const previous = this.attached.get(id);
    if (previous === link) return;
    if (previous) {
      this.linkSessions.get(previous.id)?.delete(id);
      this.openByLink.get(previous.id)?.delete(id);
      // The session lives on the newest connection; the old one's handle misses from now on.
      previous.streams?.release(id);
    }
    this.attached.set(id, link);
    let ids = this.linkSessions.get(link.id);
    if (!ids) this.linkSessions.set(link.id, (ids = new Set()));
    ids.add(id);
    if (this.open.has(id)) this.markOpen(id);
  }

  /** The session's binary_audio handle on `link`, when the start asked for one and it is offered. */
  private streamFor(link: ClientLink, id: string, message: StartMessage): number | undefined {
    if (!message.binary_audio || !this.features.includes('binary_audio')) return undefined;
    return link.streams?.assign(id);
  }

  private deliver(id: string, reply: Reply): boolean {
    const link = this.attached.get(id);
    if (!link?.isOpen()) return false;
    link.send(reply);
    return true;
  }

  sendError(
    link: ClientLink,
    code: Parameters<Replies['error']>[0],
    message: string,
    details: Parameters<Replies['error']>[2] = {},
  ): void {
    this.o.metrics.protocolErrors.inc({ code });
    link.send(this.o.replies.error(code, message, details));
  }

  private clearMergeTimer(id: string): void {
    const timer = this.mergeTimers.get(id);
    if (timer) clearTimeout(timer);
    this.mergeTimers.delete(id);
  }

  /** Runs `task` after every earlier task of the same session; failures are logged, not thrown. */
  private serial(id: string, task: () => Promise<void>, link?: ClientLink): Promise<void> {
    const previous = this.chains.get(id) ?? Promise.resolve();
    const next = previous.then(task).catch((error: unknown) => {
      this.o.logger.error({ err: error, session_id: id }, 'session operation failed');
      if (link?.isOpen())
        this.sendError(link, 'internal', 'internal error while handling this message', { sessionId: id });
    });
    this.chains.set(id, next);
    void next.then(() => {
      if (this.chains.get(id) === next) this.chains.delete(id);
    });
    return next;
  }
}
