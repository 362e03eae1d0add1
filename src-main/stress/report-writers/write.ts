// Writes a report folder: report.json (every number), report.md, report.html, and for CI
// junit.xml (one testcase per threshold) and timeseries.csv (the per-second series).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StressReport } from '../report.js';
import { renderCsv } from './csv.js';
import { renderHtml } from './html.js';
import { renderJunit } from './junit.js';
import { renderMarkdown } from './markdown.js';

export interface WrittenReport {
  dir: string;
  json: string;
  markdown: string;
  html: string;
  junit: string;
  csv: string;
}

export function writeReportFolder(report: StressReport, dir: string): WrittenReport {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new RangeError(
      `cannot create report folder ${dir}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
  const out = {
    dir,
    json: join(dir, 'report.json'),
    markdown: join(dir, 'report.md'),
    html: join(dir, 'report.html'),
    junit: join(dir, 'junit.xml'),
    csv: join(dir, 'timeseries.csv'),
  };
  writeFileSync(out.json, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(out.markdown, `${renderMarkdown(report).trimEnd()}\n`);
  writeFileSync(out.html, renderHtml(report));
  writeFileSync(out.junit, renderJunit(report));
  writeFileSync(out.csv, renderCsv(report));
  return out;
}

/** stress-reports/2026-01-01T10-00-00-short-c500 */
export function defaultReportDir(report: StressReport, base = 'stress-reports'): string {
  const stamp = report.started_at.replace(/:/g, '-').replace(/\.\d+Z$/, '');
  const load =
    report.config.model === 'closed'
      ? `c${report.config.concurrency}`
      : `rate${report.config.ratePerSecond ?? 'staged'}`;
  return join(base, `${stamp}-${report.config.mode}-${load}`);
}
