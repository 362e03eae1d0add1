// Writes a report folder: report.json (every number), report.md, report.html.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StressReport } from '../report.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';

export interface WrittenReport {
  dir: string;
  json: string;
  markdown: string;
  html: string;
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
  };
  writeFileSync(out.json, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(out.markdown, `${renderMarkdown(report).trimEnd()}\n`);
  writeFileSync(out.html, renderHtml(report));
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
