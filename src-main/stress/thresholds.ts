// k6-style pass/fail thresholds: "p99_final_ms<5000", "error_rate<0.01",
// "peak_connections>=500". A breached threshold makes `earshot stress` exit 99.
import { LATENCY_METRICS, OUTCOMES, type LatencyMetric } from './metrics.js';
import type { StressReport } from './report.js';

export const THRESHOLD_EXIT_CODE = 99;

// Two-character operators first, so that "<=" is not read as "<".
const OPERATORS = ['<=', '>=', '<', '>', '=='] as const;
type Operator = (typeof OPERATORS)[number];
const COMPARE: Record<Operator, (value: number, limit: number) => boolean> = {
  '<=': (v, l) => v <= l,
  '>=': (v, l) => v >= l,
  '<': (v, l) => v < l,
  '>': (v, l) => v > l,
  '==': (v, l) => v === l,
};

export interface Threshold {
  expression: string;
  metric: string;
  operator: Operator;
  limit: number;
}

export interface ThresholdResult extends Threshold {
  value: number;
  passed: boolean;
}

type ReportWithoutThresholds = Omit<StressReport, 'thresholds'>;

// One table: the names a threshold may use and where each value lives in the report.
const REPORT_METRICS: Record<string, (report: ReportWithoutThresholds) => number> = {
  error_rate: (r) => r.rates.error_rate,
  success_rate: (r) => r.rates.success_rate,
  peak_connections: (r) => r.connections.peak,
  attempted: (r) => r.sessions.attempted,
  started: (r) => r.sessions.started,
  completed: (r) => r.sessions.completed,
  attempts_per_second: (r) => r.rates.attempts_per_second,
  completed_per_second: (r) => r.rates.completed_per_second,
};
const RATE_METRICS = Object.keys(REPORT_METRICS);
const LATENCY = new RegExp(`^(p50|p90|p99|max|mean)_(${LATENCY_METRICS.join('|')})_ms$`);

export function knownThresholdMetrics(): string[] {
  return [
    ...RATE_METRICS,
    ...OUTCOMES.map((o) => `${o}_count`),
    'p99_<metric>_ms (metric: ' + LATENCY_METRICS.join(', ') + '; also p50, p90, max, mean)',
  ];
}

export function parseThreshold(expression: string): Threshold {
  const text = expression.replace(/\s+/g, '');
  const operator = OPERATORS.find((op) => text.includes(op));
  if (!operator) throw new RangeError(`threshold "${expression}" needs a comparison like p99_final_ms<5000`);
  const [metric, limitText] = text.split(operator);
  const limit = Number(limitText);
  if (!limitText || !Number.isFinite(limit))
    throw new RangeError(`threshold "${expression}": "${limitText}" is not a number`);
  if (
    !LATENCY.test(metric) &&
    !RATE_METRICS.includes(metric) &&
    !OUTCOMES.some((o) => `${o}_count` === metric)
  ) {
    throw new RangeError(
      `threshold "${expression}": unknown metric "${metric}"; known: ${knownThresholdMetrics().join(', ')}`,
    );
  }
  return { expression, metric, operator, limit };
}

export function thresholdValue(report: ReportWithoutThresholds, metric: string): number {
  const latency = LATENCY.exec(metric);
  if (latency) return report.latency_ms[latency[2] as LatencyMetric][latency[1] as 'p50'];
  if (metric.endsWith('_count'))
    return report.outcomes[metric.slice(0, -'_count'.length) as keyof StressReport['outcomes']] ?? 0;
  const read = Object.hasOwn(REPORT_METRICS, metric) ? REPORT_METRICS[metric] : undefined;
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
