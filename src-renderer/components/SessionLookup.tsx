// Status view, for support: look a session up by id on the configured gateways, through
// their session lookup API (GET /api/v1/session/:id, which the kikipounamu gateway and
// ours both serve; docs/interop.md). Main makes the request, with the stored token, and
// only to the gateways recordings go to. The id is checked here with the same rule main
// applies, so a typo gets its message at the field without a round trip.
import { useRef, useState, type FormEvent } from 'react';
import {
  lookupSessionIdSchema,
  type GatewaySession,
  type SessionLookupAttempt,
  type SessionLookupResult,
} from '../../src-shared/api/status.js';
import { useAppContext } from '../context.js';
import { formatDuration } from '../util/format.js';
import { Field } from './Field.js';

/** What support can do about each failure, after the gateway's own reason. */
const ADVICE: Record<NonNullable<SessionLookupAttempt['failure']>, string> = {
  not_found:
    'A gateway keeps finished sessions for a limited time, and the gateway on this computer keeps none.',
  unauthorized: 'Set the gateway token in Settings.',
  unreachable: 'Is the gateway running? Its connection state is shown above.',
  http_error: '',
  bad_answer: 'This gateway may not serve the session lookup API.',
  bad_url: 'Check the gateway URL in Settings.',
};

function describeFailure(attempts: SessionLookupAttempt[]): string {
  if (attempts.length === 0) return 'No gateway is configured: add a gateway URL in Settings.';
  if (attempts.every((a) => a.failure === 'not_found'))
    return `No such session on ${attempts.map((a) => a.label).join(' or ')}.`;
  return 'The session could not be looked up.';
}

/** A gateway timestamp (ISO 8601) in local time, short enough for a stat; the exact one on hover. */
function when(iso: string | undefined): { text?: string; title?: string } {
  if (!iso) return {};
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return { text: iso };
  const date = new Date(at);
  // Today's sessions (the usual support case) need only the time.
  const text =
    date.toDateString() === new Date().toDateString()
      ? date.toLocaleTimeString(undefined, { hour12: false })
      : date.toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium', hour12: false });
  return { text, title: iso };
}

function Detail({
  label,
  value,
  title,
}: {
  label: string;
  value: string | number | undefined;
  title?: string;
}) {
  return (
    <div className="stat">
      <span className="stat-label">{label}</span>
      <span className="stat-value" style={{ fontSize: 16, overflowWrap: 'anywhere' }} title={title}>
        {value ?? '—'}
      </span>
    </div>
  );
}

function SessionCard({ session, from }: { session: GatewaySession; from: SessionLookupAttempt }) {
  const recognised = session.chunks.filter((c) => c.recognised).length;
  const [started, finished] = [when(session.createdAt), when(session.completedAt)];
  const seconds = (s: number | undefined) => (s === undefined ? undefined : formatDuration(s * 1000));
  return (
    <div data-testid="session-found" data-session-id={session.id} data-status={session.status}>
      <p className="small muted" style={{ margin: '12px 0 8px' }}>
        From {from.label} <span className="mono">({from.gatewayUrl})</span>
      </p>
      <div className="grid grid-4">
        <Detail label="Status" value={`${session.status}${session.partial ? ' (partial)' : ''}`} />
        <Detail label="Chunks recognised" value={`${recognised} of ${session.chunks.length}`} />
        <Detail label="Chunk frames counted" value={session.chunkCount} />
        <Detail label="User" value={session.userId} />
        <Detail label="Started" value={started.text} title={started.title} />
        <Detail label="Finished" value={finished.text} title={finished.title} />
        <Detail label="Duration" value={seconds(session.duration)} />
        <Detail label="Audio" value={seconds(session.audioSeconds)} />
      </div>
      <h3 className="small muted" style={{ margin: '14px 0 6px' }}>
        Final text
      </h3>
      <p data-testid="session-final-text" style={{ margin: 0 }}>
        {session.finalText || <span className="muted">No final text yet.</span>}
      </p>
      {session.chunks.length > 0 && (
        <table style={{ marginTop: 12 }}>
          <thead>
            <tr>
              <th scope="col">Chunk</th>
              <th scope="col">Text</th>
            </tr>
          </thead>
          <tbody>
            {session.chunks.map((chunk) => (
              <tr key={chunk.index} data-testid="session-chunk" data-recognised={chunk.recognised}>
                <td className="mono">{chunk.index}</td>
                <td>
                  {chunk.recognised ? chunk.text || <span className="muted">(no words)</span> : 'waiting'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

export function SessionLookup() {
  const { api } = useAppContext();
  const [sessionId, setSessionId] = useState('');
  const [inputError, setInputError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<SessionLookupResult>();
  const [callError, setCallError] = useState<string>();
  // Only the latest lookup may show its answer: an earlier, slower one is dropped.
  const latest = useRef(0);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const parsed = lookupSessionIdSchema.safeParse(sessionId);
    if (!parsed.success) {
      setInputError(parsed.error.issues[0]?.message ?? 'invalid session id');
      return;
    }
    setInputError(undefined);
    const request = ++latest.current;
    setBusy(true);
    setResult(undefined);
    setCallError(undefined);
    try {
      const answer = await api.call('status.lookupSession', { sessionId: parsed.data });
      if (request === latest.current) setResult(answer);
    } catch (error) {
      if (request === latest.current)
        setCallError(`Could not look the session up: ${(error as Error).message}`);
    } finally {
      if (request === latest.current) setBusy(false);
    }
  };

  return (
    <div className="card" data-testid="session-lookup">
      <h2>Look up a session</h2>
      <p className="small muted" style={{ marginTop: 0 }}>
        What the gateway holds for a session id: its chunks, their texts and the final text.
      </p>
      <form className="row" style={{ alignItems: 'flex-start' }} onSubmit={(e) => void submit(e)} noValidate>
        <div style={{ flex: 1 }}>
          <Field label="Session id" error={inputError} testId="field-session-id">
            {(props) => (
              <input
                {...props}
                className="mono"
                value={sessionId}
                autoComplete="off"
                spellCheck={false}
                maxLength={256}
                onChange={(e) => setSessionId(e.target.value)}
              />
            )}
          </Field>
        </div>
        <button
          type="submit"
          className="btn btn-primary"
          disabled={busy}
          data-testid="session-lookup-submit"
          style={{ marginTop: 22 }}
        >
          {busy ? 'Looking up…' : 'Look up'}
        </button>
      </form>
      {callError && (
        <div className="field-error" role="alert" data-testid="session-lookup-error" data-failure="call">
          {callError}
        </div>
      )}
      {result?.found === true && <SessionCard session={result.session} from={result.from} />}
      {result?.found === false && (
        <div
          className="field-error"
          role="alert"
          data-testid="session-lookup-error"
          data-failure={result.attempts[0]?.failure ?? 'no_gateway'}
        >
          <div>{describeFailure(result.attempts)}</div>
          {result.attempts.map((attempt) => (
            <div key={attempt.gatewayUrl} data-testid="session-lookup-attempt" data-failure={attempt.failure}>
              {attempt.label}: {attempt.message}. {attempt.failure ? ADVICE[attempt.failure] : ''}
            </div>
          ))}
        </div>
      )}
    </div>
  );
}
