// The seam between connections and recognizers. The gateway only takes work in and
// queues it; recognizer workers consume at their own pace (the seed's lesson). Two
// backends implement this: in-process (worker threads, the embedded default) and
// Redis Streams (scale-out, `--redis URL`).

import type { ModelInfo } from '../../src-shared/models/manifest.js';

export interface RecognitionTask {
  /** Unique per (session, chunk) delivery: `${sessionId}:${chunkIndex}`. */
  taskId: string;
  sessionId: string;
  chunkIndex: number;
  /** PCM16 mono 16 kHz samples, already validated by the gateway. */
  pcm: Int16Array;
  audioSeconds: number;
  /** Gateway instance that holds the session, so results can be routed back. */
  gatewayId: string;
  enqueuedAt: number;
  /**
   * When its audio was admitted (server/admission.ts): the session's admission for audio
   * it reserved, the chunk's arrival otherwise. The in-process queue serves in this order;
   * missing means enqueuedAt (the Redis stream is FIFO and does not carry it).
   */
  admittedAt?: number;
}

export interface RecognitionResult {
  taskId: string;
  sessionId: string;
  chunkIndex: number;
  /** Present when recognition succeeded (may be ''). */
  text?: string;
  /** Present when the chunk could not be recognised (engine error, dead letter). */
  error?: { code: string; message: string };
  workerId: string;
  /** ms the task waited before a worker took it. */
  queuedMs: number;
  /** ms the engine spent on it. */
  processingMs: number;
}

/** Open audio to preview (extension `provisional`): decoded only by an idle worker. */
export interface ProvisionalTask {
  sessionId: string;
  chunkIndex: number;
  pcm: Int16Array;
  audioSeconds: number;
}

export interface ProvisionalDecode {
  text?: string;
  error?: { code: string; message: string };
  processingMs: number;
}

/**
 * Of an engine's own speed, what a worker is taken to deliver once message passing and
 * the gateway's own work count: the throughput floor when completions measure only the load.
 */
export const ENGINE_SHARE = 0.8;

export type Admission = { ok: true } | { ok: false; retryAfterMs: number; backlogSeconds: number };

export interface QueueStats {
  /** Tasks waiting for a worker. */
  queued: number;
  /** Tasks a worker holds now. */
  processing: number;
  /** Tasks that ended in an error. */
  failed: number;
  workers: number;
  workersBusy: number;
  /** Audio seconds queued or in progress: the admission measure. */
  backlogSeconds: number;
}

export interface TaskQueue {
  readonly kind: 'memory' | 'redis';
  /** Resolves once workers are ready to take work (models loaded). */
  start(): Promise<void>;
  /**
   * The hard ceiling for a chunk of `audioSeconds` (--max-backlog-seconds): over it the
   * caller answers `busy` with `retryAfterMs`. Admission proper is by expected wait
   * (server/admission.ts). Never based on connection count.
   */
  admit(audioSeconds: number): Admission;
  /**
   * Audio seconds the recognizers complete per second: measured over the last seconds,
   * the engines' own speed when too little was measured. Sizes the expected wait.
   */
  throughput(): number;
  /** Resolves when the task is accepted by the queue (durable, for Redis). */
  enqueue(task: RecognitionTask): Promise<void>;
  /**
   * Extension `provisional` (docs/protocol.md): decodes `task` at once on a worker that
   * has nothing else to do, or returns undefined (dropped, never queued) when a real
   * chunk waits or no worker is idle. Its audio never counts in the backlog, admission,
   * throughput or results. Absent: the backend does not offer it (Redis), and the
   * gateway does not announce it.
   */
  provisional?(task: ProvisionalTask): Promise<ProvisionalDecode> | undefined;
  /** Every result of a task this gateway enqueued arrives here exactly once. */
  onResult(listener: (result: RecognitionResult) => void): void;
  stats(): QueueStats;
  /**
   * Tasks this gateway enqueued whose result has not come back (or been passed on to
   * another gateway) yet. Unlike stats(), never counts other gateways' work.
   */
  inFlight(): number;
  /** True once workers are loaded and able to take tasks. */
  ready(): boolean;
  /**
   * Engines of the live workers, when they run elsewhere (Redis: from their heartbeats),
   * sorted and unique. Absent: the workers run the gateway's own `--engine`.
   */
  workerEngines?(): string[];
  /** Models of the live workers, one entry per distinct model. */
  models(): ModelInfo[];
  /**
   * Graceful stop: no new tasks; in-flight ones finish (results still delivered) or,
   * past `graceMs`, are handed back (left in Redis for another gateway's workers).
   */
  close(graceMs?: number): Promise<void>;
}
