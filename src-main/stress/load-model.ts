// Pure arithmetic of the load models: ramp stages and each worker thread's share.

import type { Stage } from '../../src-shared/stress/config.js';

/**
 * The target (rate or sessions in flight) `elapsedMs` into the run: each stage ramps
 * linearly from the previous target (the first from `initial`) to its own; after the
 * last stage the last target holds. Without stages the target is `initial`.
 */
export function targetAt(stages: readonly Stage[], elapsedMs: number, initial: number): number {
  let from = initial;
  let stageStart = 0;
  for (const stage of stages) {
    if (elapsedMs < stageStart + stage.durationMs) {
      const progress = (elapsedMs - stageStart) / stage.durationMs;
      return from + (stage.target - from) * Math.max(0, progress);
    }
    from = stage.target;
    stageStart += stage.durationMs;
  }
  return from;
}

/** Worker `index`'s whole share of `total` items over `count` workers (shares sum to total). */
export function shareOf(total: number, index: number, count: number): number {
  const whole = Math.floor(total);
  return Math.floor(whole / count) + (index < whole % count ? 1 : 0);
}

/**
 * Open model arrivals of one worker thread. Every worker integrates the whole run's rate
 * and takes every `workers`-th arrival of that one sequence, so the threads together start
 * exactly what the rate owes (two threads at 15/s each for 1.5 s would each round 22.5 down).
 */
export class ArrivalClock {
  private arrivals = 0;
  private launched = 0;

  constructor(
    private readonly worker = 0,
    private readonly workers = 1,
  ) {}

  /** Sessions this worker starts now; `rate` is the whole run's per second, `dtMs` the time since the last call. */
  due(rate: number, dtMs: number): number {
    this.arrivals += (rate * Math.max(0, dtMs)) / 1000;
    // The epsilon keeps float sums such as 0.1 * 1000 from falling just short of a whole arrival.
    const mine = shareOf(this.arrivals + 1e-9, this.worker, this.workers);
    const now = mine - this.launched;
    this.launched = mine;
    return now;
  }

  /**
   * Milliseconds until this worker's next arrival at `rate` (the whole run's per second),
   * so the thread sleeps until then instead of waking on a fixed step: Infinity at rate 0.
   */
  msUntilNext(rate: number): number {
    if (!(rate > 0)) return Infinity;
    // This worker's next arrival is number workers * launched + worker + 1 of the sequence.
    const next = this.workers * this.launched + this.worker + 1;
    return (Math.max(0, next - this.arrivals) * 1000) / rate;
  }
}

/** The backoff RNG seed of one closed-model slot, so a seeded run's retry schedule can be replayed. */
export function slotSeed(seed: number, workerIndex: number, slot: number): number {
  return (seed * 7919 + workerIndex * 65_537 + slot) >>> 0;
}
