// The outbox's public data types (see store.ts for the API that returns them).
import type { RECORDING_STATES } from './schema.js';

export type RecordingState = (typeof RECORDING_STATES)[number];
export const TERMINAL_STATES: readonly RecordingState[] = ['done', 'failed'];
/** States the uploader may set with setState; done/failed have their own calls. */
export type ProgressState = 'recording' | 'queued' | 'uploading' | 'awaiting_results';

export type ChangeKind =
  | 'created'
  | 'chunk'
  | 'sealed'
  | 'state'
  | 'chunk_result'
  | 'final'
  | 'failed'
  | 'retry'
  | 'edited'
  | 'discarded';

export interface Recording {
  id: number;
  /** The protocol session id (UUID); stays the same across reconnects and retries. */
  sessionId: string;
  source: string;
  userId: string | null;
  /** SHA-256 (hex) of the file the recording was made from; null for the microphone. */
  contentSha256: string | null;
  state: RecordingState;
  failureReason: string | null;
  /** No more chunks will be appended. */
  sealed: boolean;
  createdAt: number;
  updatedAt: number;
  sealedAt: number | null;
  finishedAt: number | null;
  chunkCount: number;
  /** Chunks that have a chunk_result. */
  resultCount: number;
  /** Audio stored (the sum of the chunks; silence the chunker dropped between them is not counted). */
  audioSeconds: number;
  /** Where the last chunk ends on the recording's timeline: the length of `recordingWav`. */
  timelineSeconds: number;
  finalText: string | null;
  /** The final result came from a merge timeout (docs/protocol.md, "Session semantics"). */
  partial: boolean;
  /** What was recognised: the final text when known, else the chunk texts so far, joined in order. */
  text: string;
  /** The user's edit of the transcript, kept beside `text` (never replacing it); null when not edited. */
  editedText: string | null;
  editedAt: number | null;
}

export interface ChunkInfo {
  index: number;
  startSample: number;
  sampleCount: number;
  text: string | null;
  createdAt: number;
}

export interface NewChunk {
  index: number;
  pcm: Int16Array;
  startSample: number;
}

export interface ListOptions {
  /** Case-insensitive substring of the source or of any transcript text. */
  search?: string;
  limit?: number;
  states?: readonly RecordingState[];
}
