// Dictation: the record button's state, the live transcript and the final text. The
// microphone keeps capturing into a pre-roll; pressing record starts forwarding at once,
// and batches captured before main has answered `dictation.start` are held and sent,
// in order, as soon as the dictation id is known, so the first word is never lost.
import { createStore } from 'zustand/vanilla';
import type { EarshotApi } from '../../src-shared/api/contract.js';
import { MAX_BATCH_SAMPLES } from '../../src-shared/api/dictation.js';
import type { DictationStatus } from '../../src-shared/api/dictation.js';

export type DictationPhase = 'idle' | 'starting' | 'recording' | 'finishing' | 'done' | 'failed';

/** The microphone as the store needs it: start/stop forwarding batches. */
export interface CaptureControl {
  /** Starts forwarding; rejects (with the reason to show) when the microphone cannot be opened. */
  start(): Promise<void>;
  stop(): void;
}

export interface DictationState {
  phase: DictationPhase;
  dictationId?: string;
  recordingId?: string;
  startedAt?: number;
  /** When the dictation stopped (for a frozen elapsed time). */
  stoppedAt?: number;
  /** Transcript so far from chunk_results, replaced by `finalText`. */
  liveText: string;
  /**
   * Provisional text of the chunk still open (live text while speaking), shown after
   * `liveText` until that chunk's result or the final text arrives.
   */
  provisional?: { chunkIndex: number; text: string };
  /** Highest chunk index with a real result: older provisional text is stale. */
  lastResultIndex: number;
  finalText?: string;
  partial: boolean;
  error?: string;
  /** What happened to the last dictation when there is no transcript to show (nothing kept). */
  note?: string;
  /** Why main stopped the last dictation by itself (the Settings' silence), shown by the record button. */
  stopNote?: string;
  /** A dictation main is recording for another window or tab (this page does not capture it). */
  elsewhere?: { dictationId: string; startedAt?: number };
  pasteNote?: string;
  /** Samples sent to main for this dictation. */
  samplesSent: number;
  /** Paste the final text into the previously focused app, for the next dictation (undefined = the setting). */
  pasteOverride?: boolean;
  setPasteOverride(value: boolean | undefined): void;
  toggle(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stops the dictation another page records (that page is gone or forgotten). */
  stopElsewhere(): Promise<void>;
  /** Called by the microphone for each captured batch while forwarding. */
  pushBatch(pcm: Int16Array): void;
  dispose(): void;
}

/** Splits a batch that exceeds the API's bound (a long pre-roll) into legal pieces. */
export function splitBatch(pcm: Int16Array, max = MAX_BATCH_SAMPLES): Int16Array[] {
  if (pcm.length <= max) return [pcm];
  const parts: Int16Array[] = [];
  for (let offset = 0; offset < pcm.length; offset += max) parts.push(pcm.subarray(offset, offset + max));
  return parts;
}

/** The store after main discarded a dictation that captured nothing. */
function nothingKept(): Partial<DictationState> {
  return {
    phase: 'idle',
    startedAt: undefined,
    stoppedAt: undefined,
    note: 'Nothing was heard, so no recording was kept.',
  };
}

function phaseFromStatus(status: DictationStatus): DictationPhase {
  return status.state === 'idle' ? 'idle' : status.state;
}

export function createDictationStore(api: EarshotApi, capture: CaptureControl, now: () => number = Date.now) {
  let seq = 0;
  let held: Int16Array[] = [];

  const store = createStore<DictationState>()((set, get) => {
    const send = (pcm: Int16Array) => {
      const { dictationId } = get();
      if (!dictationId) {
        held.push(pcm);
        return;
      }
      for (const part of splitBatch(pcm)) {
        api.sendAudio({ dictationId, seq: seq++, pcm: part });
        set((s) => ({ samplesSent: s.samplesSent + part.length }));
      }
    };

    return {
      phase: 'idle',
      liveText: '',
      lastResultIndex: -1,
      partial: false,
      samplesSent: 0,

      setPasteOverride(value) {
        set({ pasteOverride: value });
      },

      async toggle() {
        const { phase } = get();
        if (phase === 'starting' || phase === 'recording') await get().stop();
        else if (phase !== 'finishing') await get().start();
      },

      async start() {
        const { phase } = get();
        if (phase === 'starting' || phase === 'recording') return;
        seq = 0;
        held = [];
        set({
          phase: 'starting',
          dictationId: undefined,
          recordingId: undefined,
          startedAt: now(),
          stoppedAt: undefined,
          liveText: '',
          provisional: undefined,
          lastResultIndex: -1,
          finalText: undefined,
          partial: false,
          error: undefined,
          note: undefined,
          stopNote: undefined,
          pasteNote: undefined,
          samplesSent: 0,
        });
        try {
          // The pre-roll and everything from now on is held until we have an id. No
          // microphone, no dictation: main is not asked to record what nobody captures.
          await capture.start();
        } catch (error) {
          held = [];
          set({
            phase: 'failed',
            startedAt: undefined,
            stoppedAt: undefined,
            error: `Nothing was recorded: ${(error as Error).message}.`,
          });
          return;
        }
        try {
          const { pasteOverride } = get();
          const started = await api.call(
            'dictation.start',
            pasteOverride === undefined ? {} : { pasteIntoFocusedApp: pasteOverride },
          );
          if (get().phase !== 'starting') {
            // stop() was pressed while we waited: main has a dictation to close.
            set({ dictationId: started.dictationId, recordingId: started.recordingId });
            for (const pcm of held.splice(0)) send(pcm);
            const stopped = await api.call('dictation.stop', { dictationId: started.dictationId });
            if (stopped.kept === false) set(nothingKept());
            return;
          }
          set({
            phase: 'recording',
            dictationId: started.dictationId,
            recordingId: started.recordingId,
            startedAt: started.startedAt,
          });
          for (const pcm of held.splice(0)) send(pcm);
        } catch (error) {
          capture.stop();
          held = [];
          set({
            phase: 'failed',
            error: `Could not start dictation: ${(error as Error).message}`,
            stoppedAt: now(),
          });
        }
      },

      async stop() {
        const { phase, dictationId } = get();
        if (phase !== 'starting' && phase !== 'recording') return;
        capture.stop(); // flushes the last partial batch through pushBatch
        set({ phase: 'finishing', stoppedAt: now() });
        if (!dictationId) return; // start() is still waiting; it stops the dictation itself
        try {
          const stopped = await api.call('dictation.stop', { dictationId });
          if (stopped.kept === false && get().dictationId === dictationId) set(nothingKept());
        } catch (error) {
          set({ phase: 'failed', error: `Could not stop dictation: ${(error as Error).message}` });
        }
      },

      async stopElsewhere() {
        const other = get().elsewhere;
        if (!other) return;
        try {
          await api.call('dictation.stop', { dictationId: other.dictationId });
          set({ elsewhere: undefined });
        } catch (error) {
          set({ error: `Could not stop the other recording: ${(error as Error).message}` });
        }
      },

      pushBatch(pcm: Int16Array) {
        const { phase } = get();
        // A flush can land just after stop(): it still belongs to this dictation.
        if (phase === 'starting' || phase === 'recording' || phase === 'finishing') send(pcm);
      },

      dispose() {
        for (const off of unsubscribers) off();
      },
    };
  });

  const unsubscribers = [
    api.on('dictation.state', (status) => {
      const s = store.getState();
      const foreign = status.dictationId !== undefined && status.dictationId !== s.dictationId;
      if (foreign && status.state === 'recording') {
        // Another page records: shown as such, never as this page's own recording.
        if (s.phase !== 'starting')
          store.setState({
            elsewhere: {
              dictationId: status.dictationId!,
              ...(status.startedAt ? { startedAt: status.startedAt } : {}),
            },
          });
        return;
      }
      if (s.elsewhere && (status.dictationId === undefined || status.dictationId === s.elsewhere.dictationId))
        store.setState({ elsewhere: undefined });
      if (foreign && s.dictationId) return;
      if (!s.dictationId && s.phase === 'starting') return; // our own start is in flight
      const phase = phaseFromStatus(status);
      if (phase === 'idle' && s.phase !== 'recording') return; // keep the last result on screen
      store.setState({
        phase,
        dictationId: status.dictationId ?? s.dictationId,
        recordingId: status.recordingId ?? s.recordingId,
        startedAt: status.startedAt ?? s.startedAt,
        error: status.state === 'failed' ? (status.reason ?? 'The dictation failed.') : s.error,
      });
      // Main stopped it (its page was thought gone, it failed, or nobody spoke): stop capturing too.
      if (phase !== 'recording' && (s.phase === 'recording' || s.phase === 'starting')) {
        capture.stop();
        if (status.autoStopped) {
          const after = `${status.autoStopped.silenceSec} s of silence`;
          store.setState({
            stoppedAt: now(),
            stopNote: `Stopped after ${after}.`,
            ...(phase === 'idle'
              ? { note: `Stopped after ${after}: nothing was heard, so no recording was kept.` }
              : {}),
          });
        }
      }
    }),
    api.on('dictation.chunk_result', (event) => {
      const s = store.getState();
      if (event.dictationId !== s.dictationId || s.finalText !== undefined) return; // the final text wins
      const lastResultIndex = Math.max(s.lastResultIndex, event.chunkIndex);
      // The chunk's real text replaces its provisional text (and any of an earlier chunk).
      const provisional =
        s.provisional && s.provisional.chunkIndex > lastResultIndex ? s.provisional : undefined;
      store.setState({ liveText: event.text, lastResultIndex, provisional });
    }),
    api.on('dictation.provisional', (event) => {
      const s = store.getState();
      if (event.dictationId !== s.dictationId || s.finalText !== undefined) return;
      if (event.chunkIndex <= s.lastResultIndex) return; // its real text is already here
      if (s.provisional && event.chunkIndex < s.provisional.chunkIndex) return; // a newer chunk is previewed
      store.setState({ provisional: { chunkIndex: event.chunkIndex, text: event.text } });
    }),
    api.on('dictation.final', (event) => {
      const s = store.getState();
      if (event.recordingId !== s.recordingId) return;
      const paste = event.paste;
      store.setState({
        finalText: event.text,
        liveText: event.text,
        provisional: undefined,
        partial: event.partial,
        phase: 'done',
        stoppedAt: s.stoppedAt ?? now(),
        pasteNote: paste
          ? paste.pasted
            ? 'Pasted into the focused application.'
            : `Not pasted: ${paste.reason ?? 'not possible here'}`
          : undefined,
      });
    }),
  ];

  return store;
}

/** Reloads the dictation main may still be finishing (a renderer reload loses nothing). */
export async function restoreDictation(
  api: EarshotApi,
  store: ReturnType<typeof createDictationStore>,
): Promise<void> {
  const status = await api.call('dictation.status', {});
  if (status.state === 'idle' || !status.dictationId) {
    store.setState({ elsewhere: undefined });
    return;
  }
  const mine = store.getState().dictationId === status.dictationId;
  if (status.state === 'recording' && !mine) {
    // Recording for another page: this one captures nothing, so it shows no running
    // recording of its own (no timer, no "Listening").
    store.setState({
      elsewhere: {
        dictationId: status.dictationId,
        ...(status.startedAt ? { startedAt: status.startedAt } : {}),
      },
    });
    return;
  }
  if (mine && (store.getState().phase === 'recording' || store.getState().phase === 'starting')) return;
  store.setState({
    elsewhere: undefined,
    phase: phaseFromStatus(status),
    dictationId: status.dictationId,
    recordingId: status.recordingId,
    startedAt: status.startedAt,
    error: status.reason,
  });
  if (status.recordingId) {
    const detail = await api.call('history.get', { recordingId: status.recordingId }).catch(() => undefined);
    if (detail)
      store.setState({ liveText: detail.text, finalText: detail.state === 'done' ? detail.text : undefined });
  }
}

export type DictationStore = ReturnType<typeof createDictationStore>;
