// Compiles src-shared, src-main and src-gateway to dist/ once per test run, so tests
// that spawn real processes (gateway, worker, CLI) run current code. Parallel test
// files share one build: a lock directory serialises them, and a stamp file (the same
// one scripts/setup.sh uses) lets every file after the first skip a build that is
// already newer than every source file.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { newestMtime } from './newest-mtime.js';

const run = promisify(execFile);

export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const STAMP = join(REPO_ROOT, 'dist', '.build-stamp');
const LOCK = join(REPO_ROOT, 'dist', '.build-lock');
const SOURCE_DIRS = ['src-shared', 'src-node', 'src-main', 'src-gateway'];
const STALE_LOCK_MS = 5 * 60_000;
const WAIT_LIMIT_MS = 6 * 60_000;

function newestSourceMtime(): number {
  return newestMtime(
    SOURCE_DIRS.map((dir) => join(REPO_ROOT, dir)),
    ['tsconfig.build.json', 'tsconfig.base.json', 'package.json'].map((file) => join(REPO_ROOT, file)),
    (name) => name.endsWith('.ts'),
  );
}

function isFresh(): boolean {
  return existsSync(STAMP) && statSync(STAMP).mtimeMs >= newestSourceMtime();
}

function holderAlive(): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(join(LOCK, 'pid'), 'utf8'));
  } catch {
    // Just created, pid not written yet: count as alive unless it stays that way.
    return Date.now() - statSync(LOCK).mtimeMs < 5_000;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function acquireLock(): Promise<void> {
  mkdirSync(join(REPO_ROOT, 'dist'), { recursive: true });
  const deadline = Date.now() + WAIT_LIMIT_MS;
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, 'pid'), String(process.pid));
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // A lock left by a killed run (vitest ends a worker whose hook timed out) must not
      // block every later run: its holder is gone, or it is simply too old.
      try {
        if (Date.now() - statSync(LOCK).mtimeMs > STALE_LOCK_MS || !holderAlive())
          rmSync(LOCK, { recursive: true, force: true });
      } catch {
        // removed by someone else meanwhile
      }
      if (Date.now() > deadline) throw new Error(`ensureBuilt: gave up waiting for ${LOCK}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

let built: Promise<void> | undefined;

/** Runs `tsc -p tsconfig.build.json` unless dist/ is already newer than every source. */
export function ensureBuilt(): Promise<void> {
  built ??= (async () => {
    if (isFresh()) return;
    await acquireLock();
    try {
      if (isFresh()) return;
      const startedAt = Date.now();
      try {
        // Incremental: after the first build only changed files are re-checked.
        await run(
          'npx',
          ['tsc', '-p', 'tsconfig.build.json', '--incremental', '--tsBuildInfoFile', 'dist/.tsbuildinfo'],
          { cwd: REPO_ROOT, maxBuffer: 64 * 1024 * 1024 },
        );
      } catch (error) {
        // tsc still emits when some other file has type errors; the entry points below
        // are what the tests need.
        const output = String((error as { stdout?: string }).stdout ?? '')
          .split('\n')
          .slice(0, 5)
          .join('\n');
        process.stderr.write(`ensureBuilt: tsc reported errors (build still emitted):\n${output}\n`);
      }
      if (!existsSync(join(REPO_ROOT, 'dist', 'src-gateway', 'cli', 'gateway.js'))) {
        throw new Error('ensureBuilt: dist/src-gateway/cli/gateway.js is missing after tsc');
      }
      // Stamp with the build's start time so an edit made during the build counts as newer.
      writeFileSync(STAMP, '');
      utimesSync(STAMP, new Date(startedAt), new Date(startedAt));
    } finally {
      rmSync(LOCK, { recursive: true, force: true });
    }
  })();
  return built;
}
