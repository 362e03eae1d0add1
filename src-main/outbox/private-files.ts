// The data folder holds everything a user dictated (audio and text), the gateway token
// (settings.json) and the uploader lock: nobody else on the machine may read it. The
// folder is 0700 and Earshot's files in it 0600, whatever the umask; a folder or file
// left looser (by an older version, a copy, a restore) is tightened on open and the
// caller is told once (after that there is nothing left to tighten). Windows has no
// such modes: there the user's profile folder already keeps other users out.
import { chmodSync, closeSync, mkdirSync, openSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const PRIVATE_FOLDER_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

const MODES_APPLY = process.platform !== 'win32';

/**
 * Earshot's own files in a data folder. Only these are tightened: `--data-dir` may point
 * at a folder that holds the user's other files too, and those are none of our business.
 */
function isEarshotFile(name: string): boolean {
  return (
    name.startsWith('outbox.db') || // outbox.db, -wal, -shm, and databases moved aside
    name.startsWith('settings.json') ||
    name === 'uploader.lock' ||
    name === 'window-state.json'
  );
}

const octal = (mode: number) => `0${(mode & 0o777).toString(8)}`;

/** Creates `dir` (0700) if needed; returns what it had to tighten, for one notice. */
export function ensurePrivateFolder(dir: string): string[] {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_FOLDER_MODE });
  if (!MODES_APPLY) return [];
  const tightened: string[] = [];
  const mode = statSync(dir).mode & 0o777;
  if (mode & 0o077) {
    chmodSync(dir, mode & 0o700);
    tightened.push(`the folder (was ${octal(mode)}, now ${octal(mode & 0o700)})`);
  }
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isFile() || !isEarshotFile(entry.name)) continue;
    const path = join(dir, entry.name);
    const fileMode = statSync(path).mode & 0o777;
    if (fileMode & 0o077) {
      chmodSync(path, fileMode & 0o600);
      tightened.push(`${entry.name} (was ${octal(fileMode)}, now ${octal(fileMode & 0o600)})`);
    }
  }
  return tightened;
}

/** The one-line notice for what ensurePrivateFolder tightened, or undefined. */
export function tightenedNotice(dir: string, tightened: string[]): string | undefined {
  if (tightened.length === 0) return undefined;
  return `other users could read the data folder ${dir}: tightened ${tightened.join(', ')}`;
}

/**
 * Creates `path` empty with mode 0600 unless it exists. SQLite creates a database file
 * 0644 (less the umask), and its -wal and -shm files copy the database file's mode: so
 * a database file that exists 0600 before SQLite opens it keeps all three private.
 */
export function createPrivateFile(path: string): void {
  closeSync(openSync(path, 'a', PRIVATE_FILE_MODE));
}
