// Coloured state labels. `StatePill` is the one pill; the typed ones below map each
// state of a recording, a connection, a dictation or a stress run to its label and tone
// in one table each, so a state reads the same in every view.
import type { ReactNode } from 'react';
import type { HistoryState } from '../../src-shared/api/history.js';
import type { ConnectionState } from '../../src-shared/api/status.js';
import type { StressRunStatus } from '../../src-shared/api/stress.js';
import type { DictationPhase } from '../stores/dictation.js';

export type Tone = 'ok' | 'warn' | 'danger' | 'info' | 'muted';

export interface StatePillProps {
  tone: Tone;
  /** The machine-readable state, for tests and styles. */
  state?: string;
  testId?: string;
  children: ReactNode;
}

export function StatePill({ tone, state, testId, children }: StatePillProps) {
  return (
    <span className={`pill pill-${tone}`} data-state={state} data-testid={testId}>
      {children}
    </span>
  );
}

type Labels<S extends string> = Record<S, [label: string, tone: Tone]>;

const HISTORY_LABELS: Labels<HistoryState> = {
  recording: ['Recording', 'danger'],
  queued: ['Queued', 'warn'],
  uploading: ['Uploading', 'info'],
  waiting: ['Waiting for results', 'info'],
  done: ['Done', 'ok'],
  failed: ['Failed', 'danger'],
};

const CONNECTION_LABELS: Labels<ConnectionState> = {
  idle: ['Idle', 'muted'],
  connecting: ['Connecting', 'info'],
  connected: ['Connected', 'ok'],
  backing_off: ['Backing off', 'warn'],
  offline: ['Offline', 'danger'],
  unauthorized: ['Unauthorized', 'danger'],
};

const DICTATION_LABELS: Labels<DictationPhase> = {
  idle: ['Ready', 'muted'],
  starting: ['Starting…', 'danger'],
  recording: ['Recording', 'danger'],
  finishing: ['Transcribing…', 'info'],
  done: ['Done', 'ok'],
  failed: ['Failed', 'danger'],
};

// A stress run's state is shown as its own name.
const STRESS_TONES: Partial<Record<StressRunStatus['state'], Tone>> = {
  running: 'info',
  finished: 'ok',
  failed: 'danger',
};

function pill<S extends string>(labels: Labels<S>, state: S, testId?: string) {
  const [label, tone] = labels[state] ?? [state, 'muted'];
  return (
    <StatePill tone={tone} state={state} testId={testId}>
      {label}
    </StatePill>
  );
}

export function HistoryStatePill({ state }: { state: HistoryState }) {
  return pill(HISTORY_LABELS, state);
}

export function ConnectionPill({ state }: { state: ConnectionState }) {
  return pill(CONNECTION_LABELS, state);
}

export function DictationPhasePill({ phase, testId }: { phase: DictationPhase; testId?: string }) {
  return pill(DICTATION_LABELS, phase, testId);
}

/**
 * A stress run's state. A run that finished with sessions ending in errors is not shown as
 * a success: amber when some sessions completed, red when none did, or when a threshold failed.
 */
export function StressStatePill({
  state,
  testId,
  errors = 0,
  completed = 0,
  breached = 0,
}: {
  state: StressRunStatus['state'];
  testId?: string;
  errors?: number;
  completed?: number;
  /** Thresholds the finished run failed: red, as `earshot stress` exits 99 for them. */
  breached?: number;
}) {
  const tone: Tone =
    state === 'finished' && breached > 0
      ? 'danger'
      : state === 'finished' && errors > 0
        ? completed > 0
          ? 'warn'
          : 'danger'
        : (STRESS_TONES[state] ?? 'muted');
  return (
    <StatePill tone={tone} state={state} testId={testId}>
      {state}
    </StatePill>
  );
}

export function connectionLabel(state: ConnectionState): string {
  return CONNECTION_LABELS[state]?.[0] ?? state;
}
