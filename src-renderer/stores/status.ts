// Status (support view): the latest snapshot from main (`status.changed`, ~2/s at most),
// plus the actions on queued items. Nothing here is computed from guesses: every figure
// is what main's connection monitor and outbox reported.
import { createStore } from 'zustand/vanilla';
import type { EarshotApi } from '../../src-shared/api/contract.js';
import type { TextFile } from '../../src-shared/api/common.js';
import type {
  BundleDownload,
  RecentError,
  SavedBundle,
  StatusSnapshot,
} from '../../src-shared/api/status.js';

const UNREACHABLE = new Set(['backing_off', 'offline', 'unauthorized']);

/** Whether any configured gateway can take audio now (true until the first snapshot says otherwise). */
export function gatewayReachable(snapshot: StatusSnapshot | undefined): boolean {
  if (!snapshot) return true;
  return snapshot.endpoints.some((e) => !UNREACHABLE.has(e.state));
}

export interface StatusState {
  snapshot?: StatusSnapshot;
  error?: string;
  /** Recording ids with an action in flight (buttons disable themselves). */
  busy: Record<string, boolean>;
  refresh(): Promise<void>;
  retryNow(recordingId: string): Promise<void>;
  discard(recordingId: string): Promise<void>;
  diagnostics(): Promise<TextFile>;
  /** The diagnostics bundle as bytes (web mode downloads it). */
  bundle(): Promise<BundleDownload>;
  /** The desktop app: main asks where with its save dialog and writes the bundle. */
  saveBundle(): Promise<SavedBundle>;
  dispose(): void;
}

/** Errors from snapshots and app.error events, newest first; a repeated error (same source and message) is kept once, newest. */
export function mergeErrors(
  current: readonly RecentError[],
  incoming: readonly RecentError[],
  limit = 50,
): RecentError[] {
  const seen = new Set<string>();
  const all = [...incoming, ...current].sort((a, b) => b.at - a.at);
  const out: RecentError[] = [];
  for (const e of all) {
    const key = `${e.source}|${e.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(e);
    if (out.length >= limit) break;
  }
  return out;
}

export function createStatusStore(api: EarshotApi) {
  const store = createStore<StatusState>()((set, get) => {
    const act = async (recordingId: string, channel: 'status.retryNow' | 'status.discard') => {
      set((s) => ({ busy: { ...s.busy, [recordingId]: true } }));
      try {
        const { ok } = await api.call(channel, { recordingId });
        await get().refresh();
        // After the refresh, which clears older messages.
        if (!ok)
          set({
            error: `${channel === 'status.retryNow' ? 'Retry' : 'Discard'} was not possible for ${recordingId}.`,
          });
      } catch (error) {
        set({ error: (error as Error).message });
      } finally {
        set((s) => ({ busy: { ...s.busy, [recordingId]: false } }));
      }
    };
    return {
      busy: {},
      async refresh() {
        try {
          const snapshot = await api.call('status.get', {});
          set((s) => ({
            snapshot: { ...snapshot, errors: mergeErrors(s.snapshot?.errors ?? [], snapshot.errors) },
            error: undefined,
          }));
        } catch (error) {
          set({ error: `Could not read the status: ${(error as Error).message}` });
        }
      },
      retryNow: (id) => act(id, 'status.retryNow'),
      discard: (id) => act(id, 'status.discard'),
      diagnostics: () => api.call('status.diagnostics', {}),
      bundle: () => api.call('status.bundle', {}),
      saveBundle: () => api.call('status.saveBundle', {}),
      dispose() {
        for (const off of unsubscribers) off();
      },
    };
  });

  const unsubscribers = [
    api.on('status.changed', (snapshot) => {
      const previous = store.getState().snapshot?.errors ?? [];
      store.setState({ snapshot: { ...snapshot, errors: mergeErrors(previous, snapshot.errors) } });
    }),
    api.on('app.error', (error) => {
      const s = store.getState();
      if (s.snapshot)
        store.setState({ snapshot: { ...s.snapshot, errors: mergeErrors(s.snapshot.errors, [error]) } });
    }),
  ];
  return store;
}

export type StatusStore = ReturnType<typeof createStatusStore>;
