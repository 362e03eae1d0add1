// A run's totals as main last reported them, and the report exports.
import {
  REPORT_FORMATS,
  type ReportFormat,
  type RunLatencySummary,
  type StressSnapshot,
} from '../../../src-shared/api/stress.js';
import { FormatButtons } from '../../components/FormatButtons.js';
import { refusedTotal } from '../../stores/stress.js';
import { formatCount, formatMs } from '../../util/format.js';

function Stat({
  label,
  value,
  testId,
  title,
  wide = false,
}: {
  label: string;
  value: string;
  testId?: string;
  title?: string;
  /** Two columns: "p50 / p99" does not fit one. */
  wide?: boolean;
}) {
  return (
    <div className={wide ? 'stat stat-wide' : 'stat'} title={title}>
      <span className="stat-value" data-testid={testId}>
        {value}
      </span>
      <span className="stat-label">{label}</span>
    </div>
  );
}

/** "p50 / p99" over the whole run; a dash until a session has completed (never "0 ms"). */
/** The run-wide latencies shown as headline figures, each named by what it measures. */
const RUN_LATENCIES = [
  {
    kind: 'final',
    label: 'Final latency p50 / p99 (finish → final, whole run)',
    title: 'From the last chunk sent (finish) to the final result, over every session of the run so far.',
  },
  {
    kind: 'session',
    label: 'Session latency p50 / p99 (connect → final, whole run)',
    title: 'From connecting to the final result, over every session of the run so far: what a user waits.',
  },
] as const;

function runPercentiles(latency: RunLatencySummary | undefined): string {
  if (!latency || latency.count === 0) return '—';
  return `${formatMs(latency.p50)} / ${formatMs(latency.p99)}`;
}

const byKey = (counts: Record<string, number>) =>
  Object.entries(counts)
    .map(([key, n]) => `${key} ${formatCount(n)}`)
    .join(', ');

export interface StressStatsProps {
  latest: StressSnapshot | undefined;
  reportReady: boolean;
  onExport(format: ReportFormat): void;
}

export function StressStats({ latest, reportReady, onExport }: StressStatsProps) {
  return (
    <div className="card">
      <div className="grid stats-grid">
        <Stat label="Attempted" value={formatCount(latest?.attempted ?? 0)} testId="stat-attempted" />
        <Stat label="Completed" value={formatCount(latest?.completed ?? 0)} testId="stat-completed" />
        <Stat label="Refused" value={formatCount(latest ? refusedTotal(latest) : 0)} testId="stat-refused" />
        <Stat label="Timed out" value={formatCount(latest?.timedOut ?? 0)} />
        <Stat label="Failed" value={formatCount(latest?.failed ?? 0)} />
        <Stat
          label="Open / peak conns"
          value={`${formatCount(latest?.openConnections ?? 0)} / ${formatCount(latest?.peakConnections ?? 0)}`}
        />
        {RUN_LATENCIES.map(({ kind, label, title }) => (
          <Stat
            key={kind}
            label={label}
            value={runPercentiles(latest?.runLatencyMs[kind])}
            testId={`stat-${kind}-latency`}
            wide
            title={title}
          />
        ))}
      </div>
      {latest && Object.keys(latest.outcomes).length > 0 && (
        <div className="small muted stress-outcomes" data-testid="stress-outcomes">
          Outcomes: {byKey(latest.outcomes)}
        </div>
      )}
      {latest && Object.keys(latest.refused).length > 0 && (
        <div className="small muted stress-refused">Refused by reason: {byKey(latest.refused)}</div>
      )}
      <div className="row stress-report">
        <FormatButtons
          label="Report"
          formats={REPORT_FORMATS}
          what="the report"
          disabled={!reportReady}
          onExport={onExport}
          testIdPrefix="report"
        />
      </div>
    </div>
  );
}
