// k6-style pass/fail thresholds: "p99_final_ms<5000", "error_rate<0.01",
// "peak_connections>=500". A breached threshold makes `earshot stress` exit 99.
import { LATENCY_METRICS, OUTCOMES, type LatencyMetric } from './metrics.js';
import type { StressReport } from './report.js';

export const THRESHOLD_EXIT_CODE = 99;

const OPERATORS = ['<=', '>=', '<', '>', '=='] as const;
type Operator = (typeof OPERATORS)[number];

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

const RATE_METRICS = [
  'error_rate',
  'success_rate',
  'peak_connections',
  'attempted',
  'started',
  'completed',
  'attempts_per_second',
  'completed_per_second',
];
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

export function thresholdValue(report: Omit<StressReport, 'thresholds'>, metric: string): number {
  const latency = LATENCY.exec(metric);
  if (latency) return report.latency_ms[latency[2] as LatencyMetric][latency[1] as 'p50'];
  if (metric.endsWith('_count'))
    return report.outcomes[metric.slice(0, -'_count'.length) as keyof StressReport['outcomes']] ?? 0;
  switch (metric) {
    case 'error_rate':
      return report.rates.error_rate;
    case 'success_rate':
      return report.rates.success_rate;
    case 'peak_connections':
      return report.connections.peak;
    case 'attempted':
      return report.sessions.attempted;
    case 'started':
      return report.sessions.started;
    case 'completed':
      return report.sessions.completed;
    case 'attempts_per_second':
      return report.rates.attempts_per_second;
    case 'completed_per_second':
      return report.rates.completed_per_second;
  }
  throw new RangeError(`unknown threshold metric ${metric}`);
}

export function evaluateThresholds(
  report: Omit<StressReport, 'thresholds'>,
  thresholds: Threshold[],
): ThresholdResult[] {
  return thresholds.map((threshold) => {
    const value = thresholdValue(report, threshold.metric);
    const { operator, limit } = threshold;
    const passed =
      operator === '<'
        ? value < limit
        : operator === '<='
          ? value <= limit
          : operator === '>'
            ? value > limit
            : operator === '>='
              ? value >= limit
              : value === limit;
    return { ...threshold, value, passed };
  });
}
