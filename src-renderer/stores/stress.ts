// Stress (QA view): the run's state, and the live series for the charts. Main sends a
// few snapshots per second; this store applies them at most every `throttleMs`, and the
// series are bounded, so the view stays responsive however many sessions run.
import { createStore } from 'zustand/vanilla';
import type { EarshotApi } from '../../src-shared/api/contract.js';
import type { TextFile } from '../../src-shared/api/common.js';
import type { ReportFormat, StressRunStatus, StressSnapshot } from '../../src-shared/api/stress.js';
import { stressRunRequestSchema, type StressRunRequestInput } from '../../src-shared/stress/config.js';
import { describeZodError } from '../../src-shared/zod-error.js';

export const SERIES_KEYS = [
  't',
  'open',
  'inFlight',
  'sessionsPerSec',
  'completedPerSec',
  'errorsPerSec',
  'completed',
  'refused',
  'timedOut',
  'failed',
  'p50',
  'p99',
] as const;
export type SeriesKey = (typeof SERIES_KEYS)[number];
/** Columns for uPlot; null marks a gap (a figure the engine did not report). */
export type StressSeries = Record<SeriesKey, (number | null)[]>;

export function emptySeries(): StressSeries {
  return Object.fromEntries(SERIES_KEYS.map((k) => [k, []])) as unknown as StressSeries;
}

export function refusedTotal(snapshot: StressSnapshot): number {
  return Object.values(snapshot.refused).reduce((a, b) => a + b, 0);
}

/** Appends one snapshot; drops the oldest points beyond `maxPoints`. */
export function appendSnapshot(
  series: StressSeries,
  snapshot: StressSnapshot,
  maxPoints: number,
): StressSeries {
  const point: Record<SeriesKey, number | null> = {
    t: snapshot.elapsedSec,
    open: snapshot.openConnections,
    inFlight: snapshot.inFlight,
    sessionsPerSec: snapshot.sessionsPerSec,
    completedPerSec: snapshot.completedPerSec,
    errorsPerSec: snapshot.errorsPerSec,
    completed: snapshot.completed,
    refused: refusedTotal(snapshot),
    timedOut: snapshot.timedOut,
    failed: snapshot.failed,
    // A second with no final result has no latency: a gap, not 0 ms.
    p50: snapshot.latencyMs?.p50 ?? null,
    p99: snapshot.latencyMs?.p99 ?? null,
  };
  const next = {} as StressSeries;
  for (const key of SERIES_KEYS) {
    const column =
      series[key].length >= maxPoints
        ? series[key].slice(series[key].length - maxPoints + 1)
        : series[key].slice();
    column.push(point[key]);
    next[key] = column;
  }
  return next;
}

/** The series of a run's snapshots, oldest first (the last `maxPoints`). */
export function seriesOf(snapshots: readonly StressSnapshot[], maxPoints: number): StressSeries {
  let series = emptySeries();
  for (const snapshot of snapshots.slice(-maxPoints)) series = appendSnapshot(series, snapshot, maxPoints);
  return series;
}

/** Sessions that ended in anything but a final result (refused, timed out, failed, unfinished). */
export function errorTotal(snapshot: StressSnapshot): number {
  return Object.entries(snapshot.outcomes)
    .filter(([outcome]) => outcome !== 'ok')
    .reduce((n, [, count]) => n + count, 0);
}

/** Maps a config to one message per field, as the form shows them. */
export function validateStressConfig(
  config: StressRunRequestInput,
): { ok: true } | { ok: false; errors: Record<string, string> } {
  const result = stressRunRequestSchema.safeParse(config);
  if (result.success) return { ok: true };
  const errors: Record<string, string> = {};
  for (const issue of result.error.issues) {
    const field = String(issue.path[0] ?? 'form');
    errors[field] ??= issue.message;
  }
  if (Object.keys(errors).length === 0) errors.form = describeZodError(result.error);
  return { ok: false, errors };
}

export interface StressState {
  status: StressRunStatus;
  latest?: StressSnapshot;
  series: StressSeries;
  fieldErrors: Record<string, string>;
  error?: string;
  refresh(): Promise<void>;
  start(config: StressRunRequestInput): Promise<boolean>;
  stop(): Promise<void>;
  report(format: ReportFormat): Promise<TextFile>;
  dispose(): void;
}

export function createStressStore(api: EarshotApi, { throttleMs = 250, maxPoints = 3600 } = {}) {
  let pending: StressSnapshot[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;

  const applyPending = () => {
    timer = undefined;
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    const s = store.getState();
    let series = s.series;
    for (const snap of batch) {
      if (snap.runId !== s.status.runId && s.status.runId !== undefined) continue;
      series = appendSnapshot(series, snap, maxPoints);
    }
    store.setState({ series, latest: batch[batch.length - 1] });
  };

  const store = createStore<StressState>()((set, get) => ({
    status: { state: 'idle', reportReady: false },
    series: emptySeries(),
    fieldErrors: {},

    async refresh() {
      try {
        const [status, history] = await Promise.all([
          api.call('stress.status', {}),
          api.call('stress.series', {}),
        ]);
        // The charts' points live in main: after a reload they come back from there, and
        // live snapshots that arrived meanwhile are newer than the ones in the answer.
        const known = new Set(history.snapshots.map((s) => s.elapsedSec));
        const newer = pending.filter((s) => s.runId === history.runId && !known.has(s.elapsedSec));
        pending = [];
        const snapshots = history.runId === status.runId ? [...history.snapshots, ...newer] : [];
        set({
          status,
          latest: status.last ?? get().latest,
          ...(snapshots.length ? { series: seriesOf(snapshots, maxPoints) } : {}),
        });
      } catch (error) {
        set({ error: `Could not read the stress run: ${(error as Error).message}` });
      }
    },

    async start(config: StressRunRequestInput) {
      const checked = validateStressConfig(config);
      if (!checked.ok) {
        set({ fieldErrors: checked.errors });
        return false;
      }
      set({ fieldErrors: {}, error: undefined, series: emptySeries(), latest: undefined });
      pending = [];
      try {
        const { runId } = await api.call('stress.start', config);
        set((s) => ({
          status: {
            ...s.status,
            state: s.status.runId === runId ? s.status.state : 'starting',
            runId,
            config: undefined,
            reportReady: false,
          },
        }));
        return true;
      } catch (error) {
        set({ error: `Could not start the stress run: ${(error as Error).message}` });
        return false;
      }
    },

    async stop() {
      try {
        await api.call('stress.stop', {});
      } catch (error) {
        set({ error: `Could not stop the run: ${(error as Error).message}` });
      }
    },

    report(format) {
      return api.call('stress.report', {
        format,
        ...(get().status.runId ? { runId: get().status.runId } : {}),
      });
    },

    dispose() {
      for (const off of unsubscribers) off();
      if (timer) clearTimeout(timer);
    },
  }));

  const unsubscribers = [
    api.on('stress.state', (status) => {
      applyPending(); // points of the previous state belong before the transition
      store.setState({ status, ...(status.last ? { latest: status.last } : {}) });
    }),
    api.on('stress.snapshot', (snapshot) => {
      pending.push(snapshot);
      timer ??= setTimeout(applyPending, throttleMs);
    }),
  ];
  return store;
}

export type StressStore = ReturnType<typeof createStressStore>;
