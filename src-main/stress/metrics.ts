// What a stress run counts. Each worker thread keeps a Tally (./tally.ts): cumulative
// counters and the latencies of the moment; the main thread keeps one HDR histogram per
// latency metric for the run and one for the current second.
import { build, type Histogram } from 'hdr-histogram-js';
import { OUTCOMES, type LatencyMetric } from '../../src-shared/stress/metric-names.js';
import { LATENCY_MAX_MS, LATENCY_MIN_MS, type Counters } from './tally.js';

export {
  LATENCY_METRICS,
  OUTCOMES,
  type LatencyMetric,
  type Outcome,
} from '../../src-shared/stress/metric-names.js';
export { Tally, type Counters, type Latencies } from './tally.js';

export const LATENCY_DESCRIPTIONS: Record<LatencyMetric, string> = {
  connect: 'TCP + WebSocket upgrade',
  first_ack: '`start` sent -> `session_started` ack',
  door_wait:
    'first `start` answered `busy` -> admitted (waiting at the door, sessions refused at start only)',
  comeback: 'storm drop -> the session resumed on a new connection (its `start` acked)',
  chunk_ack: 'chunk sent -> its ack',
  first_chunk_result: 'first chunk sent -> first `chunk_result`',
  final: '`finish` sent -> `final_result`',
  session: 'connect begun -> `final_result`',
};

/** Plain counters; detailed ones are "class:detail", e.g. "rejected:503", "timeout:final". */
export const COUNTERS = [
  'sessions', // sessions begun
  'attempts', // connection attempts (a storm's reconnects included)
  'started',
  'completed',
  'completed_partial', // final_result lacking chunks: merge timed out, or chunks failed with no result
  'chunks_sent',
  'chunks_acked',
  'bytes_sent',
  'chunk_results',
  'busy_replies',
  'busy_at_start', // `start` answered busy: the session waited at the door, no audio sent
  'chunks_refused', // chunks answered busy after crossing the network, sent again
  'wasted_upload_bytes', // bytes of those refused chunks: uploaded for nothing
  'connections_opened',
  'storm_drops', // sessions a storm cut off (cut again before they were back: once)
  'resumed',
  'upgrades_deferred', // a first connect answered 503 + Retry-After: waited at the door, tried again
  'comebacks_refused', // a storm comeback's upgrade refused (503 while the gateway sheds), tried again
  'comeback_retries', // a storm comeback tried again after a refusal or a failed connect
  'comeback_restarted', // a storm comeback the gateway started afresh instead of resuming
  'comeback_lost', // a session dropped by a storm that ended before it was back
  'pings',
] as const;
export type Counter = (typeof COUNTERS)[number];

export function newHistogram(): Histogram {
  // 1 ms .. 1 h at 3 significant digits; values above are clamped, not lost.
  return build({
    lowestDiscernibleValue: LATENCY_MIN_MS,
    highestTrackableValue: LATENCY_MAX_MS,
    numberOfSignificantValueDigits: 3,
    autoResize: false,
  });
}

export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export function summarize(histogram: Histogram | undefined): LatencySummary {
  if (!histogram || histogram.totalCount === 0) return { count: 0, p50: 0, p90: 0, p99: 0, max: 0, mean: 0 };
  return {
    count: histogram.totalCount,
    p50: histogram.getValueAtPercentile(50),
    p90: histogram.getValueAtPercentile(90),
    p99: histogram.getValueAtPercentile(99),
    // The highest value of the largest one's bucket: maxValue itself is that once merged from
    // another histogram, the exact value once recorded directly; the report says the former.
    max: histogram.getValueAtPercentile(100),
    mean: Math.round(histogram.mean * 10) / 10,
  };
}

/** Sum of counters whose name starts with `prefix:` -> { detail: count }. */
export function detailsOf(counters: Counters, outcome: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, value] of Object.entries(counters)) {
    if (name.startsWith(`${outcome}:`)) out[name.slice(outcome.length + 1)] = value;
  }
  return out;
}

export function sumCounters(target: Counters, add: Counters): void {
  for (const [name, value] of Object.entries(add)) target[name] = (target[name] ?? 0) + value;
}

export function errorsOf(counters: Counters): number {
  return OUTCOMES.filter((o) => o !== 'ok').reduce((sum, o) => sum + (counters[o] ?? 0), 0);
}

export function endedOf(counters: Counters): number {
  return OUTCOMES.reduce((sum, o) => sum + (counters[o] ?? 0), 0);
}
