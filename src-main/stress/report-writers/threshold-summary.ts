// The k6-style threshold summary printed at the end of `earshot stress`: each threshold
// with ✓ or ✗, its expression and the value the run measured (docs/stress.md "Thresholds").
import type { ThresholdResult } from '../thresholds.js';

/** A number as the report holds it, grouped for reading: 6151.2 -> "6,151.2", 0.0123 -> "0.0123". */
export function formatThresholdValue(value: number): string {
  return Number.isInteger(value) || Math.abs(value) >= 1000
    ? value.toLocaleString('en-US', { maximumFractionDigits: 1 })
    : String(value);
}

/** "p99_final_ms was 6,151 (must be < 5000)": the failure text of JUnit and the view. */
export function describeThresholdResult(t: ThresholdResult): string {
  return `${t.metric} was ${formatThresholdValue(t.value)} (must be ${t.operator} ${t.limit})`;
}

export function renderThresholdSummary(results: readonly ThresholdResult[]): string {
  if (results.length === 0) return '';
  const passed = results.filter((t) => t.passed).length;
  const width = Math.max(...results.map((t) => t.expression.length));
  const lines = [
    `thresholds: ${passed} of ${results.length} passed`,
    ...results.map(
      (t) =>
        `  ${t.passed ? '✓' : '✗'} ${t.expression.padEnd(width)}  ${t.metric}=${formatThresholdValue(t.value)}`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}
