// Starts the real compiled gateway (dist/src-gateway/cli/gateway.js) as a child process
// on a free loopback port and waits for its "listening" line. Tests talk to it over
// real sockets; stop() sends a signal and waits for the process to exit.
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT, ensureBuilt } from './build.js';
import { spawnUntilLine } from './spawn-until-line.js';

export const GATEWAY_SCRIPT = join(REPO_ROOT, 'dist', 'src-gateway', 'cli', 'gateway.js');
const LISTENING = /^Earshot gateway listening on (ws:\/\/([^:/\s]+|\[[^\]]+\]):(\d+)\/ws\/asr)\s*$/m;

export interface StartGatewayOptions {
  /** How long to wait for the listening line (default 30 s). */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  /** Skip ensureBuilt() (the caller built already). */
  skipBuild?: boolean;
  /** Flags for node itself, before the script (e.g. --cpu-prof, not allowed in NODE_OPTIONS). */
  nodeArgs?: string[];
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

export async function startGateway(
  args: string[] = [],
  opts: StartGatewayOptions = {},
): Promise<TestGateway> {
  if (!opts.skipBuild) await ensureBuilt();
  const hasPort = args.includes('--port');
  const hasEngine = args.includes('--engine');
  const finalArgs = [
    ...(opts.nodeArgs ?? []),
    GATEWAY_SCRIPT,
    ...(hasPort ? [] : ['--port', '0']),
    ...(hasEngine ? [] : ['--engine', 'synthetic']),
    ...args,
  ];
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const child = await spawnUntilLine(finalArgs, {
    ready: LISTENING,
    timeoutMs,
    env: opts.env,
    timedOut: `gateway did not report listening within ${timeoutMs} ms`,
    exitedEarly: (code) => `gateway exited (${code}) before listening`,
  });
  const { match } = child;

  const url = match[1];
  const port = Number(match[3]);
  const host = match[2];
  return {
    url,
    httpUrl: `http://${host}:${port}`,
    port,
    pid: child.process.pid ?? -1,
    process: child.process,
    stop: (signal: NodeJS.Signals = 'SIGTERM') => child.stop(signal),
    kill: () => {
      child.process.kill('SIGKILL');
    },
    stderr: child.stderr,
    stdout: child.stdout,
    exited: child.exited,
  };
}

/** Chunk messages a gateway took in so far, by encoding (`earshot_chunk_frames_total` in its /metrics). */
export async function chunkFramesOf(target: { httpUrl: string }): Promise<{ binary: number; json: number }> {
  const text = await (await fetch(`${target.httpUrl}/metrics`)).text();
  const read = (encoding: string) =>
    Number(
      new RegExp(`^earshot_chunk_frames_total\\{encoding="${encoding}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0,
    );
  return { binary: read('binary'), json: read('json') };
}
