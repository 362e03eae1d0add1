// History: recordings newest first, kept in step with main by `history.changed` events.
// A search narrows the list on main's side; events for items outside the search are
// filtered here the same way (case-insensitive substring of the text).
import { createStore } from 'zustand/vanilla';
import type { EarshotApi } from '../../src-shared/api/contract.js';
import type { TextFile } from '../../src-shared/api/common.js';
import type {
  CombinedExportFormat,
  ExportFormat,
  HistoryDetail,
  HistoryItem,
} from '../../src-shared/api/history.js';

export interface HistoryState {
  items: HistoryItem[];
  search: string;
  loading: boolean;
  /** Whether older recordings may exist beyond the loaded page. */
  hasMore: boolean;
  error?: string;
  /** Details (chunks) of recordings the user opened. */
  details: Record<string, HistoryDetail | undefined>;
  /** Re-transcriptions asked for, by the recording they came from: shown on that recording. */
  retranscribing: Record<string, Retranscription | undefined>;
  /** Recordings ticked for a combined export, in the order they were ticked. */
  selected: string[];
  load(search?: string): Promise<void>;
  setSearch(search: string): void;
  /** Appends the next page of older recordings. */
  loadMore(): Promise<void>;
  loadDetail(recordingId: string): Promise<HistoryDetail | undefined>;
  exportRecording(recordingId: string, format: ExportFormat): Promise<TextFile>;
  /** Ticks or unticks one recording. */
  toggleSelected(recordingId: string, selected: boolean): void;
  /** Ticks every recording listed (all: false clears the selection). */
  selectAll(all: boolean): void;
  /** The ticked recordings as one file. */
  exportSelection(format: CombinedExportFormat): Promise<TextFile>;
  /** Saves the user's edit of the text (null: back to the recognised text); rejects with the reason. */
  edit(recordingId: string, text: string | null): Promise<void>;
  retranscribe(recordingId: string): Promise<void>;
  remove(recordingId: string): Promise<void>;
  dispose(): void;
}

/** A re-transcription in progress or done, as its source recording shows it. */
export interface Retranscription {
  /** The new recording holding the re-transcription, once main named it. */
  copyId?: string;
  state: HistoryItem['state'] | 'starting';
  text?: string;
  error?: string;
}

/** As main searches: the text (the user's edit where there is one) and what was recognised. */
export function matchesSearch(item: HistoryItem, search: string): boolean {
  const needle = search.trim().toLowerCase();
  return (
    needle === '' ||
    item.text.toLowerCase().includes(needle) ||
    (item.recognisedText?.toLowerCase().includes(needle) ?? false)
  );
}

/** Inserts or replaces `item`, keeping newest-first order. */
export function upsertNewestFirst(items: readonly HistoryItem[], item: HistoryItem): HistoryItem[] {
  const rest = items.filter((i) => i.recordingId !== item.recordingId);
  const at = rest.findIndex((i) => i.createdAt < item.createdAt);
  if (at === -1) return [...rest, item];
  return [...rest.slice(0, at), item, ...rest.slice(at)];
}

export function createHistoryStore(api: EarshotApi, { pageSize = 100, searchDelayMs = 200 } = {}) {
  let loadToken = 0;
  let searchTimer: ReturnType<typeof setTimeout> | undefined;

  const store = createStore<HistoryState>()((set, get) => ({
    items: [],
    search: '',
    loading: false,
    hasMore: false,
    details: {},
    retranscribing: {},
    selected: [],

    async load(search = get().search) {
      const token = ++loadToken;
      set({ loading: true, search, error: undefined });
      try {
        const trimmed = search.trim();
        const { items } = await api.call('history.list', {
          limit: pageSize,
          ...(trimmed ? { search: trimmed } : {}),
        });
        if (token === loadToken) set({ items, loading: false, hasMore: items.length === pageSize });
      } catch (error) {
        if (token === loadToken)
          set({ loading: false, error: `Could not load the history: ${(error as Error).message}` });
      }
    },

    setSearch(search: string) {
      set({ search });
      if (searchTimer) clearTimeout(searchTimer);
      searchTimer = setTimeout(() => void get().load(search), searchDelayMs);
    },

    async loadMore() {
      const { items, search, loading } = get();
      const oldest = items[items.length - 1];
      if (loading || !oldest) return;
      const token = loadToken;
      set({ loading: true });
      try {
        const trimmed = search.trim();
        const page = await api.call('history.list', {
          limit: pageSize,
          before: oldest.createdAt,
          ...(trimmed ? { search: trimmed } : {}),
        });
        if (token !== loadToken) return; // a new search started meanwhile
        let merged = get().items;
        for (const item of page.items) merged = upsertNewestFirst(merged, item);
        set({ items: merged, loading: false, hasMore: page.items.length === pageSize });
      } catch (error) {
        set({ loading: false, error: `Could not load older recordings: ${(error as Error).message}` });
      }
    },

    async loadDetail(recordingId: string) {
      try {
        const detail = await api.call('history.get', { recordingId });
        set((s) => ({ details: { ...s.details, [recordingId]: detail } }));
        return detail;
      } catch (error) {
        set({ error: `Could not load the recording: ${(error as Error).message}` });
        return undefined;
      }
    },

    exportRecording(recordingId: string, format: ExportFormat) {
      return api.call('history.export', { recordingId, format });
    },

    toggleSelected(recordingId: string, selected: boolean) {
      set((s) => ({
        selected: selected
          ? s.selected.includes(recordingId)
            ? s.selected
            : [...s.selected, recordingId]
          : s.selected.filter((id) => id !== recordingId),
      }));
    },

    selectAll(all: boolean) {
      set((s) => ({ selected: all ? s.items.map((i) => i.recordingId) : [] }));
    },

    exportSelection(format: CombinedExportFormat) {
      return api.call('history.exportSelection', { recordingIds: get().selected, format });
    },

    async edit(recordingId: string, text: string | null) {
      const item = await api.call('history.edit', { recordingId, text });
      // The change event brings the same; applying the answer now shows it without a wait.
      set((s) => ({ items: s.items.map((i) => (i.recordingId === recordingId ? item : i)) }));
    },

    async retranscribe(recordingId: string) {
      const mark = (r: Retranscription | undefined) =>
        set((s) => ({ retranscribing: { ...s.retranscribing, [recordingId]: r } }));
      mark({ state: 'starting' });
      try {
        const { recordingId: copyId } = await api.call('history.retranscribe', { recordingId });
        // Its events may have arrived before this answer: start from what the list knows.
        const known = get().items.find((i) => i.recordingId === copyId);
        mark({ copyId, state: known?.state ?? 'queued', text: known?.text, error: known?.failureReason });
      } catch (error) {
        mark({ state: 'failed', error: (error as Error).message });
      }
    },

    async remove(recordingId: string) {
      try {
        await api.call('history.delete', { recordingId });
        set((s) => ({
          items: s.items.filter((i) => i.recordingId !== recordingId),
          selected: s.selected.filter((id) => id !== recordingId),
        }));
      } catch (error) {
        set({ error: `Could not delete: ${(error as Error).message}` });
      }
    },

    dispose() {
      off();
      if (searchTimer) clearTimeout(searchTimer);
    },
  }));

  const off = api.on('history.changed', ({ recordingId, item }) => {
    const s = store.getState();
    // A re-transcription's progress shows on the recording it came from, where it was asked for.
    for (const [sourceId, r] of Object.entries(s.retranscribing))
      if (r?.copyId === recordingId)
        store.setState({
          retranscribing: {
            ...s.retranscribing,
            [sourceId]: item
              ? { ...r, state: item.state, text: item.text, error: item.failureReason }
              : { ...r, state: 'failed', error: 'the re-transcription was deleted' },
          },
        });
    const details = { ...s.details };
    const had = details[recordingId];
    if (!item) {
      delete details[recordingId];
      store.setState({
        items: s.items.filter((i) => i.recordingId !== recordingId),
        details,
        // A deleted recording cannot be exported: it leaves the selection.
        selected: s.selected.filter((id) => id !== recordingId),
      });
      return;
    }
    const items = matchesSearch(item, s.search)
      ? upsertNewestFirst(s.items, item)
      : s.items.filter((i) => i.recordingId !== recordingId);
    store.setState({ items });
    // An opened recording changed (new chunk, final text): refresh its regions.
    if (had) void store.getState().loadDetail(recordingId);
  });

  return store;
}

export type HistoryStore = ReturnType<typeof createHistoryStore>;
