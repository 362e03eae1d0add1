// JUnit XML for CI: one <testcase> per threshold, a <failure> carrying the measured value
// when it is breached (docs/stress.md "Output"). CI systems read this format to mark a
// pipeline step red and list what failed; the run's numbers stay in report.json.
import type { StressReport } from '../report.js';
import { describeThresholdResult } from './threshold-summary.js';

/** XML attribute and text escaping: expressions hold < and >. */
function xml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

export function suiteName(report: StressReport): string {
  const load =
    report.config.model === 'closed'
      ? `c${report.config.concurrency}`
      : `rate ${report.config.ratePerSecond ?? 'staged'}`;
  return `earshot stress ${report.config.mode} ${load}`;
}

export function renderJunit(report: StressReport): string {
  const failures = report.thresholds.filter((t) => !t.passed).length;
  const tests = report.thresholds.length;
  const time = report.wall_seconds.toFixed(1);
  const name = xml(suiteName(report));
  const properties = [
    ['url', report.config.url],
    ['mode', report.config.mode],
    ['model', report.config.model],
    ['attempted', String(report.sessions.attempted)],
    ['completed', String(report.sessions.completed)],
    ['success_rate', String(report.rates.success_rate)],
    ...(report.config.insecure ? [['tls_verification', 'OFF (--insecure)']] : []),
  ];
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="earshot stress" tests="${tests}" failures="${failures}" errors="0" time="${time}">`,
    `  <testsuite name="${name}" tests="${tests}" failures="${failures}" errors="0" skipped="0" time="${time}" timestamp="${xml(report.started_at)}">`,
    '    <properties>',
    ...properties.map(([key, value]) => `      <property name="${xml(key)}" value="${xml(value)}"/>`),
    '    </properties>',
  ];
  for (const t of report.thresholds) {
    const open = `    <testcase classname="${name}.thresholds" name="${xml(t.expression)}" time="0"`;
    if (t.passed) {
      lines.push(`${open}/>`);
      continue;
    }
    const message = describeThresholdResult(t);
    lines.push(
      `${open}>`,
      `      <failure type="threshold" message="${xml(message)}">${xml(message)}</failure>`,
      '    </testcase>',
    );
  }
  lines.push('  </testsuite>', '</testsuites>', '');
  return lines.join('\n');
}
