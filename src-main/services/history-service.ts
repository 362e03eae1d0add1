// History: the outbox's recordings as the History view shows them. Everything is read
// from the SQLite outbox on demand; nothing here caches state. Every change of a recording
// (upload progress, final text, deletion) goes out as `history.changed`.
import { PROTOCOL_SAMPLE_RATE } from '../../src-shared/audio/wav.js';
import { ApiError } from '../../src-shared/api/common.js';
import type { FeatureHandlers } from '../../src-shared/api/contract.js';
import type { TextFile } from '../../src-shared/api/common.js';
import type {
  ChunkInfo as ApiChunkInfo,
  CombinedExportFormat,
  ExportFormat,
  HistoryDetail,
  HistoryItem,
  HistoryState,
} from '../../src-shared/api/history.js';
import {
  OutboxError,
  type ChangeKind,
  type OutboxStore,
  type Recording,
  type RecordingState,
} from '../outbox/store.js';
import { fromOutboxError, outboxId } from './errors.js';
import type { Emit } from './events.js';
import { exportCombined, exportRecording } from './history-export.js';

export const HISTORY_STATE_OF: Record<RecordingState, HistoryState> = {
  recording: 'recording',
  queued: 'queued',
  uploading: 'uploading',
  awaiting_results: 'waiting',
  done: 'done',
  failed: 'failed',
};

export function toHistoryItem(r: Recording): HistoryItem {
  return {
    recordingId: String(r.id),
    createdAt: r.createdAt,
    // The length of the audio History plays (`recordingWav`), on which the chunk regions lie.
    durationMs: Math.round(r.timelineSeconds * 1000),
    state: HISTORY_STATE_OF[r.state],
    // What the recording says: the user's edit where there is one, beside what was recognised.
    text: r.editedText ?? r.text,
    ...(r.editedText !== null ? { recognisedText: r.text, editedAt: r.editedAt ?? r.updatedAt } : {}),
    ...(r.failureReason ? { failureReason: r.failureReason } : {}),
    chunkCount: r.chunkCount,
  };
}

export class HistoryService {
  private readonly onChange = (recordingId: number, what: ChangeKind) => this.changed(recordingId, what);

  constructor(
    private readonly outbox: OutboxStore,
    private readonly emit: Emit,
  ) {
    outbox.on('change', this.onChange);
  }

  private changed(recordingId: number, what: ChangeKind): void {
    let item = null;
    try {
      item = what === 'discarded' ? null : this.item(String(recordingId));
    } catch {
      /* closed during shutdown */
    }
    this.emit('history.changed', { recordingId: String(recordingId), item });
  }

  handlers(): FeatureHandlers<'history'> {
    return {
      'history.list': (input) => ({ items: this.list(input) }),
      'history.get': (input) => this.get(input.recordingId),
      'history.audio': (input) => ({ wav: this.audio(input.recordingId) }),
      'history.chunks': (input) => ({ chunks: this.chunks(input.recordingId) }),
      'history.export': (input) => this.export(input.recordingId, input.format),
      'history.exportSelection': (input) => this.exportSelection(input.recordingIds, input.format),
      'history.edit': (input) => this.edit(input.recordingId, input.text),
      // The outbox's change event wakes the uploader for the copy.
      'history.retranscribe': (input) => ({ recordingId: this.retranscribe(input.recordingId) }),
      'history.delete': (input) => ({ deleted: this.delete(input.recordingId) }),
    };
  }

  close(): void {
    this.outbox.off('change', this.onChange);
  }

  private recording(recordingId: string): Recording {
    const r = this.outbox.getRecording(outboxId(recordingId));
    if (!r) throw new ApiError('not_found', `no recording ${recordingId}`);
    return r;
  }

  list(input: { search?: string; limit: number; before?: number }): HistoryItem[] {
    const search = input.search?.trim() || undefined;
    try {
      // The store has no cursor; ask for enough rows to skip the newer ones (bounded by limit + 1000).
      const rows = this.outbox.listRecordings({
        search,
        limit: input.before === undefined ? input.limit : input.limit + 1000,
      });
      const page = input.before === undefined ? rows : rows.filter((r) => r.createdAt < input.before!);
      return page.slice(0, input.limit).map(toHistoryItem);
    } catch (error) {
      return fromOutboxError(error);
    }
  }

  item(recordingId: string): HistoryItem | null {
    const r = this.outbox.getRecording(outboxId(recordingId));
    return r ? toHistoryItem(r) : null;
  }

  chunks(recordingId: string): ApiChunkInfo[] {
    const r = this.recording(recordingId);
    const uploaded = r.state === 'uploading' || r.state === 'awaiting_results';
    return this.outbox.listChunks(r.id).map((c) => ({
      index: c.index,
      startMs: (c.startSample / PROTOCOL_SAMPLE_RATE) * 1000,
      endMs: ((c.startSample + c.sampleCount) / PROTOCOL_SAMPLE_RATE) * 1000,
      state:
        c.text !== null
          ? 'done'
          : r.state === 'failed'
            ? 'failed'
            : r.state === 'done'
              ? 'done'
              : uploaded
                ? 'sent'
                : 'pending',
      ...(c.text !== null ? { text: c.text } : {}),
    }));
  }

  get(recordingId: string): HistoryDetail {
    const r = this.recording(recordingId);
    return {
      ...toHistoryItem(r),
      chunks: this.chunks(recordingId),
      sessionId: r.sessionId,
      partial: r.partial,
    };
  }

  audio(recordingId: string): Uint8Array {
    const r = this.recording(recordingId);
    try {
      return this.outbox.recordingWav(r.id);
    } catch (error) {
      return fromOutboxError(error);
    }
  }

  export(recordingId: string, format: ExportFormat): TextFile {
    return exportRecording(this.get(recordingId), format);
  }

  /** The selected recordings as one file; an id that is gone fails the export, naming it. */
  exportSelection(recordingIds: readonly string[], format: CombinedExportFormat): TextFile {
    return exportCombined(
      recordingIds.map((id) => this.get(id)),
      format,
    );
  }

  /** The user's edit (null: back to the recognised text); the recording as History shows it after. */
  edit(recordingId: string, text: string | null): HistoryItem {
    this.recording(recordingId);
    try {
      return toHistoryItem(this.outbox.saveEdit(outboxId(recordingId), text));
    } catch (error) {
      return fromOutboxError(error);
    }
  }

  /** Copies the stored audio into a new recording that the uploader sends as a new session. */
  retranscribe(recordingId: string): string {
    const source = this.recording(recordingId);
    if (source.state === 'recording')
      throw new ApiError('conflict', `recording ${recordingId} is still being recorded`);
    try {
      const copy = this.outbox.createRecording({
        source: `retranscribe:${source.id}`,
        userId: source.userId,
      });
      for (const chunk of this.outbox.listChunks(source.id)) {
        this.outbox.appendChunk(copy.id, {
          index: chunk.index,
          startSample: chunk.startSample,
          pcm: this.outbox.chunkPcm(source.id, chunk.index),
        });
      }
      this.outbox.sealRecording(copy.id);
      return String(copy.id);
    } catch (error) {
      return fromOutboxError(error);
    }
  }

  delete(recordingId: string): boolean {
    const id = outboxId(recordingId);
    try {
      this.outbox.discard(id);
      return true;
    } catch (error) {
      if (error instanceof OutboxError && error.code === 'not_found') return false;
      return fromOutboxError(error);
    }
  }
}
