// The local default: client commands without --url run a gateway of their own as a
// child process on a free loopback port (src-main never imports src-gateway).
import { spawn } from 'node:child_process';
import { DEFAULT_ENGINE, type EngineName } from '../../src-shared/engines.js';
import { gatewayEntryPoint } from '../paths.js';

export interface EmbeddedGatewayOptions {
  /** Engine to load; defaults to moonshine (accurate offline recognition). */
  engine?: EngineName;
  /** Extra gateway flags, e.g. ['--workers', '1']. */
  args?: string[];
  /** How long to wait for the gateway to be ready (default 60 s: model loading). */
  startTimeoutMs?: number;
}

export interface EmbeddedGateway {
  url: string;
  httpUrl: string;
  pid: number;
  /** Graceful stop (SIGTERM), then SIGKILL if it has not exited within `timeoutMs`. */
  stop(timeoutMs?: number): Promise<void>;
  /** The last 16 KiB of its stderr: its warnings and errors (pino JSON lines), for the diagnostics bundle. */
  logTail(): string;
}

const LISTENING = /^Earshot gateway listening on (ws:\/\/([^:/\s]+|\[[^\]]+\]):(\d+)\/ws\/asr)\s*$/m;

export class EmbeddedGatewayError extends Error {
  override readonly name = 'EmbeddedGatewayError';
}

/** Last meaningful stderr line: the gateway's one-line reason when it refuses to start. */
function lastReason(stderr: string): string {
  const lines = stderr.trim().split('\n').filter(Boolean);
  const plain = lines.filter((line) => !line.startsWith('{'));
  return (plain.at(-1) ?? lines.at(-1) ?? '').slice(0, 500);
}

export async function startEmbeddedGateway(opts: EmbeddedGatewayOptions = {}): Promise<EmbeddedGateway> {
  const args = [
    gatewayEntryPoint(),
    '--host',
    '127.0.0.1',
    '--port',
    '0',
    '--engine',
    opts.engine ?? DEFAULT_ENGINE,
    '--log-level',
    'warn',
    // Serves one user, without a token: no transcripts kept for the session lookup API,
    // which any local user could read (the app has its own history in the outbox).
    '--history-max-sessions',
    '0',
    ...(opts.args ?? []),
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => {
    // Keep only the tail: a long-lived gateway must not grow our memory.
    stderr = (stderr + text).slice(-16_384);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // If the parent goes away, take the gateway with it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const timeoutMs = opts.startTimeoutMs ?? 60_000;
  let match: RegExpMatchArray;
  try {
    match = await new Promise<RegExpMatchArray>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new EmbeddedGatewayError(`embedded gateway did not start within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const onData = (text: string) => {
        stdout += text;
        const found = stdout.match(LISTENING);
        if (found) {
          clearTimeout(timer);
          child.stdout.off('data', onData);
          child.stdout.resume();
          resolve(found);
        }
      };
      child.stdout.on('data', onData);
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(new EmbeddedGatewayError(`cannot run the embedded gateway: ${error.message}`));
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(
          new EmbeddedGatewayError(
            `embedded gateway exited (${code ?? signal}): ${lastReason(stderr) || 'no reason given'}`,
          ),
        );
      });
    });
  } catch (error) {
    child.kill('SIGKILL');
    process.off('exit', killOnExit);
    throw error;
  }

  const host = match[2];
  const port = Number(match[3]);
  return {
    url: match[1],
    httpUrl: `http://${host}:${port}`,
    pid: child.pid ?? -1,
    logTail: () => stderr,
    async stop(stopTimeoutMs = 15_000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs);
        await exited;
        clearTimeout(timer);
      }
      process.off('exit', killOnExit);
    },
  };
}
