// The per-second series as CSV for CI dashboards and spreadsheets: one row per second of
// the run, the columns of report.json's `timeseries` in its order. A figure the run did
// not measure (gateway CPU of a remote gateway) is an empty cell, never 0.
import type { StressReport } from '../report.js';

type Row = StressReport['timeseries'][number];

/** The columns, in the order report.json's rows hold them. */
export const CSV_COLUMNS = [
  't',
  'phase',
  'attempts',
  'started',
  'completed',
  'errors',
  'chunks_sent',
  'bytes_sent',
  'open_connections',
  'peak_connections',
  'in_flight',
  'p50_final_ms',
  'p99_final_ms',
  'p99_connect_ms',
  'p99_chunk_ack_ms',
  'client_cpu_percent',
  'client_rss_mb',
  'gateway_cpu_percent',
  'gateway_rss_mb',
  'gateway_lag_p99_ms',
] as const satisfies readonly (keyof Row)[];

function cell(value: Row[keyof Row]): string {
  if (value === null || value === undefined) return '';
  return String(value);
}

export function renderCsv(report: StressReport): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const row of report.timeseries) lines.push(CSV_COLUMNS.map((column) => cell(row[column])).join(','));
  return `${lines.join('\n')}\n`;
}
