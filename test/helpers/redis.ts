// A private redis-server for one test file: free loopback port, its own temp dir,
// nothing shared with other tests or the machine's Redis. `restart()` keeps the port and
// the dir, so an AOF written before a crash is replayed by the new process.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RedisOptions {
  /** Turn on the append-only file (`appendfsync` defaults to `always` here). */
  appendonly?: boolean;
  appendfsync?: 'always' | 'everysec' | 'no';
}

export interface TestRedis {
  url: string;
  port: number;
  dir: string;
  pid(): number | undefined;
  /** Stops the server (SIGTERM, or SIGKILL to simulate a crash) and removes the dir. */
  stop(): Promise<void>;
  /** Kills the server with `signal` (default SIGKILL: a crash) and starts it again on the same port and dir. */
  restart(signal?: NodeJS.Signals): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

function launch(port: number, dir: string, options: RedisOptions): Promise<ChildProcess> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''];
  if (options.appendonly) {
    args.push('--appendonly', 'yes', '--appendfsync', options.appendfsync ?? 'always');
  } else {
    args.push('--appendonly', 'no');
  }
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolveChild, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`redis-server did not become ready on port ${port} within 10 s:\n${output}`));
    }, 10_000);
    const onData = (data: Buffer): void => {
      output += data.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        child.stderr?.resume();
        resolveChild(child);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (data: Buffer) => (output += data.toString()));
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`redis-server could not start: ${err.message}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with code ${String(code)} before it was ready:\n${output}`));
    });
  });
}

function waitExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolveExit) => child.once('exit', () => resolveExit()));
}

export async function startRedis(options: RedisOptions = {}): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'earshot-redis-'));
  const port = await freePort();
  let child = await launch(port, dir, options);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    pid: () => child.pid,
    async stop() {
      child.kill('SIGTERM');
      await waitExit(child);
      rmSync(dir, { recursive: true, force: true });
    },
    async restart(signal: NodeJS.Signals = 'SIGKILL') {
      child.kill(signal);
      await waitExit(child);
      child = await launch(port, dir, options);
    },
  };
}
