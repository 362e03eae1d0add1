// Backlog-based admission (ARCHITECTURE.md): the bound is audio seconds queued or in
// progress, never the number of connections. A refused chunk learns when to come back
// from the measured throughput.

export interface BacklogBound {
  maxBacklogSeconds: number;
  workers: number;
}

const MIN_RETRY_MS = 250;
const MAX_RETRY_MS = 60_000;

/** Audio seconds recognised per second of engine time, smoothed over recent chunks. */
export class ThroughputMeter {
  private perWorker: number | undefined;

  record(audioSeconds: number, processingMs: number): void {
    if (audioSeconds <= 0) return;
    const rate = audioSeconds / Math.max(processingMs, 1) * 1000;
    this.perWorker = this.perWorker === undefined ? rate : this.perWorker * 0.8 + rate * 0.2;
  }

  /** Until measured, assume real time: a cautious guess for an unknown engine. */
  audioSecondsPerSecond(workers: number): number {
    return (this.perWorker ?? 1) * Math.max(1, workers);
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
  const drainMs = (excess / meter.audioSecondsPerSecond(bound.workers)) * 1000;
  const retryAfterMs = Math.round(Math.min(MAX_RETRY_MS, Math.max(MIN_RETRY_MS, drainMs)));
  return { ok: false, retryAfterMs, backlogSeconds };
}
