// k6-style pass/fail thresholds: "p99_final_ms<5000", "error_rate<0.01",
// "peak_connections>=500". Parsed here, where the CLI, a scenario file and the Stress
// view's form all check them the same way; evaluated against a report in main
// (src-main/stress/thresholds.ts).
import { LATENCY_METRICS, OUTCOMES } from './metric-names.js';

// Two-character operators first, so that "<=" is not read as "<".
export const THRESHOLD_OPERATORS = ['<=', '>=', '<', '>', '=='] as const;
export type ThresholdOperator = (typeof THRESHOLD_OPERATORS)[number];

/** Figures of the whole run a threshold may name besides latencies and `<outcome>_count`. */
export const THRESHOLD_RUN_METRICS = [
  'error_rate',
  'success_rate',
  'peak_connections',
  'attempted',
  'started',
  'completed',
  'attempts_per_second',
  'completed_per_second',
] as const;
export type ThresholdRunMetric = (typeof THRESHOLD_RUN_METRICS)[number];

export const THRESHOLD_LATENCY = new RegExp(`^(p50|p90|p99|max|mean)_(${LATENCY_METRICS.join('|')})_ms$`);

export interface Threshold {
  expression: string;
  metric: string;
  operator: ThresholdOperator;
  limit: number;
}

export function knownThresholdMetrics(): string[] {
  return [
    ...THRESHOLD_RUN_METRICS,
    ...OUTCOMES.map((o) => `${o}_count`),
    'p99_<metric>_ms (metric: ' + LATENCY_METRICS.join(', ') + '; also p50, p90, max, mean)',
  ];
}

export function parseThreshold(expression: string): Threshold {
  const text = expression.replace(/\s+/g, '');
  const operator = THRESHOLD_OPERATORS.find((op) => text.includes(op));
  if (!operator) throw new RangeError(`threshold "${expression}" needs a comparison like p99_final_ms<5000`);
  const [metric, limitText] = text.split(operator);
  const limit = Number(limitText);
  if (!limitText || !Number.isFinite(limit))
    throw new RangeError(`threshold "${expression}": "${limitText}" is not a number`);
  if (
    !THRESHOLD_LATENCY.test(metric) &&
    !(THRESHOLD_RUN_METRICS as readonly string[]).includes(metric) &&
    !OUTCOMES.some((o) => `${o}_count` === metric)
  ) {
    throw new RangeError(
      `threshold "${expression}": unknown metric "${metric}"; known: ${knownThresholdMetrics().join(', ')}`,
    );
  }
  return { expression, metric, operator, limit };
}
