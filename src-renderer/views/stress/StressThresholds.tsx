// The run's thresholds: while it runs, the expressions it will be judged by; once it has
// finished, each with ✓ or ✗ and the value the run measured (the report's, from main),
// like `earshot stress`'s summary on the console (docs/stress.md "Thresholds").
import type { ThresholdResultView } from '../../../src-shared/api/stress.js';

/** 6151.2 -> "6,151.2"; rates keep their digits (0.0123). */
function measured(value: number): string {
  return Number.isInteger(value) || Math.abs(value) >= 1000
    ? value.toLocaleString('en-US', { maximumFractionDigits: 1 })
    : String(value);
}

export interface StressThresholdsProps {
  /** The expressions of the current run's request (shown pending until it finishes). */
  expressions: readonly string[];
  /** The finished run's results; undefined while it runs. */
  results: readonly ThresholdResultView[] | undefined;
}

export function StressThresholds({ expressions, results }: StressThresholdsProps) {
  if (!results?.length && expressions.length === 0) return null;
  const passed = results?.filter((t) => t.passed).length ?? 0;
  return (
    <section className="card" aria-labelledby="stress-thresholds-title" data-testid="stress-thresholds">
      <h2 id="stress-thresholds-title">
        Thresholds
        {results && (
          <span
            className={`small threshold-count ${passed === results.length ? 'threshold-pass' : 'threshold-fail'}`}
            data-testid="stress-thresholds-summary"
          >
            {passed} of {results.length} passed
          </span>
        )}
      </h2>
      <ul className="threshold-list">
        {results
          ? results.map((t) => (
              <li
                key={t.expression}
                className={t.passed ? 'threshold-pass' : 'threshold-fail'}
                data-testid="stress-threshold"
                data-passed={t.passed}
              >
                <span className="threshold-mark" aria-label={t.passed ? 'passed' : 'failed'}>
                  {t.passed ? '✓' : '✗'}
                </span>
                <code>{t.expression}</code>
                <span className="threshold-value">
                  {t.metric} = <strong className="mono">{measured(t.value)}</strong>
                </span>
              </li>
            ))
          : expressions.map((expression) => (
              <li key={expression} className="threshold-pending" data-testid="stress-threshold">
                <span className="threshold-mark" aria-label="not checked yet">
                  …
                </span>
                <code>{expression}</code>
                <span className="threshold-value muted">checked when the run ends</span>
              </li>
            ))}
      </ul>
    </section>
  );
}
