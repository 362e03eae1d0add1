// Dictation: audio batches from the renderer -> chunker (cuts at pauses) -> outbox. Each
// chunk is durable before anything else happens; the uploader streams it to the gateway
// while the user is still speaking. Live text comes back through the outbox's change
// events (the uploader writes results there), so what the renderer sees is always what
// is on disk.
import { PROTOCOL_SAMPLE_RATE } from '../../src-shared/audio/wav.js';
import { randomUUID } from 'node:crypto';
import { ApiError } from '../../src-shared/api/common.js';
import type { FeatureHandlers } from '../../src-shared/api/contract.js';
import type { AudioBatch } from '../../src-shared/api/dictation.js';
import type { DictationStatus } from '../../src-shared/api/dictation.js';
import { Chunker, type Chunk } from '../audio/chunker.js';
import type { SpeechDetectors } from '../audio/speech-detector.js';
import type { ChangeKind, OutboxStore } from '../outbox/store.js';
import type { LivePreviews, ProvisionalText } from '../upload/live-previews.js';
import { fromOutboxError, type ReportError } from './errors.js';
import { MirroredState, type Emit } from './events.js';

export interface PasteResult {
  pasted: boolean;
  reason?: string;
}
/** Puts text into the application that had the focus before Earshot (Electron only). */
export type PasteIntoFocusedApp = (text: string) => Promise<PasteResult>;

interface ActiveDictation {
  dictationId: string;
  /** The page (connection) that captures its audio; undefined when the transport does not say. */
  owner: string | undefined;
  /** Set while the owner is gone and may come back (a dropped socket reconnecting). */
  ownerGoneTimer?: ReturnType<typeof setTimeout>;
  recordingId: number;
  startedAt: number;
  chunker: Chunker;
  samples: number;
  nextSeq: number;
  paste: boolean;
  /** The open chunk last previewed, and how much of its audio that preview carried. */
  preview: { chunkIndex: number; samples: number };
}

/** A dictation after stop, until its final text arrives. */
interface Finishing {
  dictationId: string;
  paste: boolean;
  announcedChunks: Set<number>;
}

export interface DictationSettings {
  chunkMinSec: number;
  chunkMaxSec: number;
  userId: string;
  pasteIntoFocusedApp: boolean;
  /** Live text while speaking: previews of the open chunk, where the gateway offers them. */
  liveText: boolean;
  /** Stop after this many seconds without speech; 0 = never. */
  autoStopSilenceSec?: number;
}

export interface DictationOptions {
  /** Where previews of the open chunk go (the uploader's live sessions); none: no live text. */
  previews?: LivePreviews;
  /** A preview is sent once the open chunk has grown by this much audio since the last one. Default 1000. */
  liveTextIntervalMs?: number;
}

/**
 * How long a dictation waits for its page after the page's connection dropped without
 * saying goodbye (a reconnecting socket sends the audio it held); then it is stopped.
 */
export const OWNER_RECONNECT_GRACE_MS = 10_000;

export class DictationService {
  private active: ActiveDictation | undefined;
  /**
   * The dictation last stopped by silence: its page keeps sending audio until it hears of
   * the stop, and that audio (after the silence) is dropped without an error.
   */
  private autoStoppedId: string | undefined;
  private readonly tracked = new Map<number, Finishing>();
  private readonly status: MirroredState<'dictation.state'>;
  private readonly onChange = (recordingId: number, what: ChangeKind) =>
    this.outboxChanged(recordingId, what);
  private readonly onPreview = (preview: ProvisionalText) => this.previewed(preview);
  private readonly previewIntervalSamples: number;

  constructor(
    private readonly outbox: OutboxStore,
    private readonly settings: () => DictationSettings,
    private readonly emit: Emit,
    private readonly reportError: ReportError,
    private readonly detectors: SpeechDetectors,
    private readonly paste?: PasteIntoFocusedApp,
    private readonly options: DictationOptions = {},
  ) {
    this.status = new MirroredState(emit, 'dictation.state', { state: 'idle', audioMs: 0 });
    outbox.on('change', this.onChange);
    options.previews?.on('text', this.onPreview);
    this.previewIntervalSamples = Math.round(
      ((options.liveTextIntervalMs ?? 1000) / 1000) * PROTOCOL_SAMPLE_RATE,
    );
  }

  current(): DictationStatus {
    return this.status.current;
  }

  handlers(): FeatureHandlers<'dictation'> {
    return {
      'dictation.start': (input, caller) => this.start(input, caller),
      'dictation.stop': (input) => this.stop(input.dictationId),
      'dictation.cancel': (input) => ({ cancelled: this.cancel(input.dictationId) }),
      'dictation.status': () => this.current(),
    };
  }

  start(
    input: { deviceLabel?: string; pasteIntoFocusedApp?: boolean },
    owner?: string,
  ): {
    dictationId: string;
    recordingId: string;
    startedAt: number;
  } {
    if (this.active)
      throw new ApiError(
        'conflict',
        `a dictation is already running (${this.active.dictationId}); stop it first`,
      );
    const settings = this.settings();
    let recordingId: number;
    try {
      const source = input.deviceLabel ? `microphone: ${input.deviceLabel}` : 'microphone';
      recordingId = this.outbox.createRecording({ source, userId: settings.userId || null }).id;
    } catch (error) {
      return fromOutboxError(error);
    }
    const dictationId = randomUUID();
    const startedAt = Date.now();
    const paste = input.pasteIntoFocusedApp ?? settings.pasteIntoFocusedApp;
    this.active = {
      dictationId,
      owner,
      recordingId,
      startedAt,
      chunker: new Chunker({
        minChunkMs: settings.chunkMinSec * 1000,
        maxChunkMs: settings.chunkMaxSec * 1000,
        speechDetector: this.detectors.create,
      }),
      samples: 0,
      nextSeq: 0,
      paste,
      preview: { chunkIndex: -1, samples: 0 },
    };
    this.tracked.set(recordingId, { dictationId, paste, announcedChunks: new Set() });
    this.status.set({
      state: 'recording',
      dictationId,
      recordingId: String(recordingId),
      startedAt,
      audioMs: 0,
    });
    return { dictationId, recordingId: String(recordingId), startedAt };
  }

  /** One batch of 16 kHz PCM16 from the renderer. Problems are reported, never thrown at the transport. */
  pushAudio(batch: AudioBatch, from?: string): void {
    const d = this.active;
    if (!d && batch.dictationId === this.autoStoppedId) return;
    if (!d || d.dictationId !== batch.dictationId) {
      this.reportError(
        'dictation',
        `audio for dictation ${batch.dictationId}, which is not recording; dropped ${batch.pcm.length} samples`,
      );
      return;
    }
    if (from !== undefined && from !== d.owner) {
      // The page reconnected (a new connection) and sends the audio it held: it still captures.
      d.owner = from;
      if (d.ownerGoneTimer) clearTimeout(d.ownerGoneTimer);
      d.ownerGoneTimer = undefined;
    }
    if (batch.seq !== d.nextSeq) {
      // Batches travel in order on both transports; a gap means the renderer lost some.
      this.reportError(
        'dictation',
        `audio batch ${batch.seq} arrived, expected ${d.nextSeq}: ${batch.seq > d.nextSeq ? 'batches were lost' : 'duplicate dropped'}`,
      );
      if (batch.seq < d.nextSeq) return;
    }
    d.nextSeq = batch.seq + 1;
    d.samples += batch.pcm.length;
    // The chunker works through pushes in order; chunks are stored as it completes them.
    d.chunker.push(batch.pcm).then(
      (chunks) => {
        this.appendChunks(d, chunks);
        this.offerPreview(d);
        this.stopIfSilent(d);
      },
      (error: Error) => this.reportError('dictation', `cutting audio at pauses failed: ${error.message}`),
    );
  }

  /**
   * Auto-stop: the chunker's speech detector (Silero where it loads, the energy gate
   * otherwise) has heard no speech for the Settings' silence. Measured in audio received,
   * not wall time, so a slow machine or a reconnecting page does not stop a dictation
   * early. The state after the stop says why (autoStopped).
   */
  private stopIfSilent(d: ActiveDictation): void {
    const silenceSec = this.settings().autoStopSilenceSec ?? 0;
    if (silenceSec <= 0 || this.active !== d || d.chunker.silenceMs < silenceSec * 1000) return;
    this.autoStoppedId = d.dictationId;
    void this.stop(d.dictationId, { silenceSec }).catch((error: Error) =>
      this.reportError('dictation', `stopping dictation ${d.dictationId} after silence: ${error.message}`),
    );
  }

  /**
   * Live text: the open chunk's audio goes to the gateway for a provisional transcript
   * once it has grown by the interval since the last preview, only over a live session
   * whose gateway announced it, never through the outbox (the chunk itself is stored and
   * uploaded when it closes). One preview at a time: while one is unanswered, the next
   * batch tries again.
   */
  private offerPreview(d: ActiveDictation): void {
    const previews = this.options.previews;
    if (!previews || this.active !== d || !this.settings().liveText) return;
    const index = d.chunker.openIndex;
    if (index !== d.preview.chunkIndex) d.preview = { chunkIndex: index, samples: 0 };
    const open = d.chunker.openSamples;
    if (open === 0) return;
    previews.want(d.recordingId); // speech: the uploader opens the session before the first chunk
    if (open - d.preview.samples < this.previewIntervalSamples || !previews.ready(d.recordingId)) return;
    const audio = d.chunker.openAudio();
    if (audio && previews.offer(d.recordingId, index, audio)) d.preview.samples = audio.length;
  }

  /** A provisional text: shown until its chunk's real result (or the final) arrives. */
  private previewed(preview: ProvisionalText): void {
    const t = this.tracked.get(preview.recordingId);
    if (!t || t.announcedChunks.has(preview.chunkIndex)) return;
    this.emit('dictation.provisional', {
      dictationId: t.dictationId,
      recordingId: String(preview.recordingId),
      chunkIndex: preview.chunkIndex,
      text: preview.text,
    });
  }

  private appendChunks(d: ActiveDictation, chunks: readonly Chunk[]): void {
    for (const chunk of chunks) {
      try {
        this.outbox.appendChunk(d.recordingId, chunk);
      } catch (error) {
        this.reportError(
          'outbox',
          `could not store chunk ${chunk.index} of recording ${d.recordingId}: ${(error as Error).message}`,
        );
      }
    }
  }

  /**
   * A page's connection closed. `goodbye`: it closed on purpose (the tab closed or
   * reloaded), so its dictation has lost its microphone and stops now; otherwise the page
   * gets OWNER_RECONNECT_GRACE_MS to come back with its audio. The state follows the
   * capture: no page capturing, no recording.
   */
  ownerGone(owner: string, goodbye: boolean): void {
    const d = this.active;
    if (!d || d.owner === undefined || d.owner !== owner) return;
    const stopIt = () => {
      if (this.active !== d || d.owner !== owner) return;
      this.reportError(
        'dictation',
        `the page recording dictation ${d.dictationId} went away; stopped it with ${(d.samples / PROTOCOL_SAMPLE_RATE).toFixed(1)} s of audio`,
      );
      void this.stop(d.dictationId).catch((error: Error) =>
        this.reportError('dictation', `stopping dictation ${d.dictationId}: ${error.message}`),
      );
    };
    if (goodbye) return stopIt();
    if (d.ownerGoneTimer) clearTimeout(d.ownerGoneTimer);
    d.ownerGoneTimer = setTimeout(stopIt, OWNER_RECONNECT_GRACE_MS);
    d.ownerGoneTimer.unref?.();
  }

  async stop(
    dictationId: string,
    autoStopped?: { silenceSec: number },
  ): Promise<{ dictationId: string; recordingId: string; audioMs: number; kept: boolean }> {
    const d = this.active;
    if (!d || d.dictationId !== dictationId)
      throw new ApiError('not_found', `no running dictation ${dictationId}`);
    this.active = undefined;
    this.options.previews?.forget(d.recordingId);
    if (d.ownerGoneTimer) clearTimeout(d.ownerGoneTimer);
    // After every batch pushed before it: the last chunk is stored before the seal.
    this.appendChunks(d, await d.chunker.flush());
    const audioMs = Math.round((d.samples / PROTOCOL_SAMPLE_RATE) * 1000);
    if (this.discardIfEmpty(d, autoStopped))
      return { dictationId, recordingId: String(d.recordingId), audioMs, kept: false };
    const finishing = {
      state: 'finishing' as const,
      dictationId,
      recordingId: String(d.recordingId),
      startedAt: d.startedAt,
      audioMs,
      ...(autoStopped ? { autoStopped } : {}),
    };
    try {
      // Said on the state the renderer sees first after the stop; its microphone stops on it.
      if (autoStopped) this.status.set(finishing);
      const sealed = this.outbox.sealRecording(d.recordingId);
      // A recording with no speech at all is done at once (empty text).
      if (sealed.state === 'done') this.finished(d.recordingId, sealed.text, sealed.partial);
      else this.status.set(finishing);
    } catch (error) {
      return fromOutboxError(error);
    }
    return { dictationId, recordingId: String(d.recordingId), audioMs, kept: true };
  }

  /**
   * A dictation that stored no chunk (no audio arrived, or nothing in it was speech) has
   * nothing to transcribe or play: it is not kept as an empty "0.0 s" entry.
   */
  private discardIfEmpty(d: ActiveDictation, autoStopped?: { silenceSec: number }): boolean {
    let empty: boolean;
    try {
      empty = (this.outbox.getRecording(d.recordingId)?.chunkCount ?? 0) === 0;
    } catch {
      return false;
    }
    if (!empty) return false;
    // Stopped by silence with nothing said: the idle state still says why it stopped.
    return this.discardRecording(
      d.recordingId,
      'empty',
      autoStopped ? { dictationId: d.dictationId, autoStopped } : {},
    );
  }

  /** Drops a recording that will never be delivered; false (and an error event) if the outbox refused. */
  private discardRecording(
    recordingId: number,
    why: 'empty' | 'cancelled',
    idle: Pick<DictationStatus, 'dictationId' | 'autoStopped'> = {},
  ): boolean {
    this.tracked.delete(recordingId);
    try {
      this.outbox.discard(recordingId);
    } catch (error) {
      this.reportError(
        'outbox',
        `could not discard ${why} recording ${recordingId}: ${(error as Error).message}`,
      );
      return false;
    }
    this.status.set({ state: 'idle', audioMs: 0, ...idle });
    return true;
  }

  cancel(dictationId: string): boolean {
    const d = this.active;
    if (!d || d.dictationId !== dictationId) return false;
    this.active = undefined;
    this.options.previews?.forget(d.recordingId);
    if (d.ownerGoneTimer) clearTimeout(d.ownerGoneTimer);
    if (!this.discardRecording(d.recordingId, 'cancelled')) this.status.set({ state: 'idle', audioMs: 0 });
    return true;
  }

  private outboxChanged(recordingId: number, what: ChangeKind): void {
    const t = this.tracked.get(recordingId);
    if (!t) return;
    if (what === 'discarded') {
      this.tracked.delete(recordingId);
      return;
    }
    const recording = this.outbox.getRecording(recordingId);
    if (!recording) return;
    if (what === 'chunk_result') {
      for (const chunk of this.outbox.listChunks(recordingId)) {
        if (chunk.text === null || t.announcedChunks.has(chunk.index)) continue;
        t.announcedChunks.add(chunk.index);
        this.emit('dictation.chunk_result', {
          dictationId: t.dictationId,
          recordingId: String(recordingId),
          chunkIndex: chunk.index,
          chunkText: chunk.text,
          text: recording.text,
        });
      }
    } else if (what === 'final') {
      this.finished(recordingId, recording.text, recording.partial);
    } else if (what === 'failed' && !this.active) {
      this.tracked.delete(recordingId);
      this.status.set({
        state: 'failed',
        dictationId: t.dictationId,
        recordingId: String(recordingId),
        audioMs: Math.round(recording.audioSeconds * 1000),
        reason: recording.failureReason ?? 'upload failed',
      });
    }
  }

  private finished(recordingId: number, text: string, partial: boolean): void {
    const t = this.tracked.get(recordingId);
    if (!t) return;
    this.tracked.delete(recordingId);
    const announce = (paste?: PasteResult) =>
      this.emit('dictation.final', {
        dictationId: t.dictationId,
        recordingId: String(recordingId),
        text,
        partial,
        ...(paste ? { paste } : {}),
      });
    if (!this.active)
      this.status.set({
        state: 'done',
        dictationId: t.dictationId,
        recordingId: String(recordingId),
        audioMs: this.status.current.audioMs,
      });
    if (!t.paste || text.trim() === '') return announce();
    if (!this.paste)
      return announce({
        pasted: false,
        reason: 'pasting into another application needs the desktop app (not available in web mode)',
      });
    this.paste(text).then(announce, (error: Error) => announce({ pasted: false, reason: error.message }));
  }

  async close(): Promise<void> {
    this.outbox.off('change', this.onChange);
    this.options.previews?.off('text', this.onPreview);
    if (this.active) {
      // Keep what was recorded: flush and seal so the uploader delivers it on the next start.
      const d = this.active;
      this.active = undefined;
      this.options.previews?.forget(d.recordingId);
      if (d.ownerGoneTimer) clearTimeout(d.ownerGoneTimer);
      this.appendChunks(d, await d.chunker.flush().catch(() => []));
      if (this.discardIfEmpty(d)) return;
      try {
        this.outbox.sealRecording(d.recordingId);
      } catch {
        /* the outbox may already be closed; the unsealed recording is resumed as 'recording' */
      }
    }
  }
}
