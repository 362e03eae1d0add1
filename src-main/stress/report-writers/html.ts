// report.html: one self-contained file (no scripts, no CDN) with inline SVG line
// charts of the per-second series, the outcome and latency tables, and observations.
import { LATENCY_METRICS, OUTCOMES } from '../metrics.js';
import type { StressReport } from '../report.js';

type Row = StressReport['timeseries'][number];
interface Line {
  label: string;
  color: string;
  value(row: Row): number | null;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function niceMax(value: number): number {
  if (value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= value) return step * magnitude;
  return 10 * magnitude;
}

/** `endOfLoadS`: where a dashed line marks the end of the duration (the drain follows). */
export function svgChart(title: string, rows: Row[], lines: Line[], unit = '', endOfLoadS?: number): string {
  const width = 640;
  const height = 200;
  const left = 56;
  const bottom = 24;
  const top = 10;
  const plotW = width - left - 10;
  const plotH = height - top - bottom;
  const tMax = Math.max(1, endOfLoadS ?? 0, ...rows.map((r) => r.t));
  const values = rows.flatMap((r) => lines.map((l) => l.value(r) ?? 0));
  const yMax = niceMax(Math.max(0, ...values));
  const x = (t: number) => left + (t / tMax) * plotW;
  const y = (v: number) => top + plotH - (v / yMax) * plotH;
  const grid = [0, 0.25, 0.5, 0.75, 1]
    .map(
      (f) =>
        `<line x1="${left}" x2="${left + plotW}" y1="${y(f * yMax)}" y2="${y(f * yMax)}" stroke="#ddd"/><text x="${left - 4}" y="${y(f * yMax) + 4}" text-anchor="end">${+(f * yMax).toPrecision(3)}</text>`,
    )
    .join('');
  const paths = lines
    .map((line) => {
      const points = rows
        .filter((r) => line.value(r) !== null)
        .map((r) => `${x(r.t).toFixed(1)},${y(line.value(r) ?? 0).toFixed(1)}`);
      return points.length
        ? `<polyline fill="none" stroke="${line.color}" stroke-width="1.5" points="${points.join(' ')}"/>`
        : '';
    })
    .join('');
  const marker =
    endOfLoadS === undefined
      ? ''
      : `<line x1="${x(endOfLoadS)}" x2="${x(endOfLoadS)}" y1="${top}" y2="${top + plotH}" stroke="#999" stroke-dasharray="4 3"/><text x="${x(endOfLoadS) + 3}" y="${top + 10}">drain</text>`;
  const legend = lines
    .map((l) => `<span style="color:${l.color}">&#9632; ${escapeHtml(l.label)}</span>`)
    .join(' ');
  return `<figure><figcaption><b>${escapeHtml(title)}</b>${unit ? ` (${escapeHtml(unit)})` : ''} ${legend}</figcaption>
<svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-size="10" font-family="sans-serif">${grid}
<line x1="${left}" x2="${left}" y1="${top}" y2="${top + plotH}" stroke="#999"/><text x="${left + plotW}" y="${height - 6}" text-anchor="end">${tMax.toFixed(0)} s</text><text x="${left}" y="${height - 6}">0 s</text>${marker}${paths}</svg></figure>`;
}

interface Chart {
  title: string;
  unit?: string;
  lines: Line[];
}

/** A resource of the load generator and of the gateway, in the same two colours on every chart. */
function clientAndGateway(title: string, unit: string, client: Line['value'], gateway: Line['value']): Chart {
  return {
    title,
    unit,
    lines: [
      { label: 'client', color: '#1f77b4', value: client },
      { label: 'gateway', color: '#ff7f0e', value: gateway },
    ],
  };
}

/** The per-second charts, in page order. */
const CHARTS: Chart[] = [
  {
    title: 'Connections',
    lines: [
      { label: 'open', color: '#1f77b4', value: (r) => r.open_connections },
      { label: 'peak so far', color: '#aec7e8', value: (r) => r.peak_connections },
      { label: 'sessions in flight', color: '#2ca02c', value: (r) => r.in_flight },
    ],
  },
  {
    title: 'Sessions per second',
    lines: [
      { label: 'attempts', color: '#7f7f7f', value: (r) => r.attempts },
      { label: 'completed', color: '#2ca02c', value: (r) => r.completed },
      { label: 'errors', color: '#d62728', value: (r) => r.errors },
    ],
  },
  {
    title: 'Latency in each second',
    unit: 'ms',
    lines: [
      { label: 'final p50', color: '#9467bd', value: (r) => r.p50_final_ms },
      { label: 'final p99', color: '#d62728', value: (r) => r.p99_final_ms },
      { label: 'connect p99', color: '#1f77b4', value: (r) => r.p99_connect_ms },
      { label: 'chunk ack p99', color: '#ff7f0e', value: (r) => r.p99_chunk_ack_ms },
    ],
  },
  clientAndGateway(
    'CPU',
    '% of one core',
    (r) => r.client_cpu_percent,
    (r) => r.gateway_cpu_percent,
  ),
  clientAndGateway(
    'Memory (RSS)',
    'MB',
    (r) => r.client_rss_mb,
    (r) => r.gateway_rss_mb,
  ),
  {
    title: 'Upload',
    lines: [{ label: 'chunks sent per second', color: '#8c564b', value: (r) => r.chunks_sent }],
  },
];

export function renderHtml(report: StressReport, markdownTitle = 'Earshot stress report'): string {
  const rows = report.timeseries;
  const end = report.config.durationMs / 1000;
  const charts = CHARTS.map((chart) => svgChart(chart.title, rows, chart.lines, chart.unit, end)).join('\n');
  const outcomeRows = OUTCOMES.map((o) => `<tr><td>${o}</td><td>${report.outcomes[o]}</td></tr>`).join('');
  const latencyRows = LATENCY_METRICS.map((m) => {
    const l = report.latency_ms[m];
    return `<tr><td>${m}</td><td>${l.count}</td><td>${l.p50}</td><td>${l.p90}</td><td>${l.p99}</td><td>${l.max}</td></tr>`;
  }).join('');
  const c = report.config;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(markdownTitle)}</title>
<style>body{font:14px/1.4 sans-serif;margin:24px;max-width:1340px}table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}td:first-child,th:first-child{text-align:left}
.charts{display:flex;flex-wrap:wrap;gap:12px}figure{margin:0}figcaption span{margin-left:8px}</style></head>
<body><h1>${escapeHtml(markdownTitle)}</h1>
<p>${escapeHtml(report.started_at)} &middot; mode <b>${c.mode}</b> &middot; ${c.model === 'closed' ? `${c.concurrency} in flight` : `${c.ratePerSecond ?? 'staged'} arrivals/s`} &middot; ${c.durationMs / 1000} s &middot; ${escapeHtml(c.url)}</p>
<p><b>${report.sessions.attempted}</b> attempted, <b>${report.sessions.completed}</b> completed, success ${(report.rates.success_rate * 100).toFixed(2)}%, peak open connections <b>${report.connections.peak}</b></p>
<div class="charts">${charts}</div>
<h2>Outcomes</h2><table><tr><th>outcome</th><th>sessions</th></tr>${outcomeRows}</table>
<h2>Latency (ms)</h2><table><tr><th>metric</th><th>count</th><th>p50</th><th>p90</th><th>p99</th><th>max</th></tr>${latencyRows}</table>
<h2>Observations</h2><ol>${report.observations.map((o) => `<li>${escapeHtml(o)}</li>`).join('')}</ol>
</body></html>
`;
}
