// Builds the renderer (vite, src-renderer -> dist-renderer) once per test run when any
// renderer source is newer than the build, so e2e tests through `earshot web` always
// load current UI code. A lock directory serialises parallel test files.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './build.js';
import { newestMtime } from './newest-mtime.js';

const run = promisify(execFile);
const OUT = join(REPO_ROOT, 'dist-renderer');
const INDEX = join(OUT, 'index.html');
const LOCK = join(REPO_ROOT, '.earshot-renderer-build-lock');
const STALE_LOCK_MS = 5 * 60_000;

function newestSource(): number {
  return newestMtime(
    ['src-renderer', 'src-shared'].map((dir) => join(REPO_ROOT, dir)),
    ['vite.config.ts', 'package.json'].map((file) => join(REPO_ROOT, file)),
  );
}

const fresh = () => existsSync(INDEX) && statSync(INDEX).mtimeMs >= newestSource();

let built: Promise<void> | undefined;

export function ensureRendererBuilt(): Promise<void> {
  built ??= (async () => {
    if (fresh()) return;
    const deadline = Date.now() + 5 * 60_000;
    for (;;) {
      try {
        mkdirSync(LOCK);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        try {
          if (Date.now() - statSync(LOCK).mtimeMs > STALE_LOCK_MS)
            rmSync(LOCK, { recursive: true, force: true });
        } catch {
          // removed meanwhile
        }
        if (Date.now() > deadline) throw new Error(`ensureRendererBuilt: gave up waiting for ${LOCK}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    try {
      if (!fresh())
        await run('npx', ['vite', 'build', '--logLevel', 'warn'], {
          cwd: REPO_ROOT,
          maxBuffer: 32 * 1024 * 1024,
        });
    } finally {
      rmSync(LOCK, { recursive: true, force: true });
    }
  })();
  return built;
}
