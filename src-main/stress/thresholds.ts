// k6-style thresholds evaluated against a finished run's report. The grammar and the
// names are shared (src-shared/stress/thresholds.ts); a breached threshold makes
// `earshot stress` exit 99.
import {
  THRESHOLD_LATENCY,
  type Threshold,
  type ThresholdOperator,
  type ThresholdRunMetric,
} from '../../src-shared/stress/thresholds.js';
import type { LatencyMetric } from './metrics.js';
import type { StressReport } from './report.js';

export { knownThresholdMetrics, parseThreshold, type Threshold } from '../../src-shared/stress/thresholds.js';

export const THRESHOLD_EXIT_CODE = 99;

const COMPARE: Record<ThresholdOperator, (value: number, limit: number) => boolean> = {
  '<=': (v, l) => v <= l,
  '>=': (v, l) => v >= l,
  '<': (v, l) => v < l,
  '>': (v, l) => v > l,
  '==': (v, l) => v === l,
};

export interface ThresholdResult extends Threshold {
  value: number;
  passed: boolean;
}

type ReportWithoutThresholds = Omit<StressReport, 'thresholds'>;

// One table: where each run figure a threshold may name lives in the report.
const REPORT_METRICS: Record<ThresholdRunMetric, (report: ReportWithoutThresholds) => number> = {
  error_rate: (r) => r.rates.error_rate,
  success_rate: (r) => r.rates.success_rate,
  peak_connections: (r) => r.connections.peak,
  attempted: (r) => r.sessions.attempted,
  started: (r) => r.sessions.started,
  completed: (r) => r.sessions.completed,
  attempts_per_second: (r) => r.rates.attempts_per_second,
  completed_per_second: (r) => r.rates.completed_per_second,
};

export function thresholdValue(report: ReportWithoutThresholds, metric: string): number {
  const latency = THRESHOLD_LATENCY.exec(metric);
  if (latency) return report.latency_ms[latency[2] as LatencyMetric][latency[1] as 'p50'];
  if (metric.endsWith('_count'))
    return report.outcomes[metric.slice(0, -'_count'.length) as keyof StressReport['outcomes']] ?? 0;
  const read = Object.hasOwn(REPORT_METRICS, metric)
    ? REPORT_METRICS[metric as ThresholdRunMetric]
    : undefined;
  if (read) return read(report);
  throw new RangeError(`unknown threshold metric ${metric}`);
}

export function evaluateThresholds(
  report: ReportWithoutThresholds,
  thresholds: Threshold[],
): ThresholdResult[] {
  return thresholds.map((threshold) => {
    const value = thresholdValue(report, threshold.metric);
    const passed = COMPARE[threshold.operator](value, threshold.limit);
    return { ...threshold, value, passed };
  });
}
