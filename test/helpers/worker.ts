// Starts the compiled recognizer worker (dist/src-gateway/cli/worker.js) as a child
// process against a Redis URL and waits for its "ready" line.
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT, ensureBuilt } from './build.js';
import { spawnUntilLine } from './spawn-until-line.js';

export const WORKER_SCRIPT = join(REPO_ROOT, 'dist', 'src-gateway', 'cli', 'worker.js');
const READY = /^Earshot worker (\S+) ready/m;

export interface TestWorker {
  id: string;
  pid: number;
  process: ChildProcess;
  stop(signal?: NodeJS.Signals): Promise<void>;
  kill(): Promise<void>;
  stderr(): string;
  exited: Promise<number | string>;
}

export async function startWorker(
  redisUrl: string,
  args: string[] = [],
  opts: { timeoutMs?: number } = {},
): Promise<TestWorker> {
  await ensureBuilt();
  const timeoutMs = opts.timeoutMs ?? 30_000;
  // Like startGateway: the synthetic engine unless the test names one (the CLI's default is moonshine).
  const engine = args.includes('--engine') ? [] : ['--engine', 'synthetic'];
  const child = await spawnUntilLine([WORKER_SCRIPT, '--redis', redisUrl, ...engine, ...args], {
    ready: READY,
    timeoutMs,
    timedOut: `worker not ready within ${timeoutMs} ms`,
    exitedEarly: (code) => `worker exited (${code}) before ready`,
  });
  return {
    id: child.match[1],
    pid: child.process.pid ?? -1,
    process: child.process,
    stop: (signal: NodeJS.Signals = 'SIGTERM') => child.stop(signal),
    kill: () => child.stop('SIGKILL'),
    stderr: child.stderr,
    exited: child.exited,
  };
}
