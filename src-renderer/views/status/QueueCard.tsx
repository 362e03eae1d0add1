// The local queue: recordings waiting for a transcript, with their attempts and the
// actions support can take on each.
import type { StatusSnapshot } from '../../../src-shared/api/status.js';
import { HistoryStatePill, StatePill } from '../../components/StatePill.js';
import { formatTime } from '../../util/format.js';

export interface QueueCardProps {
  snapshot: StatusSnapshot;
  /** Recordings with an action in progress. */
  busy: Record<string, boolean>;
  onRetry(recordingId: string): void;
  onDiscard(recordingId: string): void;
}

export function QueueCard({ snapshot, busy, onRetry, onDiscard }: QueueCardProps) {
  return (
    <div className="card" data-testid="queue">
      <div className="row card-title-row">
        <h2>Local queue</h2>
        <StatePill tone="muted" testId="queue-depth">
          {snapshot.queue.depth} waiting
        </StatePill>
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
        <div className="table-scroll">
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
                    <div className="row row-nowrap">
                      <button
                        type="button"
                        className="btn btn-small"
                        disabled={busy[item.recordingId]}
                        onClick={() => onRetry(item.recordingId)}
                        aria-label={`Retry ${item.recordingId} now`}
                      >
                        Retry now
                      </button>
                      <button
                        type="button"
                        className="btn btn-small btn-danger"
                        disabled={busy[item.recordingId]}
                        onClick={() => onDiscard(item.recordingId)}
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
        </div>
      )}
    </div>
  );
}
