// A gateway with no live recognizer worker is not ready, and every client says so: a
// Redis-backed gateway (real redis-server) before any `earshot worker` has a heartbeat.
// Health answers 503 with the reason, `earshot status` prints it and exits 1, and
// `earshot transcribe` says it is waiting instead of waiting silently, then either fails
// with the reason or goes on once a worker comes.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, ensureBuilt } from '../../helpers/build.js';
import { EARSHOT_CLI, runEarshot } from '../../helpers/earshot-cli.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { startRedis, type TestRedis } from '../../helpers/redis.js';
import { startWorker, type TestWorker } from '../../helpers/worker.js';
import { waitFor } from '../../helpers/wait.js';

const SPEECH = join(REPO_ROOT, 'test', 'fixtures', 'short-01-rms.wav');

let redis: TestRedis;
let gateway: TestGateway;
const workers: TestWorker[] = [];

beforeAll(async () => {
  await ensureBuilt();
  redis = await startRedis();
  gateway = await startGateway(['--redis', redis.url, '--log-level', 'warn'], { skipBuild: true });
}, 120_000);

afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill()));
  await gateway?.stop('SIGKILL');
  await redis?.stop();
});

describe('a gateway with no live worker', () => {
  it('answers health with 503 and the reason', async () => {
    const response = await fetch(`${gateway.httpUrl}/api/v1/health`);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({
      status: 'no_workers',
      reason: expect.stringMatching(/^no recognizer worker is running; start one with `earshot worker/),
      workers_ready: 0,
      redis_ready: true,
    });
  });

  it('earshot status prints the reason and exits 1', async () => {
    const human = await runEarshot(['status', '--url', gateway.url]);
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/^health +not ready: no recognizer worker is running; start one with/m);
    expect(human.stdout).not.toMatch(/^health +ready/m);

    const json = await runEarshot(['status', '--url', gateway.url, '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).health).toMatchObject({
      ok: false,
      status: 'no_workers',
      reason: expect.stringMatching(/no recognizer worker is running/),
    });
  });

  it('earshot transcribe says so and fails with the reason once its wait is over', async () => {
    const result = await runEarshot(['transcribe', SPEECH, '--url', gateway.url, '--wait-ready-ms', '0']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim()).toMatch(
      /^earshot: gateway not ready: no recognizer worker is running; start one with `earshot worker --redis URL`$/,
    );
  });

  it('earshot transcribe says it is waiting, and transcribes once a worker comes', async () => {
    const child = spawn(
      process.execPath,
      [EARSHOT_CLI, 'transcribe', SPEECH, '--url', gateway.url, '--wait-ready-ms', '120000'],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await waitFor(
        'the waiting line',
        () => (stderr.includes('waiting up to 120 s') ? true : undefined),
        60_000,
      );
      expect(stderr).toMatch(
        /^earshot: gateway not ready: no recognizer worker is running; .*waiting up to 120 s for it$/m,
      );
      workers.push(await startWorker(redis.url, ['--log-level', 'warn']));
      expect(await exited).toBe(0);
      expect(stdout.trim()).toMatch(/^synthetic transcript( synthetic transcript)*$/);
      // Once the worker is there, health says ready again.
      const health = await waitFor('ready health', async () => {
        const response = await fetch(`${gateway.httpUrl}/api/v1/health`);
        return response.status === 200 ? ((await response.json()) as Record<string, unknown>) : undefined;
      });
      expect(health).toMatchObject({ status: 'ready', workers_ready: 1 });
      expect(health.reason).toBeUndefined();
    } finally {
      child.kill('SIGKILL');
    }
  }, 180_000);
});
