// Pure arithmetic of the load models: ramp stages and each worker thread's share.

import type { Stage } from './config.js';

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
 * Open model arrivals: how many sessions to start now, carrying the fraction over.
 * `rate` is per second for this worker, `dtMs` the time since the last call.
 */
export class ArrivalClock {
  private owed = 0;

  due(rate: number, dtMs: number): number {
    this.owed += (rate * Math.max(0, dtMs)) / 1000;
    const whole = Math.floor(this.owed);
    this.owed -= whole;
    return whole;
  }
}

/** The backoff RNG seed of one closed-model slot, so a seeded run's retry schedule can be replayed. */
export function slotSeed(seed: number, workerIndex: number, slot: number): number {
  return (seed * 7919 + workerIndex * 65_537 + slot) >>> 0;
}
