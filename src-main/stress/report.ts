// The StressReport: everything a run measured, in the shape report.json is written in.
// Pure: built from the aggregator's numbers; the writers render it.
import type { Histogram } from 'hdr-histogram-js';
import { cpus, loadavg } from 'node:os';
import { basename, isAbsolute, relative } from 'node:path';
import type { StressSecond } from './aggregate.js';
import type { StressPlan } from './config.js';
import {
  LATENCY_METRICS,
  OUTCOMES,
  detailsOf,
  endedOf,
  summarize,
  type Counters,
  type LatencyMetric,
  type LatencySummary,
  type Outcome,
} from './metrics.js';
import { observe } from './observations.js';
import type { GatewayLagSummary } from './resources.js';
import type { ThresholdResult } from './thresholds.js';

export interface ResourceSummary {
  cpu_seconds: number | null;
  cpu_percent_avg: number | null;
  cpu_percent_peak: number | null;
  rss_mb_peak: number | null;
  rss_mb_end: number | null;
}

export interface StressReport {
  tool: 'earshot stress';
  version: 1;
  started_at: string;
  finished_at: string;
  wall_seconds: number;
  config: Omit<StressPlan, 'token'> & {
    token?: '<set>';
    audio_seconds: number;
    audio_chunks: number;
  };
  environment: {
    node: string;
    platform: string;
    cpus: number;
    loadavg_start: number[];
    loadavg_end: number[];
    gateway_watch: string | null;
  };
  sessions: {
    attempted: number;
    started: number;
    completed: number;
    completed_partial: number;
    ended: number;
    unfinished: number;
  };
  outcomes: Record<Outcome, number>;
  outcome_details: {
    rejected: Record<string, number>;
    timeout: Record<string, number>;
    server_error: Record<string, number>;
    closed_early: Record<string, number>;
    protocol_error: Record<string, number>;
  };
  connections: { peak: number; at_end: number; opened: number; attempts: number };
  traffic: {
    chunks_sent: number;
    chunks_acked: number;
    chunk_results: number;
    bytes_sent: number;
    busy_replies: number;
    /** `start` answered busy: sessions waiting at the door before sending audio. */
    busy_at_start: number;
    /** Chunks answered busy after they crossed the network, and sent again. */
    chunks_refused: number;
    /** Bytes of those refused chunks: uploaded for nothing. */
    wasted_upload_bytes: number;
    /** wasted_upload_bytes over bytes_sent. */
    wasted_upload_share: number;
    storm_drops: number;
    resumed: number;
    /** Storm comebacks whose upgrade was refused (503 while the gateway shed the burst), tried again. */
    comebacks_refused: number;
    upgrades_deferred: number;
    /** Storm comebacks tried again after a refusal or a failed connect. */
    comeback_retries: number;
    /** Storm comebacks an Earshot gateway started afresh instead of resuming (it lost the session). */
    comeback_restarted: number;
    /** Sessions dropped by a storm that ended (any outcome) before they were back. */
    comeback_lost: number;
    pings: number;
    arrivals_skipped: number;
  };
  latency_ms: Record<LatencyMetric, LatencySummary>;
  rates: {
    success_rate: number;
    error_rate: number;
    attempts_per_second: number;
    completed_per_second: number;
    completed_per_client_cpu_second: number | null;
    /** Client CPU (every thread of the stress process) per session begun, in ms. */
    client_cpu_ms_per_session: number | null;
  };
  resources: { client: ResourceSummary; gateway: ResourceSummary | null };
  /** The gateway's event-loop lag during the run, from its /metrics; null when not scraped. */
  gateway_event_loop_lag: GatewayLagSummary | null;
  timeseries: Omit<StressSecond, 'totals'>[];
  observations: string[];
  thresholds: ThresholdResult[];
}

export interface ReportInput {
  config: StressPlan;
  audio: { totalSeconds: number; chunks: number };
  startedAt: Date;
  finishedAt: Date;
  counters: Counters;
  histograms: Map<LatencyMetric, Histogram>;
  series: StressSecond[];
  connections: { peak: number; atEnd: number };
  clientCpuSeconds: number;
  gatewayCpuSeconds: number | null;
  gatewayWatch: string | null;
  gatewayLag?: GatewayLagSummary | null;
  loadavgStart: number[];
}

/** Reports get committed and shared: no absolute paths of this machine in them. */
function portablePath(path: string): string {
  if (!isAbsolute(path)) return path;
  const inside = relative(process.cwd(), path);
  return inside && !inside.startsWith('..') && !isAbsolute(inside) ? inside : basename(path);
}

const round = (value: number, digits = 4) => Math.round(value * 10 ** digits) / 10 ** digits;

function summarizeResources(
  values: (number | null)[],
  rss: (number | null)[],
  cpuSeconds: number | null,
  wallSeconds: number,
): ResourceSummary {
  const cpu = values.filter((v): v is number => v !== null);
  const mem = rss.filter((v): v is number => v !== null);
  return {
    cpu_seconds: cpuSeconds === null ? null : round(cpuSeconds, 2),
    cpu_percent_avg:
      cpuSeconds !== null
        ? round((cpuSeconds / Math.max(0.001, wallSeconds)) * 100, 1)
        : cpu.length
          ? round(cpu.reduce((a, b) => a + b, 0) / cpu.length, 1)
          : null,
    cpu_percent_peak: cpu.length ? Math.max(...cpu) : null,
    rss_mb_peak: mem.length ? Math.max(...mem) : null,
    rss_mb_end: mem.length ? mem[mem.length - 1] : null,
  };
}

export function buildReport(input: ReportInput, thresholds: ThresholdResult[] = []): StressReport {
  const { counters: c, config, series } = input;
  const wallSeconds = (input.finishedAt.getTime() - input.startedAt.getTime()) / 1000;
  const outcomes = Object.fromEntries(OUTCOMES.map((o) => [o, c[o] ?? 0])) as Record<Outcome, number>;
  const ended = endedOf(c);
  const latency = Object.fromEntries(
    LATENCY_METRICS.map((m) => [m, summarize(input.histograms.get(m))]),
  ) as Record<LatencyMetric, LatencySummary>;
  const { token, ...configWithoutToken } = config;
  const timeseries = series.map(({ totals: _totals, ...rest }) => rest);
  const gatewaySeen = series.some((s) => s.gateway_rss_mb !== null);
  const report: StressReport = {
    tool: 'earshot stress',
    version: 1,
    started_at: input.startedAt.toISOString(),
    finished_at: input.finishedAt.toISOString(),
    wall_seconds: round(wallSeconds, 1),
    config: {
      ...configWithoutToken,
      audioPath: portablePath(config.audioPath),
      caFile: config.caFile && portablePath(config.caFile),
      ...(token ? { token: '<set>' as const } : {}),
      audio_seconds: round(input.audio.totalSeconds, 2),
      audio_chunks: input.audio.chunks,
    },
    environment: {
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      cpus: cpus().length,
      loadavg_start: input.loadavgStart.map((v) => round(v, 2)),
      loadavg_end: loadavg().map((v) => round(v, 2)),
      gateway_watch: input.gatewayWatch,
    },
    sessions: {
      attempted: c.sessions ?? 0,
      started: c.started ?? 0,
      completed: c.completed ?? 0,
      completed_partial: c.completed_partial ?? 0,
      ended,
      unfinished: outcomes.unfinished,
    },
    outcomes,
    outcome_details: {
      rejected: detailsOf(c, 'rejected'),
      timeout: detailsOf(c, 'timeout'),
      server_error: detailsOf(c, 'server_error'),
      closed_early: detailsOf(c, 'closed_early'),
      protocol_error: detailsOf(c, 'protocol_error'),
    },
    connections: {
      peak: input.connections.peak,
      at_end: input.connections.atEnd,
      opened: c.connections_opened ?? 0,
      attempts: c.attempts ?? 0,
    },
    traffic: {
      chunks_sent: c.chunks_sent ?? 0,
      chunks_acked: c.chunks_acked ?? 0,
      chunk_results: c.chunk_results ?? 0,
      bytes_sent: c.bytes_sent ?? 0,
      busy_replies: c.busy_replies ?? 0,
      busy_at_start: c.busy_at_start ?? 0,
      chunks_refused: c.chunks_refused ?? 0,
      wasted_upload_bytes: c.wasted_upload_bytes ?? 0,
      wasted_upload_share: c.bytes_sent ? round((c.wasted_upload_bytes ?? 0) / c.bytes_sent) : 0,
      storm_drops: c.storm_drops ?? 0,
      resumed: c.resumed ?? 0,
      comebacks_refused: c.comebacks_refused ?? 0,
      upgrades_deferred: c.upgrades_deferred ?? 0,
      comeback_retries: c.comeback_retries ?? 0,
      comeback_restarted: c.comeback_restarted ?? 0,
      comeback_lost: c.comeback_lost ?? 0,
      pings: c.pings ?? 0,
      arrivals_skipped: c.arrivals_skipped ?? 0,
    },
    latency_ms: latency,
    rates: {
      success_rate: ended ? round(outcomes.ok / ended) : 0,
      error_rate: ended ? round((ended - outcomes.ok) / ended) : 0,
      attempts_per_second: round((c.attempts ?? 0) / Math.max(0.001, config.durationMs / 1000), 2),
      completed_per_second: round((c.completed ?? 0) / Math.max(0.001, wallSeconds), 2),
      completed_per_client_cpu_second:
        input.clientCpuSeconds > 0 ? round((c.completed ?? 0) / input.clientCpuSeconds, 1) : null,
      client_cpu_ms_per_session:
        input.clientCpuSeconds > 0 && c.sessions
          ? round((input.clientCpuSeconds * 1000) / c.sessions, 3)
          : null,
    },
    resources: {
      client: summarizeResources(
        series.map((s) => s.client_cpu_percent),
        series.map((s) => s.client_rss_mb),
        input.clientCpuSeconds,
        wallSeconds,
      ),
      gateway: gatewaySeen
        ? summarizeResources(
            series.map((s) => s.gateway_cpu_percent),
            series.map((s) => s.gateway_rss_mb),
            input.gatewayCpuSeconds,
            wallSeconds,
          )
        : null,
    },
    gateway_event_loop_lag: input.gatewayLag ?? null,
    timeseries,
    observations: [],
    thresholds,
  };
  report.observations = observe(report);
  return report;
}
