// Runs a compiled entry point (gateway, worker, `earshot web`) as a child process with
// node, collects its output, and resolves once stdout shows the line that says it is
// ready. Children still running when the test process exits are killed.
import { spawn, type ChildProcess } from 'node:child_process';
import { REPO_ROOT } from './build.js';

export interface ReadyProcess {
  process: ChildProcess;
  /** The ready line matched against `ready`. */
  match: RegExpMatchArray;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or signal name) once the process ends. */
  exited: Promise<number | string>;
  /** Sends `signal` unless the process has ended, and resolves when it has exited. */
  stop(signal: NodeJS.Signals): Promise<void>;
}

export interface SpawnUntilLineOptions {
  ready: RegExp;
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
  /** The error messages (stderr's tail is appended) when no ready line comes. */
  timedOut: string;
  exitedEarly: (code: number | string) => string;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export async function spawnUntilLine(argv: string[], options: SpawnUntilLineOptions): Promise<ReadyProcess> {
  const child = spawn(process.execPath, argv, {
    cwd: REPO_ROOT,
    env: { ...process.env, ...options.env },
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
  const match = await new Promise<RegExpMatchArray>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${options.timedOut}; stderr: ${err.slice(-2000)}`));
    }, options.timeoutMs);
    const check = () => {
      const found = out.match(options.ready);
      if (found) {
        clearTimeout(timer);
        child.stdout.off('data', check);
        resolve(found);
      }
    };
    child.stdout.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${options.exitedEarly(code)}; stderr: ${err.slice(-2000)}`));
    });
  });
  return {
    process: child,
    match,
    stdout: () => out,
    stderr: () => err,
    exited,
    async stop(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
