// The hard ceiling behind admission by expected wait (server/admission.ts; docs/protocol.md):
// audio seconds queued or in progress, never the number of connections. A refused chunk learns when to come back
// from the measured drain rate, so refused clients do not come back sooner than the
// queue can make room for them.
import { ENGINE_SHARE } from '../types.js';

export interface BacklogBound {
  maxBacklogSeconds: number;
  workers: number;
}

const MIN_RETRY_MS = 250;
const MAX_RETRY_MS = 60_000;
const WINDOW_MS = 5_000;
/** Each decode's weight in the engine's speed fades by this per later decode (~30 decodes matter). */
const ENGINE_DECAY = 0.97;
/** Engine ms per audio second below which a measurement is not trusted (decodes timed at ~0 ms). */
const MIN_ENGINE_MS = 0.001;

/**
 * Audio seconds the workers actually complete per wall-clock second, over the last few
 * seconds. Engine time alone would overstate it: message passing and the gateway's own
 * work count too.
 */
export class ThroughputMeter {
  // A queue of completions in two arrays read from `head`, with their sum kept as they come
  // and go: admission asks for the rate on every `start` and chunk, and under a storm
  // thousands complete within the window, so a pass over them per question held the
  // gateway's event loop (docs/gateway.md, "Reconnect storms").
  private at: number[] = [];
  private seconds: number[] = [];
  private head = 0;
  private sum = 0;
  private engineAudioSeconds = 0;
  private engineMs = 0;

  record(audioSeconds: number, processingMs: number, now = Date.now()): void {
    this.at.push(now);
    this.seconds.push(audioSeconds);
    this.sum += audioSeconds;
    this.trim(now);
    this.calibrate(audioSeconds, processingMs);
  }

  /**
   * Adds one decode to the engine's speed: also one that was not a task (a worker's warm-up).
   * The speed is recent audio over recent decode time, each summed with the same decay, not
   * an average of per-chunk speeds: an engine that decodes nine chunks in no time and sleeps
   * on the tenth (synthetic.ts, CostPacer) runs at the sums' speed, while averaging per-chunk
   * speeds, each clamped to 1 ms, read ten times too slow and starved the workers of prefetch
   * (docs/benchmarks.md, "Live streams").
   */
  calibrate(audioSeconds: number, processingMs: number): void {
    if (!(audioSeconds > 0) || !(processingMs >= 0)) return;
    this.engineAudioSeconds = this.engineAudioSeconds * ENGINE_DECAY + audioSeconds;
    this.engineMs = this.engineMs * ENGINE_DECAY + processingMs;
  }

  private trim(now: number): void {
    while (this.head < this.at.length && now - this.at[this.head] > WINDOW_MS)
      this.sum -= this.seconds[this.head++];
    if (this.head === this.at.length) {
      // Empty: start over, and the sum's float drift with it.
      this.at = [];
      this.seconds = [];
      this.head = 0;
      this.sum = 0;
    } else if (this.head > 1024 && this.head * 2 > this.at.length) {
      this.at = this.at.slice(this.head);
      this.seconds = this.seconds.slice(this.head);
      this.head = 0;
    }
  }

  /** Engine ms one worker spends per audio second, once any chunk has been measured. */
  engineMsPerAudioSecond(): number | undefined {
    return this.engineAudioSeconds > 0 ? this.engineMs / this.engineAudioSeconds : undefined;
  }

  /** Audio seconds one worker's engine decodes per second of its time. */
  private perWorkerEngineRate(): number | undefined {
    const msPerAudioSecond = this.engineMsPerAudioSecond();
    return msPerAudioSecond === undefined ? undefined : 1000 / Math.max(msPerAudioSecond, MIN_ENGINE_MS);
  }

  /**
   * What the workers can complete per second. Completions measure it only while they are
   * saturated; under a light load they measure the load, so the engine's own speed times
   * the workers (less a share for message passing) is the floor.
   */
  audioSecondsPerSecond(workers: number, now = Date.now()): number {
    this.trim(now);
    const engineBound = (this.perWorkerEngineRate() ?? 1) * Math.max(1, workers) * ENGINE_SHARE;
    if (this.at.length - this.head >= 2) {
      const span = Math.max(now - this.at[this.head], 250);
      if (this.sum > 0) return Math.max((this.sum / span) * 1000, engineBound);
    }
    // Nothing measured recently: the engine's own speed, or real time for an unknown engine.
    return engineBound;
  }
}

export function admitChunk(
  backlogSeconds: number,
  audioSeconds: number,
  bound: BacklogBound,
  meter: ThroughputMeter,
): { ok: true } | { ok: false; retryAfterMs: number; backlogSeconds: number } {
  // An idle queue takes any chunk, however long, so nothing is refused forever.
  if (backlogSeconds <= 0 || backlogSeconds + audioSeconds <= bound.maxBacklogSeconds) return { ok: true };
  const excess = backlogSeconds + audioSeconds - bound.maxBacklogSeconds;
  // Everyone refused in the same instant would get the same estimate and come back
  // together; spreading it over [1x, 2x) keeps a refused crowd from returning as a herd.
  const drainMs = (excess / meter.audioSecondsPerSecond(bound.workers)) * 1000 * (1 + Math.random());
  const retryAfterMs = Math.round(Math.min(MAX_RETRY_MS, Math.max(MIN_RETRY_MS, drainMs)));
  return { ok: false, retryAfterMs, backlogSeconds };
}
