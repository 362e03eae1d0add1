// Starts the real compiled gateway (dist/src-gateway/cli/gateway.js) as a child process
// on a free loopback port and waits for its "listening" line. Tests talk to it over
// real sockets; stop() sends a signal and waits for the process to exit.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT, ensureBuilt } from './build.js';

export const GATEWAY_SCRIPT = join(REPO_ROOT, 'dist', 'src-gateway', 'cli', 'gateway.js');
const LISTENING = /^Earshot gateway listening on (ws:\/\/([^:/\s]+|\[[^\]]+\]):(\d+)\/ws\/asr)\s*$/m;

export interface StartGatewayOptions {
  /** How long to wait for the listening line (default 30 s). */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  /** Skip ensureBuilt() (the caller built already). */
  skipBuild?: boolean;
}

export interface TestGateway {
  url: string;
  httpUrl: string;
  port: number;
  pid: number;
  process: ChildProcess;
  /** Sends `signal` (default SIGTERM) and resolves when the process has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  kill(): void;
  /** Everything the gateway wrote to stderr so far (pino JSON lines). */
  stderr(): string;
  /** Everything the gateway wrote to stdout so far. */
  stdout(): string;
  /** Resolves with the exit code (or signal name) once the process ends. */
  exited: Promise<number | string>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export async function startGateway(args: string[] = [], opts: StartGatewayOptions = {}): Promise<TestGateway> {
  if (!opts.skipBuild) await ensureBuilt();
  const hasPort = args.includes('--port');
  const hasEngine = args.includes('--engine');
  const finalArgs = [
    GATEWAY_SCRIPT,
    ...(hasPort ? [] : ['--port', '0']),
    ...(hasEngine ? [] : ['--engine', 'synthetic']),
    ...args,
  ];
  const child = spawn(process.execPath, finalArgs, {
    cwd: REPO_ROOT,
    env: { ...process.env, ...opts.env },
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
  const match = await new Promise<RegExpMatchArray>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`gateway did not report listening within ${timeoutMs} ms; stderr: ${err.slice(-2000)}`));
    }, timeoutMs);
    const check = () => {
      const found = out.match(LISTENING);
      if (found) {
        clearTimeout(timer);
        child.stdout.off('data', check);
        resolve(found);
      }
    };
    child.stdout.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited (${code}) before listening; stderr: ${err.slice(-2000)}`));
    });
  });

  const url = match[1];
  const port = Number(match[3]);
  const host = match[2];
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return {
    url,
    httpUrl: `http://${host}:${port}`,
    port,
    pid: child.pid ?? -1,
    process: child,
    stop,
    kill: () => {
      child.kill('SIGKILL');
    },
    stderr: () => err,
    stdout: () => out,
    exited,
  };
}
