// The pocketsphinx addon decodes on libuv's threadpool, which every worker thread of a
// process shares (4 threads unless UV_THREADPOOL_SIZE says otherwise). With more
// recognizer threads than pool threads the extra ones would queue behind the others.
// The pool size is read once, when the pool is first used, and in an ES module entry
// that has already happened before the first line runs (the module loader reads files
// through the pool): setting process.env here would be silently ignored. So when the
// pool is too small, the process runs itself again as a child with the size set in its
// environment, and stands between that child and the outside world (signals in, exit
// code out) until it ends.
import { spawn } from 'node:child_process';

const LIBUV_DEFAULT = 4;
/** libuv's own upper bound. */
const LIBUV_MAX = 1024;

/** The pool size libuv uses in a process started with `env`. */
export function threadpoolSize(env: NodeJS.ProcessEnv): number {
  const size = Number(env.UV_THREADPOOL_SIZE);
  return Number.isInteger(size) && size > 0 ? Math.min(size, LIBUV_MAX) : LIBUV_DEFAULT;
}

/**
 * Resolves at once when this process's pool has at least `needed` threads. Otherwise
 * runs this same command as a child with UV_THREADPOOL_SIZE=needed and never resolves:
 * this process forwards SIGINT/SIGTERM to the child and exits with its exit code.
 */
export function ensureThreadpool(needed: number): Promise<void> {
  const size = Math.min(needed, LIBUV_MAX);
  if (threadpoolSize(process.env) >= size) {
    watchLauncher();
    return Promise.resolve();
  }
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    env: { ...process.env, UV_THREADPOOL_SIZE: String(size) },
    // Its own process group: a Ctrl-C in a terminal reaches it once, through us, not twice.
    detached: true,
    // The IPC channel tells the child when this process is gone (even by SIGKILL).
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  child.once('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  child.once('error', (error) => {
    process.stderr.write(`cannot start with UV_THREADPOOL_SIZE=${size}: ${error.message}\n`);
    process.exit(1);
  });
  return new Promise<void>(() => undefined);
}

/** In a child started by ensureThreadpool(): stop gracefully when the launcher is gone. */
function watchLauncher(): void {
  if (!process.send || !process.channel) return;
  process.channel.unref();
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}
