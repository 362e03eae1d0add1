// One uploading process per data folder. The outbox database itself is safe to share
// (`outbox ls` while `dictate` runs is fine), but two processes draining the same queue
// would send every recording twice, and a process resuming "orphaned" unsealed
// recordings must know their producer is really gone. The lock is a file holding the
// owner's pid, created atomically (O_EXCL); a lock whose pid is no longer alive (the
// owner was killed) is taken over.
import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { OutboxError, toOutboxError } from './errors.js';
import { PRIVATE_FILE_MODE } from './private-files.js';

export const OWNER_LOCK_FILE = 'uploader.lock';

export interface OwnerLock {
  readonly path: string;
  /** True when a previous owner had died without releasing the lock. */
  readonly tookOverFrom?: number;
  release(): void;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, owned by someone else
  }
}

function readOwner(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** A lock file without a pid yet may be one another process is writing this instant. */
function isFresh(path: string): boolean {
  try {
    return Date.now() - statSync(path).mtimeMs < 5000;
  } catch {
    return false;
  }
}

export function acquireOwnerLock(dataDir: string, what = 'earshot'): OwnerLock {
  const path = join(dataDir, OWNER_LOCK_FILE);
  let tookOverFrom: number | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx', PRIVATE_FILE_MODE);
      try {
        writeSync(fd, `${process.pid}\n`);
      } finally {
        closeSync(fd);
      }
      let released = false;
      return {
        path,
        tookOverFrom,
        release() {
          if (released) return;
          released = true;
          if (readOwner(path) === process.pid) unlinkSync(path);
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST')
        throw toOutboxError(error, 'locking the outbox for uploading', dataDir);
    }
    const owner = readOwner(path);
    if (owner !== undefined && owner !== process.pid && isAlive(owner)) {
      throw new OutboxError(
        'invalid_state',
        `another ${what} (pid ${owner}) is already uploading from ${dataDir}; wait for it to finish or use another --data-dir`,
      );
    }
    if (owner === undefined && isFresh(path)) {
      throw new OutboxError('invalid_state', `another ${what} is locking ${dataDir} right now; try again`);
    }
    // Dead owner (or a long-abandoned unreadable lock): take over.
    tookOverFrom = owner;
    try {
      unlinkSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        throw toOutboxError(error, 'taking over a stale outbox lock', dataDir);
    }
  }
  throw new OutboxError('invalid_state', `could not lock ${path}: another process keeps re-creating it`);
}
