// `earshot worker` as a process: flags are validated with one-line errors (exit 2), an
// unreachable Redis is exit 1 with the reason, SIGTERM leaves cleanly (exit 0) and takes
// the worker's heartbeat with it.
import { spawnSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../../helpers/build.js';
import { freePort, startRedis, type TestRedis } from '../../helpers/redis.js';
import { WORKER_SCRIPT, startWorker } from '../../helpers/worker.js';

function runWorker(args: string[]) {
  const run = spawnSync(process.execPath, [WORKER_SCRIPT, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('earshot worker CLI', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    await ensureBuilt();
    redis = await startRedis();
  });
  afterAll(async () => redis.stop());

  it.each([
    [[], /required option '--redis <url>'/],
    [['--redis', 'not a url'], /--redis must be a URL/],
    [['--redis', 'http://127.0.0.1:6379'], /--redis must start with redis:\/\/ or rediss:\/\//],
    [['--redis', 'redis://127.0.0.1:6379', '--engine', 'whisper'], /--engine .*pocketsphinx.*synthetic/],
    [['--redis', 'redis://127.0.0.1:6379', '--concurrency', '0'], /--concurrency must be > 0/],
    [
      ['--redis', 'redis://127.0.0.1:6379', '--max-deliveries', '1.5'],
      /--max-deliveries must be a whole number/,
    ],
    [
      ['--redis', 'redis://127.0.0.1:6379', '--heartbeat-ms', '5000', '--heartbeat-ttl-ms', '1000'],
      /--heartbeat-ttl-ms must be longer than --heartbeat-ms/,
    ],
    [['--redis', 'redis://127.0.0.1:6379', '--test-poison-mode', 'sometimes'], /--test-poison-mode/],
    [['--redis', 'redis://127.0.0.1:6379', '--bogus'], /unknown option '--bogus'/],
  ])('refuses %j with one line and exit 2', (args, message) => {
    const run = runWorker(args);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(message);
  });

  it('exits 1 with the reason when Redis cannot be reached', async () => {
    const port = await freePort();
    const run = runWorker(['--redis', `redis://:hunter2@127.0.0.1:${port}`, '--log-level', 'silent']);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/earshot worker: cannot start/);
    expect(run.stderr).not.toContain('hunter2'); // the password never reaches a log line
  });

  it('SIGTERM: exit 0 and the heartbeat is gone at once', async () => {
    const admin = new Redis(redis.url);
    try {
      const worker = await startWorker(redis.url, ['--heartbeat-ttl-ms', '60000']);
      expect(await admin.exists(`earshot:worker:${worker.id}`)).toBe(1);
      expect(await admin.sismember('earshot:workers', worker.id)).toBe(1);
      await worker.stop('SIGTERM');
      expect(await worker.exited).toBe(0);
      expect(await admin.exists(`earshot:worker:${worker.id}`)).toBe(0);
      expect(await admin.sismember('earshot:workers', worker.id)).toBe(0);
    } finally {
      admin.disconnect();
    }
  });
});
