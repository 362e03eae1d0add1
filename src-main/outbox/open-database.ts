// Opening the outbox database: create the data folder (private: see private-files.ts),
// open SQLite in WAL mode with durable commits, migrate, and recover from a damaged file
// by moving it aside (never deleting it: it holds the user's audio) and starting fresh.
import { accessSync, constants, existsSync, renameSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { folderPathProblem } from '../../src-node/fs/folder-path.js';
import Database from 'better-sqlite3';
import { OutboxError, isCorruptionError, toOutboxError } from './errors.js';
import { createPrivateFile, ensurePrivateFolder, tightenedNotice } from './private-files.js';
import { migrate } from './schema.js';

export const DATABASE_FILE = 'outbox.db';
/** SQLite's companions of a WAL database; they travel with it when it is moved aside. */
const COMPANION_SUFFIXES = ['-wal', '-shm'] as const;

export interface OpenOptions {
  /**
   * Run `PRAGMA quick_check` on the metadata tables on open (see verify). Checking the
   * whole file would cost ~0.5 s per 300 MB of audio (bench/outbox.ts). Default true.
   */
  integrityCheck?: boolean;
  /** Milliseconds to wait for another process's write lock (e.g. `outbox ls` during `dictate`). */
  busyTimeoutMs?: number;
}

export interface Recovery {
  /** Why the old database could not be used. */
  reason: string;
  /** Where the old database (and its -wal/-shm, if any) now are. Nothing was deleted. */
  movedTo: string;
  /** A one-line message for the user. */
  message: string;
}

export interface OpenedDatabase {
  db: Database.Database;
  path: string;
  recovery?: Recovery;
  /** Set when the folder or its files were readable by others and were tightened (say it once). */
  permissionsNotice?: string;
}

/**
 * Node's recursive mkdir reports ENOENT when the real cause is a read-only parent (EROFS):
 * ask the nearest existing ancestor for the real reason.
 */
function explainMkdirFailure(dataDir: string, error: unknown): unknown {
  let ancestor = dirname(dataDir);
  while (!existsSync(ancestor) && dirname(ancestor) !== ancestor) ancestor = dirname(ancestor);
  try {
    accessSync(ancestor, constants.W_OK);
    return error;
  } catch (accessError) {
    return accessError;
  }
}

/** Creates (or tightens) the private data folder; returns the notice of what was tightened. */
function ensureWritableFolder(dataDir: string): string | undefined {
  // A file in the way is the user's mistake, said as such (mkdir would say EEXIST or
  // ENOTDIR); permissions are explained below.
  const problem = folderPathProblem(resolve(dataDir));
  if (problem?.kind === 'not_a_folder')
    throw new OutboxError('invalid_input', `the data folder ${dataDir} ${problem.message}`);
  try {
    let tightened: string[];
    try {
      tightened = ensurePrivateFolder(dataDir);
    } catch (error) {
      throw explainMkdirFailure(dataDir, error);
    }
    accessSync(dataDir, constants.R_OK | constants.W_OK | constants.X_OK);
    return tightenedNotice(dataDir, tightened);
  } catch (error) {
    const mapped = toOutboxError(error, 'opening the outbox', `the data folder ${dataDir}`);
    if (mapped.code === 'read_only') {
      throw new OutboxError(
        'read_only',
        `the data folder ${dataDir} is not writable (read-only file system or no permission); choose another with --data-dir`,
        { cause: error },
      );
    }
    throw mapped;
  }
}

function configure(db: Database.Database, options: OpenOptions): void {
  // auto_vacuum can only be chosen before the first table exists; INCREMENTAL lets
  // purge/discard hand the space of deleted audio back to the file system.
  if ((db.pragma('page_count', { simple: true }) as number) === 0) db.pragma('auto_vacuum = INCREMENTAL');
  db.pragma('journal_mode = WAL'); // first read of the header: a non-database fails here
  // WAL + FULL: every COMMIT fsyncs the WAL before returning, so a committed append
  // survives power loss. (WAL + NORMAL, this build's default, only syncs at checkpoints.)
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
}

/**
 * The metadata tables are small and every open reads them, so they are checked page by
 * page; the audio table (hundreds of MB) is not: a damaged audio page surfaces as a
 * typed 'corrupt' error when that chunk is read, without making every start slow.
 */
const CHECKED_TABLES = ['recordings', 'chunks'] as const;

function verify(db: Database.Database, options: OpenOptions): void {
  const tables = new Set(
    db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").pluck().all() as string[],
  );
  if (!(options.integrityCheck ?? true)) return;
  for (const table of CHECKED_TABLES) {
    if (!tables.has(table)) continue;
    const rows = db.pragma(`quick_check(${table})`, { simple: false }) as { quick_check: string }[];
    const problems = rows.map((r) => r.quick_check).filter((r) => r !== 'ok');
    if (problems.length > 0) {
      const error = new Error(
        `integrity check of table ${table} failed: ${problems.slice(0, 3).join('; ')}`,
      ) as Error & { code: string };
      error.code = 'SQLITE_CORRUPT';
      throw error;
    }
  }
}

/**
 * Checks an existing file through a READ-ONLY connection first: a read-write connection
 * to a damaged file deletes its -wal on close, and that WAL may hold the latest audio.
 * Returns the corruption error, if any; other failures (permissions, I/O) are thrown.
 */
function probeExisting(path: string, options: OpenOptions): unknown {
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    verify(db, options);
    return undefined;
  } catch (error) {
    if (isCorruptionError(error)) return error;
    throw error;
  } finally {
    db?.close();
  }
}

function openAndPrepare(path: string, dataDir: string, options: OpenOptions): Database.Database {
  createPrivateFile(path);
  const db = new Database(path);
  try {
    configure(db, options);
    migrate(db, dataDir);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

function timestampSuffix(now: Date): string {
  return now.toISOString().replace(/[:.]/g, '-');
}

function moveAside(path: string, now: Date): string {
  let target = `${path}.corrupt-${timestampSuffix(now)}`;
  for (let n = 2; existsSync(target); n++) target = `${path}.corrupt-${timestampSuffix(now)}-${n}`;
  // The -wal may hold committed transactions of the old file: keep it beside it, and do
  // not leave it where the fresh database would try to replay it.
  for (const suffix of COMPANION_SUFFIXES) {
    if (existsSync(path + suffix)) renameSync(path + suffix, target + suffix);
  }
  if (existsSync(path)) renameSync(path, target);
  return target;
}

function isUnreadableFile(path: string): boolean {
  if (!existsSync(path)) return false;
  try {
    accessSync(path, constants.R_OK | constants.W_OK);
    return false;
  } catch {
    return true;
  }
}

export function openOutboxDatabase(
  dataDir: string,
  options: OpenOptions = {},
  now = () => new Date(),
): OpenedDatabase {
  const permissionsNotice = ensureWritableFolder(dataDir);
  const notice = permissionsNotice === undefined ? {} : { permissionsNotice };
  const path = join(dataDir, DATABASE_FILE);
  let firstError: unknown;
  if (isUnreadableFile(path)) {
    firstError = Object.assign(new Error('the database file cannot be read or written (permissions)'), {
      code: 'SQLITE_NOTADB',
    });
  } else {
    try {
      firstError = existsSync(path) ? probeExisting(path, options) : undefined;
      if (firstError === undefined) return { db: openAndPrepare(path, dataDir, options), path, ...notice };
    } catch (error) {
      if (!isCorruptionError(error)) throw toOutboxError(error, 'opening the outbox', dataDir);
      firstError = error;
    }
  }
  const reason = firstError instanceof Error ? firstError.message : String(firstError);
  let movedTo: string;
  try {
    movedTo = moveAside(path, now());
  } catch (error) {
    throw toOutboxError(error, `moving the damaged outbox database ${path} aside`, dataDir);
  }
  const message = `the outbox database ${path} could not be read (${reason}); moved it aside to ${movedTo} (kept, not deleted: it may hold recordings' audio) and started a fresh one`;
  try {
    return {
      db: openAndPrepare(path, dataDir, options),
      path,
      recovery: { reason, movedTo, message },
      ...notice,
    };
  } catch (error) {
    throw toOutboxError(error, 'creating a fresh outbox after moving the damaged one aside', dataDir);
  }
}
