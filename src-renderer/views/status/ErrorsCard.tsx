// Recent errors, newest first, repeated ones counted.
import type { StatusSnapshot } from '../../../src-shared/api/status.js';
import { formatTime } from '../../util/format.js';

export function ErrorsCard({ errors }: { errors: StatusSnapshot['errors'] }) {
  return (
    <div className="card">
      <h2>Recent errors</h2>
      {errors.length === 0 ? (
        <div className="muted small">No errors.</div>
      ) : (
        <div className="timeline" data-testid="errors">
          {errors.map((e, i) => (
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
  );
}
