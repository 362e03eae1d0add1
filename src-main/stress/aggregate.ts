// Merges what the worker threads report into run totals and a per-second time series.
// Counters arrive cumulative per worker (sum of the latest); latencies arrive as the values
// recorded since the thread's previous report (recorded into the run's totals and into the
// current second's histograms).
import type { Histogram } from 'hdr-histogram-js';
import {
  LATENCY_METRICS,
  summarize,
  endedOf,
  errorsOf,
  newHistogram,
  sumCounters,
  type Counters,
  type LatencyMetric,
  type LatencySummary,
} from './metrics.js';
import type { ResourceSample } from './resources.js';
import type { WorkerTick } from './worker-messages.js';

/** One second of the run, as the engine counts it (the dashboard and the report read it; the app maps it to the API's StressSnapshot). */
export interface StressSecond {
  /** Seconds since the start. */
  t: number;
  phase: 'running' | 'draining' | 'done';
  /** Per second: sessions begun, and connection attempts (a session told to come back later makes more than one). */
  sessions: number;
  attempts: number;
  started: number;
  completed: number;
  errors: number;
  chunks_sent: number;
  bytes_sent: number;
  /** Gauges. */
  open_connections: number;
  peak_connections: number;
  in_flight: number;
  /** Latencies recorded in this second (ms; 0 when none). */
  p50_final_ms: number;
  p99_final_ms: number;
  p99_connect_ms: number;
  p99_chunk_ack_ms: number;
  client_cpu_percent: number;
  client_rss_mb: number;
  gateway_cpu_percent: number | null;
  gateway_rss_mb: number | null;
  /** The gateway's event-loop lag p99 since the previous second, from its /metrics (null: not scraped). */
  gateway_lag_p99_ms: number | null;
  /** Cumulative totals so far. */
  totals: Counters;
}

/** The two latencies a user judges a run by, over the whole run so far. */
export interface RunLatency {
  /** `finish` sent -> `final_result`. */
  final: LatencySummary;
  /** connect begun -> `final_result`: what a user waits, door and queue included. */
  session: LatencySummary;
}

const mb = (bytes: number) => Math.round((bytes / 1048576) * 10) / 10;

export class StressAggregator {
  private readonly latest = new Map<number, Counters>();
  private readonly inFlight = new Map<number, number>();
  private readonly phases = new Map<number, WorkerTick['phase']>();
  readonly totals = new Map<LatencyMetric, Histogram>();
  /** The current second's; emptied (not replaced) at each snapshot. */
  private readonly interval = new Map<LatencyMetric, Histogram>();
  private previous: Counters = {};
  readonly series: StressSecond[] = [];

  constructor(private readonly workerCount: number) {
    for (const metric of LATENCY_METRICS) this.totals.set(metric, newHistogram());
  }

  /** Worker reports received since the last snapshot. */
  ticksSinceSnapshot = 0;

  accept(tick: WorkerTick): void {
    this.ticksSinceSnapshot++;
    this.latest.set(tick.workerIndex, tick.counters);
    this.inFlight.set(tick.workerIndex, tick.inFlight);
    this.phases.set(tick.workerIndex, tick.phase);
    for (const [metric, values] of Object.entries(tick.latencies) as [LatencyMetric, number[]][]) {
      const total = this.totals.get(metric)!;
      let current = this.interval.get(metric);
      if (!current) this.interval.set(metric, (current = newHistogram()));
      for (const value of values) {
        total.recordValue(value);
        current.recordValue(value);
      }
    }
  }

  counters(): Counters {
    const sum: Counters = {};
    for (const counters of this.latest.values()) sumCounters(sum, counters);
    return sum;
  }

  phase(): StressSecond['phase'] {
    const phases = [...this.phases.values()];
    if (phases.length === this.workerCount && phases.every((p) => p === 'done')) return 'done';
    return phases.some((p) => p !== 'running') ? 'draining' : 'running';
  }

  /** Closes the current second and appends it to the series. */
  snapshot(
    t: number,
    gauge: { current: number; peak: number },
    client: ResourceSample,
    gateway: ResourceSample | undefined,
    gatewayLagP99Ms: number | null = null,
  ): StressSecond {
    const totals = this.counters();
    const delta = (name: string) => (totals[name] ?? 0) - (this.previous[name] ?? 0);
    const p = (metric: LatencyMetric, percentile: number) => {
      const h = this.interval.get(metric);
      return h && h.totalCount > 0 ? h.getValueAtPercentile(percentile) : 0;
    };
    const snapshot: StressSecond = {
      t,
      phase: this.phase(),
      sessions: delta('sessions'),
      attempts: delta('attempts'),
      started: delta('started'),
      completed: delta('completed'),
      errors: errorsOf(totals) - errorsOf(this.previous),
      chunks_sent: delta('chunks_sent'),
      bytes_sent: delta('bytes_sent'),
      open_connections: gauge.current,
      peak_connections: gauge.peak,
      in_flight: [...this.inFlight.values()].reduce((a, b) => a + b, 0),
      p50_final_ms: p('final', 50),
      p99_final_ms: p('final', 99),
      p99_connect_ms: p('connect', 99),
      p99_chunk_ack_ms: p('chunk_ack', 99),
      client_cpu_percent: Math.round(client.cpuPercent * 10) / 10,
      client_rss_mb: mb(client.rssBytes),
      gateway_cpu_percent: gateway ? Math.round(gateway.cpuPercent * 10) / 10 : null,
      gateway_rss_mb: gateway ? mb(gateway.rssBytes) : null,
      gateway_lag_p99_ms: gatewayLagP99Ms,
      totals,
    };
    this.previous = totals;
    for (const histogram of this.interval.values()) histogram.reset();
    this.ticksSinceSnapshot = 0;
    this.series.push(snapshot);
    return snapshot;
  }

  /**
   * Run-wide latencies so far, from the merged histograms of every second: what the
   * report's latency_ms will say, not the last second's.
   */
  runLatency(): RunLatency {
    return { final: summarize(this.totals.get('final')), session: summarize(this.totals.get('session')) };
  }

  ended(): number {
    return endedOf(this.counters());
  }
}
