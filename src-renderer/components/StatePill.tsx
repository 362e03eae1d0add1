// Coloured state labels used by History and Status.
import type { ConnectionState, HistoryState } from '../../src-shared/api/models.js';

const HISTORY_LABELS: Record<HistoryState, [string, string]> = {
  recording: ['Recording', 'pill-danger'],
  queued: ['Queued', 'pill-warn'],
  uploading: ['Uploading', 'pill-info'],
  waiting: ['Waiting for results', 'pill-info'],
  done: ['Done', 'pill-ok'],
  failed: ['Failed', 'pill-danger'],
};

const CONNECTION_LABELS: Record<ConnectionState, [string, string]> = {
  idle: ['Idle', 'pill-muted'],
  connecting: ['Connecting', 'pill-info'],
  connected: ['Connected', 'pill-ok'],
  backing_off: ['Backing off', 'pill-warn'],
  offline: ['Offline', 'pill-danger'],
  unauthorized: ['Unauthorized', 'pill-danger'],
};

export function HistoryStatePill({ state }: { state: HistoryState }) {
  const [label, tone] = HISTORY_LABELS[state] ?? [state, 'pill-muted'];
  return (
    <span className={`pill ${tone}`} data-state={state}>
      {label}
    </span>
  );
}

export function ConnectionPill({ state }: { state: ConnectionState }) {
  const [label, tone] = CONNECTION_LABELS[state] ?? [state, 'pill-muted'];
  return (
    <span className={`pill ${tone}`} data-state={state}>
      {label}
    </span>
  );
}

export function connectionLabel(state: ConnectionState): string {
  return CONNECTION_LABELS[state]?.[0] ?? state;
}
