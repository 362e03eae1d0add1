// One gateway as support sees it: its connection state and timeline, the round-trip
// time, and what its health check answered.
import { useMemo } from 'react';
import type { EndpointStatus, GatewayHealth } from '../../../src-shared/api/status.js';
import { Chart } from '../../components/Chart.js';
import { ConnectionPill, connectionLabel } from '../../components/StatePill.js';
import { formatAgo, formatMs, formatTime } from '../../util/format.js';

/** "moonshine-tiny-en · @moonshine-ai/moonshine-js@0.1.29 · sha256 755a16184dfe" */
function describeModel(model: GatewayHealth['model']): string | undefined {
  if (!model) return undefined;
  return [model.name, model.version, model.sha256 && `sha256 ${model.sha256}`].filter(Boolean).join(' · ');
}

function HealthRow({ label, value }: { label: string; value: string | number | undefined }) {
  return (
    <div className="stat">
      <span className="stat-label">{label}</span>
      <span className="stat-value">{value ?? '—'}</span>
    </div>
  );
}

export function EndpointCard({ endpoint }: { endpoint: EndpointStatus }) {
  const rttX = useMemo(() => endpoint.rtt.map((s) => s.at), [endpoint.rtt]);
  const rttSeries = useMemo(
    () => [{ label: 'RTT (ms)', color: 'rgb(76, 110, 245)', values: endpoint.rtt.map((s) => s.ms) }],
    [endpoint.rtt],
  );
  const health = endpoint.health;
  return (
    <div className="card" data-testid="endpoint" data-state={endpoint.state} data-url={endpoint.url}>
      <div className="row card-title-row endpoint-title">
        <h2>{endpoint.label}</h2>
        <ConnectionPill state={endpoint.state} />
        {(endpoint.state === 'backing_off' || endpoint.state === 'offline') &&
          endpoint.nextAttemptAt !== undefined && (
            <span className="small muted" data-testid="next-attempt" data-at={endpoint.nextAttemptAt}>
              {endpoint.state === 'offline' ? 'unreachable; next health probe at ' : 'next attempt at '}
              {formatTime(endpoint.nextAttemptAt)}
            </span>
          )}
        <span className="spacer" />
        <span className="mono small muted">{endpoint.url}</span>
      </div>
      <div className="grid grid-2 endpoint-grid">
        <div>
          <h3 className="small muted subheading">Timeline</h3>
          <div className="timeline" data-testid="timeline">
            {[...endpoint.timeline].reverse().map((t, i) => (
              <div className="timeline-row" key={`${t.at}-${i}`}>
                <span className="mono muted">{formatTime(t.at)}</span>
                <span>{connectionLabel(t.state)}</span>
                <span className="muted">
                  {t.reason ?? ''}
                  {t.retryInMs !== undefined ? ` (retry in ${formatMs(t.retryInMs)})` : ''}
                </span>
              </div>
            ))}
            {endpoint.timeline.length === 0 && <span className="muted">No transitions yet.</span>}
          </div>
        </div>
        <div>
          <Chart
            title="Round-trip time"
            x={rttX}
            series={rttSeries}
            xTime
            height={170}
            yLabel="ms"
            testId="rtt-chart"
            emptyText="No round trip measured yet (measured while connected)."
          />
        </div>
      </div>
      <h3 className="small muted subheading subheading-spaced">
        Gateway health {health ? `(checked ${formatAgo(health.checkedAt)})` : ''}
      </h3>
      {health ? (
        health.ok ? (
          <div className="grid grid-4 health-grid" data-testid="health">
            <HealthRow label="Status" value={health.status} />
            <HealthRow label="Engine" value={health.engine} />
            <HealthRow label="Model" value={describeModel(health.model)} />
            <HealthRow label="Workers ready" value={health.workers_ready} />
            <HealthRow label="Queue depth" value={health.queue_depth} />
            <HealthRow label="Active sessions" value={health.sessions_active} />
            <HealthRow label="Connections" value={health.connections} />
            <HealthRow label="Version" value={health.version} />
          </div>
        ) : (
          <div className="field-error" data-testid="health">
            {health.status === 'unreachable' ? 'Health check failed' : 'Not ready'}:{' '}
            {health.reason ?? 'no answer'}
          </div>
        )
      ) : (
        <div className="muted small">Not checked yet.</div>
      )}
    </div>
  );
}
