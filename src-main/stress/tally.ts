// What one stress worker thread counts: flat cumulative counters (so merging threads is a
// sum) and the latencies recorded since its last report, as plain milliseconds. The main
// thread records them into the run's HDR histograms (src-main/stress/aggregate.ts): a
// thread ships a few hundred numbers a second, cheaper to copy than to keep, encode,
// compress, decode and merge a histogram of ~13,000 buckets per metric four times a
// second, and it need not load the histogram library at all.
import type { LatencyMetric, Outcome } from '../../src-shared/stress/metric-names.js';

export type Counters = Record<string, number>;

/** Latencies in whole ms, 1 ms .. 1 h (the histograms' range; values outside are clamped, not lost). */
export type Latencies = Partial<Record<LatencyMetric, number[]>>;

export const LATENCY_MIN_MS = 1;
export const LATENCY_MAX_MS = 3_600_000;

export class Tally {
  readonly counters: Counters = {};
  private latencies: Latencies = {};

  add(name: string, by = 1): void {
    this.counters[name] = (this.counters[name] ?? 0) + by;
  }

  end(outcome: Outcome, detail?: string | number): void {
    this.add(outcome);
    if (detail !== undefined) this.add(`${outcome}:${detail}`);
  }

  record(metric: LatencyMetric, ms: number): void {
    (this.latencies[metric] ??= []).push(Math.min(LATENCY_MAX_MS, Math.max(LATENCY_MIN_MS, Math.round(ms))));
  }

  /** The latencies recorded since the last call, by metric (metrics without any left out); starts afresh. */
  drainLatencies(): Latencies {
    const out = this.latencies;
    this.latencies = {};
    return out;
  }
}
