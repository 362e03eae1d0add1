// report.md in the shape of the seed load test report: overview, dashboard data,
// outcome table, latency table, observations generated from the numbers.
import { LATENCY_DESCRIPTIONS, LATENCY_METRICS, OUTCOMES } from '../metrics.js';
import type { StressReport } from '../report.js';

const pct = (value: number) => `${(value * 100).toFixed(2)}%`;
const orDash = (value: number | null, unit = '') => (value === null ? '-' : `${value}${unit}`);

export function renderMarkdown(report: StressReport): string {
  const { config, sessions, outcomes, connections, rates, resources, traffic } = report;
  const load =
    config.model === 'closed'
      ? `closed model, ${config.concurrency} sessions in flight`
      : `open model, ${config.ratePerSecond ?? 'staged'} arrivals/s`;
  const stages = config.stages.length
    ? `; stages ${config.stages.map((s) => `${s.durationMs / 1000}s:${s.target}`).join(', ')}`
    : '';
  const last = report.timeseries.at(-1);
  const lines: string[] = [
    '# Earshot stress report',
    '',
    `**Date:** ${report.started_at}  `,
    `**Mode:** ${config.mode} (${load}${stages})  `,
    `**Duration:** ${config.durationMs / 1000} s, then up to ${config.drainMs / 1000} s drain (wall ${report.wall_seconds} s)  `,
    `**Target:** ${config.url}  `,
    `**Audio:** ${config.audioPath.split('/').pop()} (${config.audio_seconds} s in ${config.audio_chunks} chunks of ${config.chunkMs} ms, paced ${config.pacing === 'ack' ? 'as fast as acked' : 'at real time'})  `,
    `**Client:** ${config.threads} worker thread(s), Node ${report.environment.node}, ${report.environment.cpus} CPUs, load average ${report.environment.loadavg_start.join(' / ')} at start, ${report.environment.loadavg_end.join(' / ')} at end`,
    '',
    '## Test result overview',
    // What users waited comes before the success rate (docs/stress.md).
    `- **Session latency (connect -> final_result):** ${report.latency_ms.session.count ? `p50 ${report.latency_ms.session.p50} ms, p99 ${report.latency_ms.session.p99} ms, max ${report.latency_ms.session.max} ms` : '-'}`,
    `- **Busy replies:** ${traffic.busy_replies} (${traffic.busy_at_start} to starts, ${traffic.chunks_refused} to chunks)`,
    `- **Attempted sessions:** ${sessions.attempted}`,
    `- **Started (session_started ack):** ${sessions.started}`,
    `- **Completed (final_result):** ${sessions.completed} (partial, lacking chunks: ${sessions.completed_partial})`,
    `- **Success rate:** ${pct(rates.success_rate)} of ${sessions.ended} ended sessions; error rate ${pct(rates.error_rate)}`,
    `- **Peak open connections:** ${connections.peak} (measured by the client)`,
    `- **Connection attempts:** ${connections.attempts} (${rates.attempts_per_second}/s over the duration); completed ${rates.completed_per_second}/s`,
    '',
    '## Dashboard data (end of run)',
    `- **Client CPU:** avg ${orDash(resources.client.cpu_percent_avg, '%')}, peak ${orDash(resources.client.cpu_percent_peak, '%')} of one core (${orDash(resources.client.cpu_seconds)} CPU-s, ${orDash(rates.client_cpu_ms_per_session, ' ms')} per session); RSS peak ${orDash(resources.client.rss_mb_peak, ' MB')}`,
    resources.gateway
      ? `- **Gateway CPU:** avg ${orDash(resources.gateway.cpu_percent_avg, '%')}, peak ${orDash(resources.gateway.cpu_percent_peak, '%')} of one core; RSS peak ${orDash(resources.gateway.rss_mb_peak, ' MB')} (from ${report.environment.gateway_watch})`
      : '- **Gateway CPU/RSS:** not measured (remote gateway, no pid and no /metrics)',
    report.gateway_event_loop_lag
      ? `- **Gateway event-loop lag:** p50 ${orDash(report.gateway_event_loop_lag.p50_ms, ' ms')}, p99 ${orDash(report.gateway_event_loop_lag.p99_ms, ' ms')} over ${report.gateway_event_loop_lag.samples} samples; longest in any 5-s window ${orDash(report.gateway_event_loop_lag.max_ms, ' ms')}; ${report.gateway_event_loop_lag.scrapes_failed} scrapes unanswered (from ${report.gateway_event_loop_lag.source})`
      : '- **Gateway event-loop lag:** not measured (no Earshot /metrics answered)',
    ...(config.mode === 'storm'
      ? [
          `- **Storm (reconnect ${config.reconnect}):** ${traffic.storm_drops} connections dropped, ${traffic.resumed} sessions back (${traffic.resumed - traffic.comeback_restarted} resumed, ${traffic.comeback_restarted} started afresh), ${traffic.comeback_lost} lost; ${traffic.comebacks_refused} comebacks refused with 503 and tried again (${traffic.comeback_retries} retries in all)`,
        ]
      : []),
    `- **Traffic:** ${traffic.chunks_sent} chunks sent (${(traffic.bytes_sent / 1048576).toFixed(1)} MB), ${traffic.chunks_acked} acked, ${traffic.chunk_results} chunk results, ${traffic.busy_replies} busy replies`,
    `- **Refusals:** ${traffic.busy_at_start} at the door (\`start\` answered busy, no audio sent); ${traffic.upgrades_deferred} upgrades answered 503 with Retry-After and tried again; ${traffic.chunks_refused} chunks refused after upload and sent again: ${(traffic.wasted_upload_bytes / 1048576).toFixed(1)} MB wasted upload (${pct(traffic.wasted_upload_share)} of bytes sent)`,
    last
      ? `- **Open connections at end:** ${connections.at_end}; sessions in flight at the last snapshot: ${last.in_flight}`
      : '',
    '',
    '## Outcomes',
    '',
    '| outcome | sessions | share | detail |',
    '|---|---:|---:|---|',
    ...OUTCOMES.map((o) => {
      const detail = (report.outcome_details as Record<string, Record<string, number>>)[o];
      const text = detail
        ? Object.entries(detail)
            .map(([k, n]) => `${k}: ${n}`)
            .join(', ')
        : '';
      return `| ${o} | ${outcomes[o]} | ${sessions.ended ? pct(outcomes[o] / sessions.ended) : '-'} | ${text} |`;
    }),
    '',
    '## Latency (ms)',
    '',
    '| metric | what | count | p50 | p90 | p99 | max |',
    '|---|---|---:|---:|---:|---:|---:|',
    ...LATENCY_METRICS.map((m) => {
      const l = report.latency_ms[m];
      return `| ${m} | ${LATENCY_DESCRIPTIONS[m]} | ${l.count} | ${l.p50} | ${l.p90} | ${l.p99} | ${l.max} |`;
    }),
    '',
    '## Observations',
    '',
    ...report.observations.map((o, i) => `${i + 1}. ${o}`),
  ];
  if (report.thresholds.length) {
    lines.push('', '## Thresholds', '', '| threshold | value | result |', '|---|---:|---|');
    for (const t of report.thresholds)
      lines.push(`| \`${t.expression}\` | ${t.value} | ${t.passed ? 'passed' : '**breached**'} |`);
  }
  lines.push('', 'Charts of the per-second time series: report.html. Every number: report.json.', '');
  return lines.filter((line, i, all) => !(line === '' && all[i - 1] === '')).join('\n');
}
