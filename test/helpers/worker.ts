// Starts the compiled recognizer worker (dist/src-gateway/cli/worker.js) as a child
// process against a Redis URL and waits for its "ready" line.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT, ensureBuilt } from './build.js';

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

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export async function startWorker(redisUrl: string, args: string[] = [], opts: { timeoutMs?: number } = {}): Promise<TestWorker> {
  await ensureBuilt();
  const child = spawn(process.execPath, [WORKER_SCRIPT, '--redis', redisUrl, ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (out += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (err += text));
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve(code ?? signal ?? -1);
    });
  });
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const id = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`worker not ready within ${timeoutMs} ms; stderr: ${err.slice(-2000)}`));
    }, timeoutMs);
    const check = () => {
      const found = out.match(READY);
      if (found) {
        clearTimeout(timer);
        child.stdout.off('data', check);
        resolve(found[1]);
      }
    };
    child.stdout.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited (${code}) before ready; stderr: ${err.slice(-2000)}`));
    });
  });
  return {
    id,
    pid: child.pid ?? -1,
    process: child,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    stderr: () => err,
    exited,
  };
}
