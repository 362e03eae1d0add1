// Stress mode for the app: one run at a time through the stress engine (worker threads
// in main, never the renderer). The request is the shared stress configuration
// (src-shared/stress/config.ts) without what main supplies: the gateway (embedded unless
// given), the token and the bundled sample. The engine's per-second numbers become
// `stress.snapshot` events, so the renderer gets at most one point per second whatever the load.
import { randomUUID } from 'node:crypto';
import { ApiError } from '../../src-shared/api/common.js';
import type { FeatureHandlers } from '../../src-shared/api/contract.js';
import type { TextFile } from '../../src-shared/api/common.js';
import type { StressRunStatus, StressSnapshot } from '../../src-shared/api/stress.js';
import type { StressConfigInput, StressRunRequest } from '../../src-shared/stress/config.js';
import type { RunLatency, StressSecond } from '../stress/aggregate.js';
import { runStress } from '../stress/engine.js';
import { OUTCOMES, detailsOf } from '../stress/metrics.js';
import type { StressReport } from '../stress/report.js';
import { renderHtml } from '../stress/report-writers/html.js';
import { renderMarkdown } from '../stress/report-writers/markdown.js';
import { assetPath } from '../paths.js';
import type { ReportError } from './errors.js';
import { MirroredState, type Emit } from './events.js';

const REFUSAL_OUTCOMES = ['refused', 'rejected', 'busy'] as const;

export function toEngineConfig(
  request: StressRunRequest,
  fallbackUrl: string | undefined,
  token: string,
  embedded?: { url?: string; pid?: number },
): StressConfigInput {
  const url = request.url || fallbackUrl;
  if (!url)
    throw new ApiError(
      'unavailable',
      'no gateway to stress: set a ws:// or wss:// URL or start the embedded gateway',
    );
  return {
    ...request,
    url,
    audioPath: request.audioPath || assetPath('sample.wav'),
    ...(token ? { token } : {}),
    // The embedded gateway is our child: the report can show its CPU and memory.
    ...(embedded?.pid && embedded.url === url ? { gatewayPid: embedded.pid } : {}),
  };
}

/** Points kept for the charts after a reload: an hour at one per second. */
export const MAX_SERIES_POINTS = 3600;

const runSummary = (l: RunLatency['final']) => ({
  count: l.count,
  p50: l.p50,
  p90: l.p90,
  p99: l.p99,
  max: l.max,
});

export function toApiSnapshot(runId: string, s: StressSecond, run: RunLatency): StressSnapshot {
  const totals = s.totals;
  const refused: Record<string, number> = {};
  for (const outcome of REFUSAL_OUTCOMES) {
    const details = detailsOf(totals, outcome);
    if (Object.keys(details).length)
      for (const [detail, n] of Object.entries(details)) refused[`${outcome}:${detail}`] = n;
    else if (totals[outcome]) refused[outcome] = totals[outcome];
  }
  const outcomes: Record<string, number> = {};
  for (const outcome of OUTCOMES) outcomes[outcome] = totals[outcome] ?? 0;
  const failed = OUTCOMES.filter(
    (o) => !['ok', 'timeout', 'unfinished', ...REFUSAL_OUTCOMES].includes(o),
  ).reduce((n, o) => n + (totals[o] ?? 0), 0);
  return {
    runId,
    elapsedSec: s.t,
    phase: s.phase,
    openConnections: s.open_connections,
    peakConnections: s.peak_connections,
    inFlight: s.in_flight,
    sessionsPerSec: s.sessions,
    completedPerSec: s.completed,
    errorsPerSec: s.errors,
    // Sessions, as the report counts them: connection attempts are more once the gateway
    // tells some to come back later (503 with Retry-After while it sheds a burst).
    attempted: totals.sessions ?? 0,
    accepted: totals.started ?? 0,
    completed: totals.completed ?? 0,
    timedOut: totals.timeout ?? 0,
    failed,
    refused,
    outcomes,
    // Recorded latencies are at least 1 ms: 0 means no final result arrived in this second.
    latencyMs: s.p50_final_ms > 0 ? { p50: s.p50_final_ms, p99: s.p99_final_ms } : null,
    runLatencyMs: { final: runSummary(run.final), session: runSummary(run.session) },
  };
}

export class StressService {
  private readonly status: MirroredState<'stress.state'>;
  private abort: AbortController | undefined;
  private readonly reports = new Map<string, StressReport>();
  /** The current (or last) run's snapshots, so a reloaded page can redraw its charts. */
  private series: StressSnapshot[] = [];

  constructor(
    private readonly gatewayUrl: () => string | undefined,
    private readonly token: () => string,
    private readonly emit: Emit,
    private readonly reportError: ReportError,
    private readonly embedded: () => { url?: string; pid?: number } = () => ({}),
  ) {
    this.status = new MirroredState(emit, 'stress.state', { state: 'idle', reportReady: false });
  }

  current(): StressRunStatus {
    return this.status.current;
  }

  handlers(): FeatureHandlers<'stress'> {
    return {
      'stress.start': (input) => ({ runId: this.start(input) }),
      'stress.stop': () => ({ stopped: this.stop() }),
      'stress.status': () => this.current(),
      'stress.series': () => ({
        ...(this.status.current.runId ? { runId: this.status.current.runId } : {}),
        snapshots: [...this.series],
      }),
      'stress.report': (input) => this.report(input.runId, input.format),
    };
  }

  start(config: StressRunRequest): string {
    if (this.abort)
      throw new ApiError(
        'conflict',
        `a stress run is already going (${this.status.current.runId}); stop it first`,
      );
    const engineConfig = toEngineConfig(config, this.gatewayUrl(), this.token(), this.embedded());
    const runId = randomUUID();
    const abort = new AbortController();
    this.abort = abort;
    const startedAt = Date.now();
    this.series = [];
    this.status.set({ state: 'starting', runId, config, startedAt, reportReady: false });
    runStress(engineConfig, {
      signal: abort.signal,
      onStart: () => this.status.set({ ...this.status.current, state: 'running' }),
      onSnapshot: (snapshot, run) => {
        const last = toApiSnapshot(runId, snapshot, run);
        this.status.setQuietly({ ...this.status.current, last });
        this.series.push(last);
        if (this.series.length > MAX_SERIES_POINTS) this.series.shift();
        this.emit('stress.snapshot', last);
      },
    }).then(
      (report) => {
        this.reports.clear(); // keep the latest report only: reports hold the whole time series
        this.reports.set(runId, report);
        this.abort = undefined;
        this.status.set({
          ...this.status.current,
          state: 'finished',
          reportReady: true,
          thresholds: report.thresholds.map(({ expression, metric, operator, limit, value, passed }) => ({
            expression,
            metric,
            operator,
            limit,
            value,
            passed,
          })),
        });
      },
      (error: Error) => {
        this.abort = undefined;
        this.reportError('stress', error.message);
        this.status.set({
          ...this.status.current,
          state: 'failed',
          error: error.message,
          reportReady: false,
        });
      },
    );
    return runId;
  }

  stop(): boolean {
    if (!this.abort) return false;
    this.abort.abort();
    this.status.set({ ...this.status.current, state: 'stopping' });
    return true;
  }

  report(runId: string | undefined, format: 'md' | 'json' | 'html'): TextFile {
    const id = runId ?? this.status.current.runId;
    const report = id ? this.reports.get(id) : undefined;
    if (!id || !report)
      throw new ApiError(
        'not_found',
        runId ? `no finished stress run ${runId}` : 'no finished stress run yet',
      );
    const base = `earshot-stress-${report.started_at.replace(/[:]/g, '-').replace(/\.\d+Z$/, 'Z')}`;
    if (format === 'json')
      return {
        filename: `${base}.json`,
        mimeType: 'application/json',
        content: JSON.stringify(report, null, 2) + '\n',
      };
    if (format === 'md')
      return { filename: `${base}.md`, mimeType: 'text/markdown', content: renderMarkdown(report) };
    return { filename: `${base}.html`, mimeType: 'text/html', content: renderHtml(report) };
  }

  /** Ends a running test (app quit). */
  async close(): Promise<void> {
    this.abort?.abort();
  }
}
