// Status (support): the connection state machine with its timeline, RTT, gateway health,
// the local queue with per-item actions, recent errors, "Copy diagnostics", and a session
// looked up on the gateway by id.
import { useMemo } from 'react';
import { useStore } from 'zustand';
import type { EndpointStatus, GatewayHealth } from '../../src-shared/api/models.js';
import { useAppContext } from '../context.js';
import { Chart } from '../components/Chart.js';
import { ConnectionPill, HistoryStatePill, connectionLabel } from '../components/StatePill.js';
import { SessionLookup } from '../components/SessionLookup.js';
import { copyText, downloadTextFile } from '../util/files.js';
import { formatAgo, formatMs, formatTime } from '../util/format.js';

/** "moonshine-tiny-en · @moonshine-ai/moonshine-js@0.1.29 · sha256 755a16184dfe" */
function describeModel(model: GatewayHealth['model']): string | undefined {
  if (!model) return undefined;
  return [model.name, model.version, model.sha256 && `sha256 ${model.sha256}`].filter(Boolean).join(' · ');
}

function HealthRow({ label, value }: { label: string; value: string | number | undefined }) {
  return (
    <div className="stat">
      <span className="stat-label">{label}</span>
      <span className="stat-value" style={{ fontSize: 16 }}>
        {value ?? '—'}
      </span>
    </div>
  );
}

function EndpointCard({ endpoint }: { endpoint: EndpointStatus }) {
  const rttX = useMemo(() => endpoint.rtt.map((s) => s.at / 1000), [endpoint.rtt]);
  const rttSeries = useMemo(
    () => [{ label: 'RTT (ms)', color: 'rgb(76, 110, 245)', values: endpoint.rtt.map((s) => s.ms) }],
    [endpoint.rtt],
  );
  const health = endpoint.health;
  return (
    <div className="card" data-testid="endpoint" data-state={endpoint.state} data-url={endpoint.url}>
      <div className="row" style={{ marginBottom: 12 }}>
        <h2 style={{ margin: 0 }}>{endpoint.label}</h2>
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
      <div className="grid grid-2">
        <div>
          <h3 className="small muted" style={{ margin: '0 0 6px' }}>
            Timeline
          </h3>
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
          />
        </div>
      </div>
      <h3 className="small muted" style={{ margin: '14px 0 6px' }}>
        Gateway health {health ? `(checked ${formatAgo(health.checkedAt)})` : ''}
      </h3>
      {health ? (
        health.ok ? (
          <div className="grid grid-4" data-testid="health">
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
            Health check failed: {health.reason ?? 'no answer'}
          </div>
        )
      ) : (
        <div className="muted small">Not checked yet.</div>
      )}
    </div>
  );
}

export function StatusView() {
  const { status, app } = useAppContext();
  const { snapshot, error, busy } = useStore(status);

  const copyDiagnostics = async () => {
    try {
      const file = await status.getState().diagnostics();
      if (await copyText(file.content)) app.getState().notify('Diagnostics copied (secrets redacted).');
      else downloadTextFile(file);
    } catch (e) {
      app.getState().notify(`Could not collect diagnostics: ${(e as Error).message}`, 'error');
    }
  };

  return (
    <section aria-labelledby="status-title">
      <header className="view-header">
        <div>
          <h1 id="status-title">Status</h1>
          <p>What the connection is doing, and what is waiting to be uploaded.</p>
        </div>
        <div className="row">
          <button type="button" className="btn" onClick={() => void status.getState().refresh()}>
            Refresh
          </button>
          <button
            type="button"
            className="btn btn-primary"
            onClick={() => void copyDiagnostics()}
            data-testid="copy-diagnostics"
          >
            Copy diagnostics
          </button>
        </div>
      </header>
      {error && (
        <div className="banner banner-error" role="alert">
          {error}
        </div>
      )}
      {snapshot?.embedded && snapshot.embedded.state === 'unavailable' && (
        <div className="banner banner-warn" role="alert">
          The gateway on this computer is unavailable
          {snapshot.embedded.reason ? `: ${snapshot.embedded.reason}` : ''}. Add a remote gateway URL in
          Settings.
        </div>
      )}
      {!snapshot && <div className="card muted">Loading…</div>}
      {snapshot && (
        <>
          {snapshot.endpoints.map((endpoint) => (
            <EndpointCard key={endpoint.url} endpoint={endpoint} />
          ))}
          {snapshot.endpoints.length === 0 && <div className="card muted">No gateway configured.</div>}
          <div className="card" data-testid="queue">
            <div className="row" style={{ marginBottom: 10 }}>
              <h2 style={{ margin: 0 }}>Local queue</h2>
              <span className="pill pill-muted" data-testid="queue-depth">
                {snapshot.queue.depth} waiting
              </span>
              {snapshot.embedded.state !== 'disabled' && (
                <span className="small muted">
                  This computer: {snapshot.embedded.state}
                  {snapshot.embedded.engine ? ` (${snapshot.embedded.engine})` : ''}
                </span>
              )}
            </div>
            {snapshot.queue.items.length === 0 ? (
              <div className="muted small">Nothing waiting: every recording has its transcript.</div>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th scope="col">Recording</th>
                    <th scope="col">State</th>
                    <th scope="col">Chunks acked</th>
                    <th scope="col">Attempts</th>
                    <th scope="col">Next attempt</th>
                    <th scope="col">Last error</th>
                    <th scope="col">
                      <span className="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {snapshot.queue.items.map((item) => (
                    <tr
                      key={item.recordingId}
                      data-testid="queue-item"
                      data-state={item.state}
                      data-recording-id={item.recordingId}
                      data-attempts={item.attempts}
                      data-next-attempt={item.nextAttemptAt}
                    >
                      <td className="mono">{item.recordingId.slice(0, 8)}</td>
                      <td>
                        <HistoryStatePill state={item.state} />
                      </td>
                      <td>
                        {item.chunksAcked} / {item.chunksTotal}
                      </td>
                      <td>{item.attempts}</td>
                      <td>{item.nextAttemptAt ? formatTime(item.nextAttemptAt) : '—'}</td>
                      <td className="small">{item.lastError ?? ''}</td>
                      <td>
                        <div className="row" style={{ flexWrap: 'nowrap' }}>
                          <button
                            type="button"
                            className="btn btn-small"
                            disabled={busy[item.recordingId]}
                            onClick={() => void status.getState().retryNow(item.recordingId)}
                            aria-label={`Retry ${item.recordingId} now`}
                          >
                            Retry now
                          </button>
                          <button
                            type="button"
                            className="btn btn-small btn-danger"
                            disabled={busy[item.recordingId]}
                            onClick={() => void status.getState().discard(item.recordingId)}
                            aria-label={`Discard ${item.recordingId}`}
                          >
                            Discard
                          </button>
                        </div>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </div>
          <div className="card">
            <h2>Recent errors</h2>
            {snapshot.errors.length === 0 ? (
              <div className="muted small">No errors.</div>
            ) : (
              <div className="timeline" data-testid="errors">
                {snapshot.errors.map((e, i) => (
                  <div className="timeline-row" key={`${e.at}-${i}`} data-testid="error">
                    <span className="mono muted">{formatTime(e.at)}</span>
                    <span>{e.source}</span>
                    <span>
                      {e.message}
                      {e.count && e.count > 1 ? (
                        <span className="muted" data-testid="error-count">{` (×${e.count})`}</span>
                      ) : null}
                    </span>
                  </div>
                ))}
              </div>
            )}
          </div>
        </>
      )}
      <SessionLookup />
    </section>
  );
}
