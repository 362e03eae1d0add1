// The durable outbox: every chunk of every recording is on disk before the network sees
// it, and stays there until a transcript comes back (or the user discards it).
//
// API (shared by the uploader, the CLI and the app; no Electron):
//   const store = OutboxStore.open(dataDir, options?)      // throws OutboxError
//   store.recovery?                                         // set when a damaged DB was moved aside
//   store.permissionsNotice?                                // set when loose file modes were tightened
//   store.createRecording({ source, userId?, contentSha256? }) -> Recording // 'recording', unsealed
//   store.findByContent(sha256) -> Recording[]   // recordings made from a file with this hash
//   store.appendChunk(id, { index, pcm: Int16Array, startSample }) -> ChunkInfo
//       durable when it returns; indexes are contiguous from 0; re-appending an identical
//       chunk is a no-op (so a resumed producer can replay), a different one is refused
//   store.sealRecording(id)                 // no more chunks; 'recording' -> 'queued'
//   store.listUploadable() -> Recording[]   // oldest first; every state but done/failed
//   store.listRecordings({ search?, limit?, states? }) -> Recording[]   // newest first
//   store.getRecording(id) -> Recording | undefined
//   store.listChunks(id) -> ChunkInfo[]     // metadata + chunk texts, no audio
//   store.chunkPcm(id, index) -> Int16Array
//   store.chunkWav(id, index) -> Uint8Array // a protocol WAV, ready for base64
//   store.recordingWav(id) -> Uint8Array    // the whole recording, for playback
//   store.saveChunkResult(id, index, text) -> boolean
//   store.saveFinal(id, { text, partial }) -> boolean      // state 'done'
//   store.saveEdit(id, text | null) -> Recording           // the user's edit, beside the recognised text
//   store.markFailed(id, reason) -> boolean                // state 'failed'
//   store.setState(id, 'queued' | 'uploading' | 'awaiting_results' | 'recording') -> boolean
//   store.retry(id) -> Recording            // failed -> queued (or recording if unsealed)
//   store.discard(id)                       // deletes the recording, its audio and text
//   store.purge({ states }) -> number       // deletes finished recordings
//   store.on('change', (recordingId: number, what: ChangeKind) => ...)  // after the commit
//   store.close()
// Beside it: file-intake.ts (files into the outbox, resumable after a kill) and
// owner-lock.ts (one uploading process per data folder).
//
// Uploader-facing writes (saveChunkResult, saveFinal, markFailed, setState) return false
// instead of throwing when the recording is gone (discarded meanwhile) or in a state
// they must not touch (setState/markFailed on done or failed, saveFinal on failed; a
// later saveFinal replaces an earlier one), so a late server message can neither
// resurrect nor overwrite a recording. User-facing calls (retry, discard) throw
// OutboxError('not_found' | 'invalid_state'). Every failure is an OutboxError with a
// `code` (errors.ts): disk_full, read_only, corrupt, io, ... and a one-line message.
//
// Audio as BLOBs in the database, not as files beside it: a chunk's audio and its row
// commit in ONE transaction (one WAL fsync), so there is never a row without audio, a
// half-written file, or an orphan file to reconcile after a crash, and no directory
// fsyncs. SQLite reads and writes blobs of this size (32 KB per second of audio) about as
// fast as the file system, and without a file per chunk. The cost is DB size: audio is
// ~115 MB per hour of dictation until purged; the file uses auto_vacuum=INCREMENTAL, so
// discard/purge return that space. The flip side: if the file is damaged, the audio is
// inside it, which is why a damaged database is moved aside and kept, never deleted.
//
// Durability: WAL with synchronous=FULL (see open-database.ts), and better-sqlite3 is
// synchronous, so when appendChunk returns, its COMMIT has been fsynced. Every state
// change is a transaction too (BEGIN IMMEDIATE, so concurrent processes queue on the
// write lock instead of failing on lock upgrade).
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type Database from 'better-sqlite3';
import { PROTOCOL_SAMPLE_RATE, encodeWav } from '../../src-shared/audio/wav.js';
import { joinTexts } from '../../src-shared/protocol/text-join.js';
import { OutboxError, toOutboxError } from './errors.js';
import { openOutboxDatabase, type OpenOptions, type Recovery } from './open-database.js';
import { RECORDING_STATES } from './schema.js';
import {
  MAX_CHUNK_SAMPLES,
  MAX_SOURCE_LENGTH,
  blobToPcm,
  pcmToBlob,
  requireId,
  requireIndex,
  requireSha256,
  requireText,
} from './validate.js';
import {
  TERMINAL_STATES,
  type ChangeKind,
  type ChunkInfo,
  type ListOptions,
  type NewChunk,
  type ProgressState,
  type Recording,
  type RecordingState,
} from './types.js';
import { recordingQueries, type RecordingQueries, type RecordingRow } from './queries.js';

export { OutboxError, type OutboxErrorCode } from './errors.js';
export { defaultDataDir } from './data-dir.js';
export type { OpenOptions, Recovery } from './open-database.js';
export * from './types.js';
export { MAX_CHUNK_SAMPLES } from './validate.js';

export class OutboxStore extends EventEmitter<{ change: [recordingId: number, what: ChangeKind] }> {
  private readonly queries: RecordingQueries;
  private closed = false;

  private constructor(
    private readonly db: Database.Database,
    readonly path: string,
    readonly dataDir: string,
    readonly recovery: Recovery | undefined,
    /** Set when the data folder or its files were readable by other users and were tightened. */
    readonly permissionsNotice: string | undefined,
  ) {
    super();
    this.queries = recordingQueries(db);
  }

  /** Opens (creating if needed) the outbox in `dataDir`. Throws OutboxError. */
  static open(dataDir: string, options: OpenOptions = {}): OutboxStore {
    if (typeof dataDir !== 'string' || dataDir.trim() === '')
      throw new OutboxError('invalid_input', 'the data folder must be a non-empty path');
    const { db, path, recovery, permissionsNotice } = openOutboxDatabase(dataDir, options);
    return new OutboxStore(db, path, dataDir, recovery, permissionsNotice);
  }

  /** Runs `fn`, turning SQLite/fs failures into OutboxError with what was being done. */
  private guard<T>(what: string, fn: () => T): T {
    if (this.closed) throw new OutboxError('invalid_state', `${what} failed: the outbox is closed`);
    try {
      return fn();
    } catch (error) {
      throw toOutboxError(error, what, this.dataDir);
    }
  }

  private write<T>(what: string, fn: () => T): T {
    return this.guard(what, () => this.db.transaction(fn).immediate());
  }

  private toRecording(row: RecordingRow): Recording {
    const finalText = row.final_text;
    const text = finalText ?? joinTexts(this.queries.resultTexts.all(row.id) as string[]);
    return {
      id: row.id,
      sessionId: row.session_id,
      source: row.source,
      userId: row.user_id,
      contentSha256: row.content_sha256,
      state: row.state,
      failureReason: row.failure_reason,
      sealed: row.sealed === 1,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      sealedAt: row.sealed_at,
      finishedAt: row.finished_at,
      chunkCount: row.chunk_count,
      resultCount: row.result_count,
      audioSeconds: row.sample_total / PROTOCOL_SAMPLE_RATE,
      timelineSeconds: row.sample_end / PROTOCOL_SAMPLE_RATE,
      finalText,
      partial: row.final_partial === 1,
      text,
      editedText: row.edited_text,
      editedAt: row.edited_at,
    };
  }

  private row(id: number): RecordingRow | undefined {
    return this.queries.recording.get(id) as RecordingRow | undefined;
  }

  /** The row, or not_found naming what was being done. */
  private existingRow(id: number, what: string): RecordingRow {
    const row = this.row(id);
    if (!row) throw new OutboxError('not_found', `${what} failed: no recording ${id}`);
    return row;
  }

  /**
   * Runs `change` on the recording's row in one transaction and returns the recording as it
   * is after; `change` says whether it changed anything, and only then is `kind` emitted.
   */
  private changeRecording(
    id: number,
    what: string,
    kind: ChangeKind,
    change: (row: RecordingRow) => boolean,
  ): Recording {
    let changed = false;
    const recording = this.write(what, () => {
      changed = change(this.existingRow(id, what));
      return this.toRecording(this.row(id)!);
    });
    if (changed) this.emit('change', id, kind);
    return recording;
  }

  createRecording(input: {
    source: string;
    userId?: string | null;
    contentSha256?: string | null;
  }): Recording {
    const source = requireText(input?.source, 'source', MAX_SOURCE_LENGTH);
    if (source.trim() === '') throw new OutboxError('invalid_input', 'source must not be empty');
    const userId = input.userId == null ? null : requireText(input.userId, 'userId', 256);
    const contentSha256 = input.contentSha256 == null ? null : requireSha256(input.contentSha256);
    const recording = this.write('creating a recording', () => {
      const now = Date.now();
      const info = this.queries.insertRecording.run({
        session_id: randomUUID(),
        source,
        user_id: userId,
        content_sha256: contentSha256,
        now,
      });
      return this.toRecording(this.row(Number(info.lastInsertRowid))!);
    });
    this.emit('change', recording.id, 'created');
    return recording;
  }

  /** Recordings made from a file whose content has this SHA-256, oldest first. */
  findByContent(sha256: string): Recording[] {
    const hash = requireSha256(sha256);
    return this.guard('looking up recordings by content', () =>
      (this.queries.byContent.all(hash) as RecordingRow[]).map((r) => this.toRecording(r)),
    );
  }

  /** Stores one chunk; returns only once it is durable. Indexes must be contiguous from 0. */
  appendChunk(recordingId: number, chunk: NewChunk): ChunkInfo {
    const id = requireId(recordingId);
    const { index, pcm, startSample } = chunk ?? ({} as NewChunk);
    requireIndex(index);
    if (!(pcm instanceof Int16Array) || pcm.length === 0)
      throw new OutboxError('invalid_input', 'chunk audio must be a non-empty Int16Array of PCM16 samples');
    if (pcm.length > MAX_CHUNK_SAMPLES)
      throw new OutboxError(
        'invalid_input',
        `chunk of ${pcm.length} samples is longer than ${MAX_CHUNK_SAMPLES / PROTOCOL_SAMPLE_RATE} s`,
      );
    requireIndex(startSample, 'startSample');
    const blob = pcmToBlob(pcm);
    const what = `appending chunk ${index} to recording ${id}`;
    let added = false;
    const info = this.write(what, () => {
      const row = this.existingRow(id, what);
      const existing = this.queries.chunk.get(id, index) as
        | { start_sample: number; sample_count: number; created_at: number; result_text: string | null }
        | undefined;
      if (existing) {
        const audio = this.queries.chunkAudio.get(id, index) as Buffer;
        if (
          existing.start_sample === startSample &&
          existing.sample_count === pcm.length &&
          audio.equals(blob)
        ) {
          return {
            index,
            startSample,
            sampleCount: pcm.length,
            text: existing.result_text,
            createdAt: existing.created_at,
          };
        }
        throw new OutboxError(
          'invalid_state',
          `${what} failed: chunk ${index} already exists with different audio`,
        );
      }
      if (row.sealed === 1) throw new OutboxError('invalid_state', `${what} failed: the recording is sealed`);
      if (index !== row.chunk_count)
        throw new OutboxError(
          'invalid_input',
          `${what} failed: expected chunk index ${row.chunk_count} (indexes are contiguous)`,
        );
      const now = Date.now();
      this.queries.insertChunk.run(id, index, startSample, pcm.length, now);
      this.queries.insertChunkAudio.run(id, index, blob);
      this.queries.touch.run(now, id);
      added = true;
      return { index, startSample, sampleCount: pcm.length, text: null, createdAt: now };
    });
    if (added) this.emit('change', id, 'chunk');
    return info;
  }

  /** No more chunks. An empty recording has nothing to transcribe and is done at once. */
  sealRecording(recordingId: number): Recording {
    const id = requireId(recordingId);
    return this.changeRecording(id, `sealing recording ${id}`, 'sealed', (row) => {
      if (row.sealed === 1) return false;
      const now = Date.now();
      if (row.chunk_count === 0) this.queries.sealEmpty.run({ now, id });
      else this.queries.seal.run({ now, id });
      return true;
    });
  }

  getRecording(recordingId: number): Recording | undefined {
    const id = requireId(recordingId);
    return this.guard(`reading recording ${id}`, () => {
      const row = this.row(id);
      return row ? this.toRecording(row) : undefined;
    });
  }

  /** Every recording still to deliver, oldest first (including ones still recording). */
  listUploadable(): Recording[] {
    return this.guard('listing uploadable recordings', () =>
      (this.queries.uploadable.all() as RecordingRow[]).map((r) => this.toRecording(r)),
    );
  }

  /** How many recordings are in each state (every state named, 0 included). */
  countByState(): Record<RecordingState, number> {
    return this.guard('counting recordings', () => {
      const counts = Object.fromEntries(RECORDING_STATES.map((state) => [state, 0])) as Record<
        RecordingState,
        number
      >;
      for (const row of this.queries.stateCounts.all() as { state: RecordingState; n: number }[])
        counts[row.state] = row.n;
      return counts;
    });
  }

  /** History, newest first. */
  listRecordings(options: ListOptions = {}): Recording[] {
    const limit = options.limit ?? 100;
    if (!Number.isSafeInteger(limit) || limit <= 0)
      throw new OutboxError('invalid_input', `limit must be a positive integer, got ${String(limit)}`);
    const search = options.search === undefined ? undefined : requireText(options.search, 'search', 1000);
    const states = options.states ?? RECORDING_STATES;
    for (const state of states) {
      if (!RECORDING_STATES.includes(state))
        throw new OutboxError('invalid_input', `unknown state "${String(state)}"`);
    }
    return this.guard('listing recordings', () => {
      const rows = this.queries.history(states, search, limit);
      return rows.map((r) => this.toRecording(r));
    });
  }

  listChunks(recordingId: number): ChunkInfo[] {
    const id = requireId(recordingId);
    return this.guard(`listing chunks of recording ${id}`, () =>
      (
        this.queries.chunks.all(id) as {
          chunk_index: number;
          start_sample: number;
          sample_count: number;
          result_text: string | null;
          created_at: number;
        }[]
      ).map((c) => ({
        index: c.chunk_index,
        startSample: c.start_sample,
        sampleCount: c.sample_count,
        text: c.result_text,
        createdAt: c.created_at,
      })),
    );
  }

  chunkPcm(recordingId: number, index: number): Int16Array {
    const id = requireId(recordingId);
    requireIndex(index);
    return this.guard(`reading chunk ${index} of recording ${id}`, () => {
      const blob = this.queries.chunkAudio.get(id, index) as Buffer | undefined;
      if (!blob) throw new OutboxError('not_found', `no chunk ${index} in recording ${id}`);
      return blobToPcm(blob);
    });
  }

  chunkWav(recordingId: number, index: number): Uint8Array {
    return encodeWav(this.chunkPcm(recordingId, index));
  }

  /**
   * The recording's audio on its own timeline, from sample 0 to the end of the last chunk:
   * each chunk sits at its startSample, so chunk boundaries are positions in this WAV.
   * Silence the chunker dropped (before, between chunks) is zeros; overlaps keep the earlier chunk.
   */
  recordingWav(recordingId: number): Uint8Array {
    const chunks = this.listChunks(recordingId);
    const end = chunks.reduce((max, c) => Math.max(max, c.startSample + c.sampleCount), 0);
    const out = new Int16Array(end);
    let written = 0;
    for (const chunk of chunks) {
      const pcm = this.chunkPcm(recordingId, chunk.index);
      const skip = Math.max(0, written - chunk.startSample);
      if (skip < pcm.length) out.set(pcm.subarray(skip), chunk.startSample + skip);
      written = Math.max(written, chunk.startSample + pcm.length);
    }
    return encodeWav(out);
  }

  saveChunkResult(recordingId: number, index: number, text: string): boolean {
    const id = requireId(recordingId);
    requireIndex(index);
    const value = requireText(text, 'chunk text');
    const changed = this.write(`saving the result of chunk ${index} of recording ${id}`, () => {
      if (this.queries.saveChunkResult.run(value, id, index).changes === 0) return false;
      this.queries.touch.run(Date.now(), id);
      return true;
    });
    if (changed) this.emit('change', id, 'chunk_result');
    return changed;
  }

  /** The authoritative transcript: the recording is done. A later final replaces an earlier one. */
  saveFinal(recordingId: number, result: { text: string; partial?: boolean }): boolean {
    const id = requireId(recordingId);
    const text = requireText(result?.text, 'final text');
    const changed = this.write(`saving the transcript of recording ${id}`, () => {
      const row = this.row(id);
      if (!row || row.state === 'failed') return false;
      const now = Date.now();
      this.queries.saveFinal.run(text, result.partial ? 1 : 0, now, now, id);
      return true;
    });
    if (changed) this.emit('change', id, 'final');
    return changed;
  }

  /**
   * The user's edit of a finished recording's transcript, stored beside what was recognised
   * (which stays as it is); null, or the recognised text itself, removes the edit. A
   * recording still being recorded or transcribed cannot be edited: its text is not known yet.
   */
  saveEdit(recordingId: number, text: string | null): Recording {
    const id = requireId(recordingId);
    const edit = text === null ? null : requireText(text, 'edited text');
    const what = `editing the text of recording ${id}`;
    return this.changeRecording(id, what, 'edited', (row) => {
      if (row.state !== 'done' && row.state !== 'failed')
        throw new OutboxError('invalid_state', `${what} failed: it is still ${row.state.replace('_', ' ')}`);
      const recognised = this.toRecording(row).text;
      const next = edit === null || edit === recognised ? null : edit;
      if (next === row.edited_text) return false;
      const now = Date.now();
      this.queries.saveEdit.run({ id, text: next, editedAt: next === null ? null : now, now });
      return true;
    });
  }

  markFailed(recordingId: number, reason: string): boolean {
    const id = requireId(recordingId);
    const why = requireText(reason, 'failure reason', 4096);
    const changed = this.write(`marking recording ${id} failed`, () => {
      const row = this.row(id);
      if (!row || row.state === 'done') return false;
      return this.queries.markFailed.run({ reason: why, now: Date.now(), id }).changes > 0;
    });
    if (changed) this.emit('change', id, 'failed');
    return changed;
  }

  /** Upload progress. False when the recording is gone, finished, or the state would not change. */
  setState(recordingId: number, state: ProgressState): boolean {
    const id = requireId(recordingId);
    if (!(['recording', 'queued', 'uploading', 'awaiting_results'] as readonly string[]).includes(state)) {
      throw new OutboxError(
        'invalid_input',
        `setState accepts recording, queued, uploading or awaiting_results, got "${String(state)}" (use saveFinal / markFailed)`,
      );
    }
    const changed = this.write(`setting recording ${id} to ${state}`, () => {
      const row = this.row(id);
      if (!row || TERMINAL_STATES.includes(row.state) || row.state === state) return false;
      if (state === 'recording' && row.sealed === 1)
        throw new OutboxError('invalid_state', `recording ${id} is sealed; it cannot go back to "recording"`);
      return this.queries.setState.run(state, Date.now(), id).changes > 0;
    });
    if (changed) this.emit('change', id, 'state');
    return changed;
  }

  /** The user asks for another try: failed -> queued (or recording while unsealed). */
  retry(recordingId: number): Recording {
    const id = requireId(recordingId);
    const what = `retrying recording ${id}`;
    return this.changeRecording(id, what, 'retry', (row) => {
      if (row.state === 'done') throw new OutboxError('invalid_state', `${what} failed: it is already done`);
      if (row.state !== 'failed') return false;
      this.queries.retry.run(Date.now(), id);
      return true;
    });
  }

  /** Deletes the recording with its audio and text. */
  discard(recordingId: number): void {
    const id = requireId(recordingId);
    const what = `discarding recording ${id}`;
    this.write(what, () => {
      if (this.queries.deleteRecording.run(id).changes === 0)
        throw new OutboxError('not_found', `${what} failed: no recording ${id}`);
    });
    this.reclaimSpace();
    this.emit('change', id, 'discarded');
  }

  /** Deletes every recording in `states` (finished ones only: done, failed). Returns how many. */
  purge(options: { states: readonly ('done' | 'failed')[] }): number {
    const states = options?.states ?? [];
    for (const state of states) {
      if (state !== 'done' && state !== 'failed')
        throw new OutboxError(
          'invalid_input',
          `purge removes only done or failed recordings, not "${String(state)}"`,
        );
    }
    if (states.length === 0) return 0;
    const ids = this.write('purging recordings', () => {
      const found = this.queries.idsInStates(states);
      for (const id of found) this.queries.deleteRecording.run(id);
      return found;
    });
    if (ids.length > 0) this.reclaimSpace();
    for (const id of ids) this.emit('change', id, 'discarded');
    return ids.length;
  }

  private reclaimSpace(): void {
    // Best effort: the deletion is committed already; a failure here only delays reuse.
    try {
      this.db.pragma('incremental_vacuum');
    } catch {
      /* the space is reused by later writes anyway */
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  get isClosed(): boolean {
    return this.closed;
  }
}
