// The outbox schema and its migrations. `PRAGMA user_version` holds the number of
// migrations applied; each migration runs in its own transaction together with the
// version bump, so a crash mid-migration leaves the previous version intact.
import type Database from 'better-sqlite3';
import { OutboxError } from './errors.js';

export const RECORDING_STATES = [
  'recording',
  'queued',
  'uploading',
  'awaiting_results',
  'done',
  'failed',
] as const;

/** Migration N (1-based) brings the schema from version N-1 to N. Append only; never edit. */
const MIGRATIONS: readonly string[] = [
  // 1: recordings, their chunks, and the chunks' audio as BLOBs (see store.ts for why).
  `
  CREATE TABLE recordings (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id      TEXT    NOT NULL UNIQUE,
    source          TEXT    NOT NULL,
    user_id         TEXT,
    state           TEXT    NOT NULL CHECK (state IN (${RECORDING_STATES.map((s) => `'${s}'`).join(', ')})),
    failure_reason  TEXT,
    sealed          INTEGER NOT NULL DEFAULT 0,
    final_text      TEXT,
    final_partial   INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    sealed_at       INTEGER,
    finished_at     INTEGER
  );
  CREATE INDEX recordings_by_state ON recordings (state, id);
  -- Chunk metadata is kept apart from the audio so listing and counting chunks reads a few
  -- dense pages instead of one page per 32 KB audio row.
  CREATE TABLE chunks (
    recording_id  INTEGER NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
    chunk_index   INTEGER NOT NULL,
    start_sample  INTEGER NOT NULL,
    sample_count  INTEGER NOT NULL,
    result_text   TEXT,
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (recording_id, chunk_index)
  ) WITHOUT ROWID;
  CREATE TABLE chunk_audio (
    recording_id  INTEGER NOT NULL,
    chunk_index   INTEGER NOT NULL,
    pcm           BLOB    NOT NULL,
    PRIMARY KEY (recording_id, chunk_index),
    FOREIGN KEY (recording_id, chunk_index) REFERENCES chunks (recording_id, chunk_index) ON DELETE CASCADE
  );
  `,
  // 2: the SHA-256 of the file a recording was made from, so the same file handed to
  // `earshot dictate` again (e.g. after a crash) is recognised and not taken twice.
  `
  ALTER TABLE recordings ADD COLUMN content_sha256 TEXT;
  CREATE INDEX recordings_by_content ON recordings (content_sha256) WHERE content_sha256 IS NOT NULL;
  `,
  // 3: the user's edit of the transcript, kept beside what was recognised (final_text and
  // the chunk texts are never overwritten), so it can be shown and reverted
  // (docs/dictation.md, "Editing a transcript").
  `
  ALTER TABLE recordings ADD COLUMN edited_text TEXT;
  ALTER TABLE recordings ADD COLUMN edited_at INTEGER;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Brings `db` to SCHEMA_VERSION. Refuses a database written by a newer version. */
export function migrate(db: Database.Database, location: string): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new OutboxError(
      'newer_schema',
      `the outbox in ${location} has schema version ${current}, newer than this Earshot understands (${SCHEMA_VERSION}); update Earshot or use another --data-dir`,
    );
  }
  for (let version = current; version < SCHEMA_VERSION; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version]);
      db.pragma(`user_version = ${version + 1}`);
    }).immediate();
  }
}
