// Prepared statements of the outbox, in one place so store.ts reads as behaviour.
import type Database from 'better-sqlite3';
import type { RecordingState } from './types.js';

export interface RecordingRow {
  id: number;
  session_id: string;
  source: string;
  user_id: string | null;
  state: RecordingState;
  failure_reason: string | null;
  sealed: number;
  final_text: string | null;
  final_partial: number;
  created_at: number;
  updated_at: number;
  sealed_at: number | null;
  finished_at: number | null;
  content_sha256: string | null;
  edited_text: string | null;
  edited_at: number | null;
  chunk_count: number;
  result_count: number;
  sample_total: number;
  sample_end: number;
}

// Chunk statistics come from the compact `chunks` table (never the audio).
const RECORDING_COLUMNS = `
  r.*,
  (SELECT count(*) FROM chunks c WHERE c.recording_id = r.id) AS chunk_count,
  (SELECT count(c.result_text) FROM chunks c WHERE c.recording_id = r.id) AS result_count,
  (SELECT coalesce(sum(c.sample_count), 0) FROM chunks c WHERE c.recording_id = r.id) AS sample_total,
  (SELECT coalesce(max(c.start_sample + c.sample_count), 0) FROM chunks c WHERE c.recording_id = r.id) AS sample_end`;

/** `LIKE` pattern matching `text` literally anywhere (SQLite's LIKE is ASCII case-insensitive). */
function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

type Statement = Database.Statement<unknown[], unknown>;
type NamedStatement = Database.Statement<[Record<string, unknown>], unknown>;

export interface RecordingQueries {
  recording: Statement;
  uploadable: Statement;
  byContent: Statement;
  insertRecording: NamedStatement;
  resultTexts: Statement;
  chunk: Statement;
  chunks: Statement;
  chunkAudio: Statement;
  insertChunk: Statement;
  insertChunkAudio: Statement;
  touch: Statement;
  seal: NamedStatement;
  sealEmpty: NamedStatement;
  saveChunkResult: Statement;
  saveFinal: Statement;
  saveEdit: NamedStatement;
  markFailed: NamedStatement;
  setState: Statement;
  retry: Statement;
  deleteRecording: Statement;
  stateCounts: Statement;
  idsInStates(states: readonly string[]): number[];
  history(states: readonly string[], search: string | undefined, limit: number): RecordingRow[];
}

export function recordingQueries(db: Database.Database): RecordingQueries {
  return {
    recording: db.prepare(`SELECT ${RECORDING_COLUMNS} FROM recordings r WHERE r.id = ?`),
    uploadable: db.prepare(
      `SELECT ${RECORDING_COLUMNS} FROM recordings r WHERE r.state NOT IN ('done', 'failed') ORDER BY r.id`,
    ),
    byContent: db.prepare(
      `SELECT ${RECORDING_COLUMNS} FROM recordings r WHERE r.content_sha256 = ? ORDER BY r.id`,
    ),
    insertRecording: db.prepare(
      `INSERT INTO recordings (session_id, source, user_id, content_sha256, state, created_at, updated_at)
       VALUES (@session_id, @source, @user_id, @content_sha256, 'recording', @now, @now)`,
    ),
    resultTexts: db
      .prepare(
        'SELECT result_text FROM chunks WHERE recording_id = ? AND result_text IS NOT NULL ORDER BY chunk_index',
      )
      .pluck(),
    chunk: db.prepare(
      'SELECT start_sample, sample_count, result_text, created_at FROM chunks WHERE recording_id = ? AND chunk_index = ?',
    ),
    chunks: db.prepare(
      'SELECT chunk_index, start_sample, sample_count, result_text, created_at FROM chunks WHERE recording_id = ? ORDER BY chunk_index',
    ),
    chunkAudio: db.prepare('SELECT pcm FROM chunk_audio WHERE recording_id = ? AND chunk_index = ?').pluck(),
    insertChunk: db.prepare(
      'INSERT INTO chunks (recording_id, chunk_index, start_sample, sample_count, created_at) VALUES (?, ?, ?, ?, ?)',
    ),
    insertChunkAudio: db.prepare('INSERT INTO chunk_audio (recording_id, chunk_index, pcm) VALUES (?, ?, ?)'),
    touch: db.prepare('UPDATE recordings SET updated_at = ? WHERE id = ?'),
    seal: db.prepare(
      `UPDATE recordings SET sealed = 1, sealed_at = @now, updated_at = @now,
         state = CASE state WHEN 'recording' THEN 'queued' ELSE state END
       WHERE id = @id`,
    ),
    sealEmpty: db.prepare(
      `UPDATE recordings SET sealed = 1, sealed_at = @now, updated_at = @now, finished_at = @now,
         state = 'done', final_text = '', final_partial = 0
       WHERE id = @id`,
    ),
    saveChunkResult: db.prepare(
      'UPDATE chunks SET result_text = ? WHERE recording_id = ? AND chunk_index = ?',
    ),
    saveFinal: db.prepare(
      `UPDATE recordings SET state = 'done', final_text = ?, final_partial = ?, failure_reason = NULL, finished_at = ?, updated_at = ?
       WHERE id = ?`,
    ),
    saveEdit: db.prepare(
      'UPDATE recordings SET edited_text = @text, edited_at = @editedAt, updated_at = @now WHERE id = @id',
    ),
    markFailed: db.prepare(
      "UPDATE recordings SET state = 'failed', failure_reason = @reason, updated_at = @now, finished_at = @now WHERE id = @id",
    ),
    setState: db.prepare('UPDATE recordings SET state = ?, updated_at = ? WHERE id = ?'),
    retry: db.prepare(
      `UPDATE recordings SET state = CASE sealed WHEN 1 THEN 'queued' ELSE 'recording' END,
         failure_reason = NULL, finished_at = NULL, updated_at = ?
       WHERE id = ?`,
    ),
    deleteRecording: db.prepare('DELETE FROM recordings WHERE id = ?'),
    stateCounts: db.prepare('SELECT state, count(*) AS n FROM recordings GROUP BY state'),
    idsInStates(states: readonly string[]): number[] {
      const marks = states.map(() => '?').join(', ');
      return db
        .prepare(`SELECT id FROM recordings WHERE state IN (${marks}) ORDER BY id`)
        .pluck()
        .all(...states) as number[];
    },
    history(states: readonly string[], search: string | undefined, limit: number): RecordingRow[] {
      const marks = states.map(() => '?').join(', ');
      const params: unknown[] = [...states];
      let where = `r.state IN (${marks})`;
      if (search !== undefined && search.trim() !== '') {
        const pattern = containsPattern(search.trim());
        // The user's edit is searched as well as what was recognised (kept beside it).
        where += ` AND (r.source LIKE ? ESCAPE '\\' OR r.final_text LIKE ? ESCAPE '\\' OR r.edited_text LIKE ? ESCAPE '\\'
          OR EXISTS (SELECT 1 FROM chunks c WHERE c.recording_id = r.id AND c.result_text LIKE ? ESCAPE '\\'))`;
        params.push(pattern, pattern, pattern, pattern);
      }
      params.push(limit);
      return db
        .prepare(`SELECT ${RECORDING_COLUMNS} FROM recordings r WHERE ${where} ORDER BY r.id DESC LIMIT ?`)
        .all(...params) as RecordingRow[];
    },
  };
}
