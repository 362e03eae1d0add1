// Admission by expected wait, decided at the door (docs/gateway.md, "Admission").
//
// What a user feels under load is waiting, not how many audio seconds are queued: the
// gateway estimates how long a chunk entering the queue now would wait (queued audio plus
// the audio admitted sessions are still expected to send, over the recognizers' measured
// throughput) and admits a new session on `start` only while that stays under the target
// (--max-queue-wait). An admitted session reserves its expected audio, so its chunks are
// taken without a refusal; a session refused at the door learns when to come back before
// any of its audio has crossed the network. Refused sessions keep their place in line:
// one that was refused earlier is admitted before one that came later.

import type { TaskQueue } from '../queue/types.js';
import { DoorLine } from './door-line.js';

export interface QueueLoad {
  /** Audio seconds queued or in recognition. */
  backlogSeconds(): number;
  /** Audio seconds the recognizers complete per second (measured, with a fallback). */
  throughput(): number;
  /** Recognizer workers ready now. */
  workers(): number;
}

export interface AdmissionOptions {
  /** The target: admit while a chunk's expected wait in the queue stays under this. */
  maxQueueWaitMs: number;
  /** A reservation covers at most this much audio; a longer take continues chunk by chunk. */
  maxReservationSeconds?: number;
  /** A reservation lapses after this long without a chunk (a client that started and went quiet). */
  reservationIdleMs?: number;
  now?: () => number;
}

export type DoorDecision =
  { ok: true } | { ok: false; retryAfterMs: number; expectedWaitMs: number; position: number };

/** A chunk taken carries when its audio counts as admitted: the queue serves in that order. */
export type ChunkDecision =
  { ok: true; admittedAt: number } | { ok: false; retryAfterMs: number; expectedWaitMs: number };

export interface AdmissionSnapshot {
  expectedWaitMs: number;
  /** Audio seconds recognised per second. */
  throughput: number;
  reservedSeconds: number;
  admittedSessions: number;
  waitingAtDoor: number;
  refusedAtDoor: number;
  refusedChunks: number;
}

interface Reservation {
  /** Audio seconds still expected under the reservation. */
  remaining: number;
  /** Admission or the last chunk: a reservation unused for reservationIdleMs lapses. */
  lastUsedAt: number;
  /** The session's admission: its reserved audio is served in this order. */
  admittedAt: number;
}

const MIN_RETRY_MS = 250;
const MAX_RETRY_MS = 30_000;
/** A waiter that does not come back within its retry (client jitter doubles it at most) plus this is dropped. */
const WAITER_GRACE_MS = 5_000;
/** Waiters remembered at most: beyond it a refusal still answers, without a place in line. */
const MAX_WAITERS = 100_000;
export const ADMISSION_DEFAULTS = {
  maxQueueWaitMs: 2_000,
  maxReservationSeconds: 60,
  reservationIdleMs: 30_000,
} as const;
/** Lapsed reservations are looked for at most this often. */
const LAPSE_SWEEP_MS = 1_000;

export class AdmissionControl {
  private readonly reservations = new Map<string, Reservation>();
  private reservedSeconds = 0;
  /** Sessions refused at the door, in the order they were first refused. */
  private readonly line = new DoorLine();
  readonly maxQueueWaitMs: number;
  private readonly maxWaitSeconds: number;
  private readonly maxReservation: number;
  private readonly reservationIdleMs: number;
  private readonly now: () => number;
  private lastLapseSweep = 0;
  private refusedAtDoor = 0;
  private refusedChunks = 0;

  constructor(
    private readonly load: QueueLoad,
    options: AdmissionOptions,
  ) {
    this.maxQueueWaitMs = options.maxQueueWaitMs;
    this.maxWaitSeconds = options.maxQueueWaitMs / 1000;
    this.maxReservation = options.maxReservationSeconds ?? ADMISSION_DEFAULTS.maxReservationSeconds;
    this.reservationIdleMs = options.reservationIdleMs ?? ADMISSION_DEFAULTS.reservationIdleMs;
    this.now = options.now ?? Date.now;
  }

  /** --max-queue-wait-ms 0 turns admission by wait off. */
  private get enabled(): boolean {
    return this.maxQueueWaitMs > 0;
  }

  /** Expected wait, in ms, of a chunk entering the queue now. */
  expectedWaitMs(): number {
    return Math.round(((this.load.backlogSeconds() + this.reservedSeconds) / this.rate()) * 1000);
  }

  snapshot(): AdmissionSnapshot {
    this.expireWaiters();
    return {
      expectedWaitMs: this.expectedWaitMs(),
      throughput: this.load.throughput(),
      reservedSeconds: this.reservedSeconds,
      admittedSessions: this.reservations.size,
      waitingAtDoor: this.line.size,
      refusedAtDoor: this.refusedAtDoor,
      refusedChunks: this.refusedChunks,
    };
  }

  /**
   * A `start` for a new session. `declaredSeconds` is the client's `expected_seconds`, all
   * of which may arrive at once (a file, an outbox catching up). A session that declares
   * nothing is taken to be live: it sends in real time, so within the target it adds at
   * most the target's length of audio.
   */
  admitSession(sessionId: string, declaredSeconds?: number): DoorDecision {
    if (this.reservations.has(sessionId) || !this.enabled) return { ok: true };
    this.expireWaiters();
    this.sweepNowAndThen();
    const want = Math.min(this.maxReservation, declaredSeconds ?? this.maxWaitSeconds);
    // Those refused before this session come back first: their audio counts as ahead.
    const { count: position, seconds: ahead } = this.line.ahead(sessionId);
    const rate = this.rate();
    const backlog = this.load.backlogSeconds();
    const queued = backlog + this.reservedSeconds;
    const waitSeconds = (queued + ahead + want) / rate;
    // Every worker gets a session even when one session alone exceeds the target (a slow
    // engine), unless the queue is over the target already; and an idle gateway admits
    // anything: nothing is refused forever.
    const underStaffed =
      ahead === 0 &&
      this.reservations.size < Math.max(1, this.load.workers()) &&
      backlog / rate < this.maxWaitSeconds;
    if (waitSeconds <= this.maxWaitSeconds || underStaffed || (queued <= 0 && ahead === 0)) {
      this.line.leave(sessionId);
      const now = this.now();
      this.reservations.set(sessionId, { remaining: want, lastUsedAt: now, admittedAt: now });
      this.reservedSeconds += want;
      return { ok: true };
    }
    this.refusedAtDoor++;
    // Back when the queue has drained enough for those ahead and for this session.
    const excess = queued + ahead + want - this.maxWaitSeconds * rate;
    const retryAfterMs = clampRetry((excess / rate) * 1000);
    const expiresAt = this.now() + retryAfterMs * 2 + WAITER_GRACE_MS;
    if (this.line.size < MAX_WAITERS || this.line.has(sessionId)) this.line.join(sessionId, want, expiresAt);
    return { ok: false, retryAfterMs, expectedWaitMs: Math.round(waitSeconds * 1000), position };
  }

  /**
   * A chunk of an admitted session: taken under its reservation. A session that outruns
   * its reservation (or was never admitted here, e.g. resumed from another gateway) is
   * taken while the expected wait allows, or while nobody waits at the door (then the
   * wait it adds is its own); past that, a per-chunk `busy` is the last resort.
   */
  admitChunk(sessionId: string, audioSeconds: number): ChunkDecision {
    // Audio beyond a reservation is admitted now, and queues behind all admitted before it.
    const admittedNow = { ok: true, admittedAt: this.now() } as const;
    if (!this.enabled) return admittedNow;
    const reservation = this.reservations.get(sessionId);
    if (reservation && reservation.remaining >= audioSeconds)
      return { ok: true, admittedAt: reservation.admittedAt };
    const backlog = this.load.backlogSeconds();
    const rate = this.rate();
    // What this chunk would wait behind: the queue, and what other admitted sessions may
    // still send (its own reservation is this chunk, in part).
    const ahead = backlog + this.reservedSeconds - (reservation?.remaining ?? 0);
    const waitSeconds = (ahead + audioSeconds) / rate;
    if (waitSeconds <= this.maxWaitSeconds || backlog <= 0) return admittedNow;
    this.sweepNowAndThen();
    if (this.line.size === 0) return admittedNow;
    this.refusedChunks++;
    const excess = ahead + audioSeconds - this.maxWaitSeconds * rate;
    return {
      ok: false,
      retryAfterMs: clampRetry((excess / rate) * 1000),
      expectedWaitMs: Math.round(waitSeconds * 1000),
    };
  }

  /** A chunk was queued: its audio moves from the session's reservation into the backlog. */
  chunkQueued(sessionId: string, audioSeconds: number): void {
    const reservation = this.reservations.get(sessionId);
    if (!reservation) return;
    const covered = Math.min(reservation.remaining, audioSeconds);
    reservation.remaining -= covered;
    reservation.lastUsedAt = this.now();
    this.reservedSeconds = Math.max(0, this.reservedSeconds - covered);
  }

  /** The session asked to finish: no more audio is expected from it. */
  finished(sessionId: string): void {
    const reservation = this.reservations.get(sessionId);
    if (!reservation) return;
    this.reservedSeconds = Math.max(0, this.reservedSeconds - reservation.remaining);
    reservation.remaining = 0;
  }

  /** The session ended (final result, forgotten, swept): its reservation goes. */
  release(sessionId: string): void {
    this.line.leave(sessionId);
    const reservation = this.reservations.get(sessionId);
    if (!reservation) return;
    this.reservations.delete(sessionId);
    this.reservedSeconds = Math.max(0, this.reservedSeconds - reservation.remaining);
    if (this.reservations.size === 0) this.reservedSeconds = 0; // float drift: none means zero
  }

  /**
   * A session that started and then sent nothing for a while gives its reservation back:
   * otherwise a client could hold the door shut by starting sessions it never uses. Its
   * later chunks are taken while the wait allows, like any session past its reservation.
   */
  private sweepNowAndThen(): void {
    const now = this.now();
    if (now - this.lastLapseSweep < LAPSE_SWEEP_MS) return;
    this.lastLapseSweep = now;
    this.expireWaiters();
    for (const reservation of this.reservations.values()) {
      if (reservation.remaining > 0 && now - reservation.lastUsedAt > this.reservationIdleMs) {
        this.reservedSeconds = Math.max(0, this.reservedSeconds - reservation.remaining);
        reservation.remaining = 0;
      }
    }
  }

  private rate(): number {
    // Never zero: an unmeasured queue is taken to run in real time.
    return Math.max(0.01, this.load.throughput());
  }

  private expireWaiters(): void {
    this.line.expire(this.now());
  }
}

function clampRetry(ms: number): number {
  return Math.round(Math.min(MAX_RETRY_MS, Math.max(MIN_RETRY_MS, ms)));
}

/** Admission over a task queue's backlog and throughput. */
export function admissionFor(queue: TaskQueue, options: AdmissionOptions): AdmissionControl {
  return new AdmissionControl(
    {
      backlogSeconds: () => queue.stats().backlogSeconds,
      throughput: () => queue.throughput(),
      workers: () => queue.stats().workers,
    },
    options,
  );
}
