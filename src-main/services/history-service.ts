// History: the outbox's recordings as the History view shows them. Everything is read
// from the SQLite outbox on demand; nothing here caches state.
import { PROTOCOL_SAMPLE_RATE } from '../../src-shared/audio/wav.js';
import { ApiError } from '../../src-shared/api/contract.js';
import type {
  ChunkInfo as ApiChunkInfo,
  ExportFormat,
  HistoryDetail,
  HistoryItem,
  HistoryState,
  TextFile,
} from '../../src-shared/api/models.js';
import { OutboxError, type OutboxStore, type Recording, type RecordingState } from '../outbox/store.js';
import { exportRecording } from './history-export.js';

export const HISTORY_STATE_OF: Record<RecordingState, HistoryState> = {
  recording: 'recording',
  queued: 'queued',
  uploading: 'uploading',
  awaiting_results: 'waiting',
  done: 'done',
  failed: 'failed',
};

/** Outbox ids are integers; the API carries them as strings. Throws ApiError('not_found'). */
export function outboxId(recordingId: string): number {
  const id = Number(recordingId);
  if (!/^\d+$/.test(recordingId) || !Number.isSafeInteger(id) || id <= 0)
    throw new ApiError('not_found', `no recording ${recordingId}`);
  return id;
}

export function toHistoryItem(r: Recording): HistoryItem {
  return {
    recordingId: String(r.id),
    createdAt: r.createdAt,
    // The length of the audio History plays (`recordingWav`), on which the chunk regions lie.
    durationMs: Math.round(r.timelineSeconds * 1000),
    state: HISTORY_STATE_OF[r.state],
    text: r.text,
    ...(r.failureReason ? { failureReason: r.failureReason } : {}),
    chunkCount: r.chunkCount,
  };
}

/** Outbox errors become API errors the renderer can show as they are. */
export function fromOutboxError(error: unknown): never {
  if (error instanceof OutboxError) {
    const code =
      error.code === 'not_found'
        ? 'not_found'
        : error.code === 'invalid_state'
          ? 'conflict'
          : error.code === 'invalid_input'
            ? 'bad_input'
            : 'unavailable';
    throw new ApiError(code, error.message);
  }
  throw error;
}

export class HistoryService {
  constructor(private readonly outbox: OutboxStore) {}

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
