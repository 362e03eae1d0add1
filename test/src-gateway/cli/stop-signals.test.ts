// How `earshot gateway` stops, as a terminal and a launcher stop it (docs/gateway.md,
// "Shutdown"): Ctrl-C reaches every process of the foreground group, so the gateway gets
// SIGINT from the terminal and again from the `earshot` launcher that forwards it. That
// is one stop: the in-flight session gets its final and the exit is 0. A signal well
// after the first still exits at once. And the grace period is a hard bound even when
// Redis (a real redis-server, killed by the test) is gone.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, ensureBuilt } from '../../helpers/build.js';
import { EARSHOT_CLI } from '../../helpers/earshot-cli.js';
import { startGateway } from '../../helpers/gateway.js';
import { startRedis, type TestRedis } from '../../helpers/redis.js';
import { startWorker, type TestWorker } from '../../helpers/worker.js';
import { waitFor } from '../../helpers/wait.js';
import { TestClient, wavBase64 } from '../support/test-client.js';

interface Launched {
  child: ChildProcess;
  url: string;
  stderr(): string;
  exited: Promise<number | string>;
}

const launched: ChildProcess[] = [];

/** `earshot gateway ...` through the launcher, in a process group of its own (a terminal's job). */
async function launchGateway(args: string[]): Promise<Launched> {
  const child = spawn(
    process.execPath,
    [EARSHOT_CLI, 'gateway', '--port', '0', '--engine', 'synthetic', '--log-level', 'info', ...args],
    { cwd: REPO_ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  launched.push(child);
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (text: string) => (out += text));
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (err += text));
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  const url = await waitFor('the listening line', () => out.match(/listening on (ws:\S+)/)?.[1], 60_000, 50);
  return { child, url, stderr: () => err, exited };
}

/** The serving process's pid, from its listening log line (the launcher's child). */
function gatewayPid(gateway: Launched): number {
  const pid = /"event":"listening".*?"pid":(\d+)/.exec(gateway.stderr())?.[1];
  if (!pid) throw new Error(`no pid in the listening line: ${gateway.stderr()}`);
  return Number(pid);
}

/** A session with one chunk the engine is working on now. */
async function sessionInFlight(url: string): Promise<{ client: TestClient; id: string }> {
  const client = await TestClient.connect(url);
  const id = randomUUID();
  client.start(id);
  await client.nextOfType('ack', id);
  client.chunk(id, 0, wavBase64(0.5));
  await client.next((m) => m.type === 'ack' && m.session_id === id && m.chunk_index === 0);
  client.finish(id);
  return { client, id };
}

beforeAll(async () => {
  await ensureBuilt();
}, 300_000);

afterEach(() => {
  for (const child of launched.splice(0)) {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

describe('earshot gateway on Ctrl-C', () => {
  it('SIGINT to the whole process group (terminal + launcher) is one stop: the final goes out, exit 0', async () => {
    const gateway = await launchGateway(['--synthetic-cost-ms', '1500']);
    const { client, id } = await sessionInFlight(gateway.url);
    // What a terminal does on Ctrl-C: the signal to every process of the foreground group.
    process.kill(-gateway.child.pid!, 'SIGINT');
    // And what `npx` adds a moment later: its own copy, forwarded down to the gateway.
    await new Promise((resolve) => setTimeout(resolve, 100));
    process.kill(gatewayPid(gateway), 'SIGINT');
    const final = await client.nextOfType('final_result', id, 30_000);
    expect(final.partial).not.toBe(true);
    expect(final.text).toBe('synthetic transcript');
    expect(await gateway.exited).toBe(0);
    expect(gateway.stderr()).not.toMatch(/second signal/);
    expect(gateway.stderr()).toMatch(/"event":"stopped"/);
  }, 90_000);

  it('a signal well after the first one still exits at once, with 1', async () => {
    const gateway = await launchGateway(['--synthetic-cost-ms', '5000', '--shutdown-grace-ms', '60000']);
    const { client } = await sessionInFlight(gateway.url);
    process.kill(-gateway.child.pid!, 'SIGINT');
    await waitFor('the shutdown line', () =>
      /"event":"shutdown"/.test(gateway.stderr()) ? true : undefined,
    );
    // Past the window in which repeats count as the same stop (SAME_STOP_WINDOW_MS, 1 s).
    await new Promise((resolve) => setTimeout(resolve, 1500));
    process.kill(-gateway.child.pid!, 'SIGINT');
    expect(await gateway.exited).toBe(1);
    expect(gateway.stderr()).toMatch(/second signal: exiting now/);
    await client.close();
  }, 90_000);
});

describe('a Redis-backed gateway whose Redis is gone', () => {
  let redis: TestRedis;
  let worker: TestWorker | undefined;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await worker?.kill();
    await redis?.stop().catch(() => undefined);
  });

  it('stops on SIGTERM within its grace period, with a session in flight', async () => {
    const gateway = await startGateway(
      ['--redis', redis.url, '--shutdown-grace-ms', '1000', '--log-level', 'info'],
      { skipBuild: true },
    );
    // The worker holds the chunk far past the grace: the gateway waits for it, then must let go.
    worker = await startWorker(redis.url, ['--synthetic-cost-ms', '120000', '--log-level', 'warn']);
    await waitFor('a live worker in health', async () =>
      (await fetch(`${gateway.httpUrl}/api/v1/health`)).status === 200 ? true : undefined,
    );
    const { client } = await sessionInFlight(gateway.url);
    await redis.stop();
    await waitFor('the gateway to notice', () =>
      /redis connection error/.test(gateway.stderr()) ? true : undefined,
    );
    gateway.process.kill('SIGTERM');
    // Bounded by the test's timeout; the shutdown itself lets go of Redis (no hard-limit exit).
    expect(await gateway.exited).toBe(0);
    expect(gateway.stderr()).not.toMatch(/shutdown_timeout/);
    expect(gateway.stderr()).toMatch(/"event":"stopped"/);
    await client.close();
  }, 90_000);
});
