// Typed failures of the outbox. Callers (uploader, CLI, app services) branch on `code`
// rather than on SQLite's message text, and every message is one line a user can act on.

export type OutboxErrorCode =
  | 'read_only' // the data folder or database cannot be written
  | 'disk_full' // SQLITE_FULL / ENOSPC: the write was rolled back, earlier writes are intact
  | 'corrupt' // the database is damaged (detected after open; open itself moves it aside)
  | 'newer_schema' // written by a newer Earshot: refuse rather than guess
  | 'io' // other I/O failure reported by SQLite or the file system
  | 'not_found' // no recording (or chunk) with that id
  | 'invalid_state' // the operation does not apply in the recording's current state
  | 'invalid_input'; // a caller passed something malformed

export class OutboxError extends Error {
  override readonly name = 'OutboxError';
  constructor(
    readonly code: OutboxErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

interface CodedError {
  code?: unknown;
  message?: unknown;
}

function codeOf(error: unknown): string {
  const code = (error as CodedError | null)?.code;
  return typeof code === 'string' ? code : '';
}

/** True for the SQLite result codes that mean "this file is not a sound database". */
export function isCorruptionError(error: unknown): boolean {
  const code = codeOf(error);
  return code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT');
}

/**
 * Maps a better-sqlite3 or node:fs error to an OutboxError, keeping the original as
 * `cause`. `what` says what was being done ("appending chunk 3 of recording 7"), so the
 * one-line message tells the user both the operation and the reason.
 */
export function toOutboxError(error: unknown, what: string, location: string): OutboxError {
  if (error instanceof OutboxError) return error;
  const code = codeOf(error);
  const detail = error instanceof Error ? error.message : String(error);
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT') {
    return new OutboxError(
      'disk_full',
      `${what} failed: the disk holding ${location} is full; nothing already saved was lost, free some space and try again`,
      { cause: error },
    );
  }
  if (code.startsWith('SQLITE_READONLY') || code === 'EROFS' || code === 'EACCES' || code === 'EPERM') {
    return new OutboxError(
      'read_only',
      `${what} failed: ${location} is read-only or not writable (${code})`,
      { cause: error },
    );
  }
  if (isCorruptionError(error)) {
    return new OutboxError(
      'corrupt',
      `${what} failed: the outbox database in ${location} is damaged (${detail}); restart Earshot to move it aside and start a fresh one`,
      { cause: error },
    );
  }
  if (code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_CANTOPEN') || code.startsWith('E')) {
    return new OutboxError('io', `${what} failed: I/O error on ${location} (${code}: ${detail})`, {
      cause: error,
    });
  }
  return new OutboxError('io', `${what} failed: ${detail}`, { cause: error });
}
