// The Redis Streams queue against a real redis-server and real worker processes
// (dist/src-gateway/cli/worker.js, synthetic engine): delivery, reclaim after a worker
// is SIGKILLed, the dead-letter path, and an AOF restart of Redis.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { POISON_MARKER } from '../../../../src-gateway/engines/poison-test-hook.js';
import { RedisTaskQueue } from '../../../../src-gateway/queue/redis/redis-task-queue.js';
import type { RecognitionResult } from '../../../../src-gateway/queue/types.js';
import { ensureBuilt } from '../../../helpers/build.js';
import { startRedis, type TestRedis } from '../../../helpers/redis.js';
import { startWorker, type TestWorker } from '../../../helpers/worker.js';

function task(
  queue: RedisTaskQueue,
  sessionId: string,
  chunkIndex: number,
  pcm: Int16Array = new Int16Array(16_000),
) {
  return {
    taskId: `${sessionId}:${chunkIndex}`,
    sessionId,
    chunkIndex,
    pcm,
    audioSeconds: pcm.length / 16_000,
    gatewayId: queue.gatewayId,
    enqueuedAt: Date.now(),
  };
}

function poisonPcm(): Int16Array {
  const pcm = new Int16Array(8000);
  const bytes = new Uint8Array(pcm.buffer);
  for (let i = 0; i < POISON_MARKER.length; i++) bytes[i] = POISON_MARKER.charCodeAt(i);
  return pcm;
}

async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    await sleep(50);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

function collect(queue: RedisTaskQueue): RecognitionResult[] {
  const results: RecognitionResult[] = [];
  queue.onResult((r) => results.push(r));
  return results;
}

describe('RedisTaskQueue with worker processes', () => {
  let redis: TestRedis;
  let admin: Redis;
  const workers: TestWorker[] = [];
  const queues: RedisTaskQueue[] = [];

  beforeAll(async () => {
    await ensureBuilt();
    redis = await startRedis();
    admin = new Redis(redis.url);
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.kill()));
    await Promise.all(queues.splice(0).map((q) => q.close(0)));
    await admin.flushall();
  });
  afterAll(async () => {
    admin.disconnect();
    await redis.stop();
  });

  async function openQueue(): Promise<RedisTaskQueue> {
    const queue = new RedisTaskQueue({ url: redis.url, statsIntervalMs: 100, maxBacklogSeconds: 30 });
    queues.push(queue);
    await queue.start();
    return queue;
  }

  it('delivers every result exactly once to the enqueuing gateway and drains the backlog counters', async () => {
    const queue = await openQueue();
    const other = await openQueue();
    const results = collect(queue);
    const otherResults = collect(other);
    for (let i = 0; i < 2; i++) {
      workers.push(
        await startWorker(redis.url, [
          '--engine',
          'synthetic',
          '--synthetic-cost-ms',
          '20',
          '--synthetic-phrase',
          `hello`,
        ]),
      );
    }
    const session = randomUUID();
    for (let i = 0; i < 20; i++) await queue.enqueue(task(queue, session, i));
    await waitFor('20 results', () => results.length >= 20 || undefined);
    await sleep(300); // a duplicate would show up here
    expect(results.map((r) => r.chunkIndex).sort((a, b) => a - b)).toEqual([...Array(20).keys()]);
    expect(results.every((r) => r.text === 'hello' && r.error === undefined)).toBe(true);
    expect(new Set(results.map((r) => r.workerId)).size).toBe(2);
    expect(otherResults).toEqual([]);
    const stats = await waitFor('counters to settle', async () => {
      const s = await admin.hgetall('earshot:stats');
      return s.backlog_tasks === '0' ? s : undefined;
    });
    expect(stats).toMatchObject({ backlog_ms: '0', backlog_tasks: '0', completed: '20', enqueued: '20' });
    expect(await admin.xlen('earshot:tasks')).toBe(0); // finished entries are deleted, not kept with their audio
    await waitFor('2 live workers in stats', () => (queue.stats().workers === 2 ? true : undefined));
  });

  it('loses no result while the gateway is busy or its results connection drops', async () => {
    const queue = await openQueue();
    const results = collect(queue);
    workers.push(await startWorker(redis.url, ['--synthetic-cost-ms', '10', '--synthetic-phrase', 'kept']));
    for (let i = 0; i < 10; i++) await queue.enqueue(task(queue, 'busy', i));
    // The gateway's event loop is stuck for 2 s: results pile up in its stream meanwhile.
    const until = Date.now() + 2000;
    while (Date.now() < until) {
      // busy on purpose
    }
    await waitFor('the first 10 results', () => (results.length >= 10 ? true : undefined));
    // Its blocking reader's connection is killed by Redis; results keep coming after the reconnect.
    const clients = (await admin.client('LIST')) as string;
    const reader = clients
      .split('\n')
      .find((line) => line.includes(`name=earshot-gw-results-${queue.gatewayId}`));
    expect(reader).toBeDefined();
    await admin.client('KILL', 'ID', /id=(\d+)/.exec(reader!)![1]);
    for (let i = 10; i < 20; i++) await queue.enqueue(task(queue, 'busy', i));
    await waitFor('all 20 results', () => (results.length >= 20 ? true : undefined));
    await sleep(300);
    expect(results.map((r) => r.chunkIndex).sort((a, b) => a - b)).toEqual([...Array(20).keys()]);
  });

  it('admits by backlog seconds, not by stream length', async () => {
    const queue = await openQueue();
    // No worker: everything stays queued. The bound is 30 audio seconds.
    for (let i = 0; i < 3; i++) await queue.enqueue(task(queue, 'admit', i, new Int16Array(16_000 * 9)));
    expect(queue.admit(2).ok).toBe(true); // 27 + 2 <= 30
    const refused = queue.admit(4);
    expect(refused.ok).toBe(false);
    if (!refused.ok) {
      expect(refused.backlogSeconds).toBeCloseTo(27, 3);
      expect(refused.retryAfterMs).toBeGreaterThan(0);
    }
    // Many tiny tasks: long stream, small backlog -> still admitted.
    const other = await openQueue();
    await waitFor('other gateway sees the shared backlog', () =>
      other.stats().backlogSeconds >= 27 ? true : undefined,
    );
    expect(other.admit(4).ok).toBe(false);
  });

  it('a worker SIGKILLed mid-task: its chunk is reclaimed by another worker and transcribed once', async () => {
    const queue = await openQueue();
    const results = collect(queue);
    const slow = await startWorker(redis.url, [
      '--synthetic-cost-ms',
      '60000',
      '--reclaim-idle-ms',
      '1500',
      '--synthetic-phrase',
      'slow',
    ]);
    workers.push(slow);
    await queue.enqueue(task(queue, 'reclaim', 0));
    const owner = await waitFor('the slow worker to hold the task', async () => {
      const pending = (await admin.xpending('earshot:tasks', 'workers', '-', '+', 10)) as [
        string,
        string,
        number,
        number,
      ][];
      return pending[0]?.[1];
    });
    expect(owner).toBe(slow.id);
    await slow.kill();
    const rescuer = await startWorker(redis.url, [
      '--synthetic-cost-ms',
      '10',
      '--reclaim-idle-ms',
      '1500',
      '--synthetic-phrase',
      'rescued',
    ]);
    workers.push(rescuer);
    await waitFor('the reclaimed result', () => (results.length > 0 ? true : undefined));
    await sleep(300);
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ chunkIndex: 0, text: 'rescued', workerId: rescuer.id });
    expect(await admin.hget('earshot:stats', 'reclaimed')).toBe('1');
    expect(await admin.xpending('earshot:tasks', 'workers')).toEqual([0, null, null, null]);
  });

  it('a worker stopped with SIGTERM past its grace hands its chunk back at once, without counting a failed delivery', async () => {
    const queue = await openQueue();
    const results = collect(queue);
    const idle = ['--reclaim-idle-ms', '30000', '--max-deliveries', '1'];
    const leaving = await startWorker(redis.url, [
      ...idle,
      '--synthetic-cost-ms',
      '60000',
      '--shutdown-grace-ms',
      '300',
    ]);
    workers.push(leaving);
    await queue.enqueue(task(queue, 'handback', 0));
    await waitFor('the leaving worker to hold the task', async () => {
      const pending = (await admin.xpending('earshot:tasks', 'workers', '-', '+', 10)) as [string, string][];
      return pending[0]?.[1] === leaving.id ? true : undefined;
    });
    await leaving.stop('SIGTERM');
    expect(await leaving.exited).toBe(0);
    const startedAt = Date.now();
    workers.push(
      await startWorker(redis.url, [
        ...idle,
        '--synthetic-cost-ms',
        '10',
        '--synthetic-phrase',
        'taken over',
      ]),
    );
    await waitFor('the result from the other worker', () => (results.length > 0 ? true : undefined), 20_000);
    expect(Date.now() - startedAt).toBeLessThan(30_000); // not the 30 s reclaim idle time
    // --max-deliveries 1: had the hand-back counted as a failed delivery, this would be a dead letter.
    expect(results[0]).toMatchObject({ chunkIndex: 0, text: 'taken over' });
    expect(await admin.xlen('earshot:dead')).toBe(0);
  });

  it('a live worker on a slow chunk keeps its claim (no reclaim while it renews)', async () => {
    const queue = await openQueue();
    const results = collect(queue);
    workers.push(
      await startWorker(redis.url, [
        '--synthetic-cost-ms',
        '2500',
        '--reclaim-idle-ms',
        '600',
        '--synthetic-phrase',
        'a',
      ]),
    );
    workers.push(
      await startWorker(redis.url, [
        '--synthetic-cost-ms',
        '2500',
        '--reclaim-idle-ms',
        '600',
        '--synthetic-phrase',
        'b',
      ]),
    );
    await queue.enqueue(task(queue, 'slow', 0));
    await waitFor('the result', () => (results.length > 0 ? true : undefined));
    await sleep(500);
    expect(results).toHaveLength(1);
    expect(await admin.hget('earshot:stats', 'reclaimed')).toBeNull();
  });

  it('a poison chunk fails K deliveries, lands in the dead-letter stream and its session gets an error result', async () => {
    const queue = await openQueue();
    const results = collect(queue);
    const hooks = [
      '--test-poison-mode',
      'throw',
      '--max-deliveries',
      '3',
      '--reclaim-idle-ms',
      '1000',
      '--synthetic-phrase',
      'fine',
    ];
    workers.push(await startWorker(redis.url, hooks));
    workers.push(await startWorker(redis.url, hooks));
    await queue.enqueue(task(queue, 'poison', 0, poisonPcm()));
    await queue.enqueue(task(queue, 'poison', 1));
    await waitFor('both results', () => (results.length >= 2 ? true : undefined));
    const byIndex = new Map(results.map((r) => [r.chunkIndex, r]));
    expect(byIndex.get(1)).toMatchObject({ text: 'fine' });
    const dead = byIndex.get(0);
    expect(dead?.text).toBeUndefined();
    expect(dead?.error?.code).toBe('dead_letter');
    expect(dead?.error?.message).toMatch(/failed 3 times: test hook: poison chunk/);
    const entries = await admin.xrangeBuffer('earshot:dead', '-', '+');
    expect(entries).toHaveLength(1);
    const fields = new Map<string, Buffer>();
    for (let i = 0; i < entries[0][1].length; i += 2)
      fields.set(entries[0][1][i].toString(), entries[0][1][i + 1]);
    expect(fields.get('deliveries')?.toString()).toBe('3');
    expect(fields.get('pcm')?.subarray(0, 8).toString()).toBe(POISON_MARKER); // the audio is kept for a post-mortem
    expect(JSON.parse(fields.get('task')?.toString() ?? '{}')).toMatchObject({
      sessionId: 'poison',
      chunkIndex: 0,
    });
    const stats = await admin.hgetall('earshot:stats');
    expect(stats).toMatchObject({ dead_letters: '1', failed: '3', backlog_tasks: '0', backlog_ms: '0' });
  });

  it('a chunk that kills every worker that takes it is dead-lettered after K deliveries', async () => {
    const queue = await openQueue();
    const results = collect(queue);
    const hooks = ['--test-poison-mode', 'crash', '--max-deliveries', '2', '--reclaim-idle-ms', '800'];
    await queue.enqueue(task(queue, 'crash', 0, poisonPcm()));
    // Each crash takes a worker down; replace it until the chunk is dead-lettered.
    for (let attempt = 0; attempt < 4 && results.length === 0; attempt++) {
      const worker = await startWorker(redis.url, hooks);
      workers.push(worker);
      await Promise.race([
        worker.exited,
        waitFor('a result', () => (results.length > 0 ? true : undefined), 10_000),
      ]);
    }
    await waitFor('the dead-letter result', () => (results.length > 0 ? true : undefined), 10_000);
    expect(results[0].error?.code).toBe('dead_letter');
    expect(results[0].error?.message).toMatch(/stopped while processing this chunk 2 times/);
    const entries = await admin.xrange('earshot:dead', '-', '+');
    expect(entries).toHaveLength(1);
    // Issue 10, item 7: the entry said "2 times" while its deliveries field said 3.
    const fields = entries[0][1];
    expect(fields[fields.indexOf('deliveries') + 1]).toBe('2');
    expect(fields[fields.indexOf('reason') + 1]).toMatch(/stopped while processing this chunk 2 times/);
  });
});

describe('RedisTaskQueue across a Redis crash with AOF (appendfsync always)', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    await ensureBuilt();
    redis = await startRedis({ appendonly: true, appendfsync: 'always' });
  });
  afterAll(async () => redis.stop());

  it('loses no acknowledged task: SIGKILL Redis, restart it, every enqueued chunk is recognised', async () => {
    const queue = new RedisTaskQueue({ url: redis.url, statsIntervalMs: 100 });
    await queue.start();
    const results = collect(queue);
    const acknowledged: number[] = [];
    for (let i = 0; i < 25; i++) {
      await queue.enqueue(task(queue, 'aof', i));
      acknowledged.push(i); // enqueue resolved = Redis replied after the fsync
    }
    await redis.restart('SIGKILL');
    const worker = await startWorker(redis.url, ['--synthetic-cost-ms', '5', '--synthetic-phrase', 'kept']);
    try {
      await waitFor('every acknowledged chunk', () =>
        results.length >= acknowledged.length ? true : undefined,
      );
      expect(results.map((r) => r.chunkIndex).sort((a, b) => a - b)).toEqual(acknowledged);
      expect(results.every((r) => r.text === 'kept')).toBe(true);
    } finally {
      await worker.kill();
      await queue.close(0);
    }
  });

  it('workers running through the crash carry on: every acknowledged chunk gets exactly one result', async () => {
    const queue = new RedisTaskQueue({ url: redis.url, statsIntervalMs: 100 });
    await queue.start();
    const results = collect(queue);
    const worker = await startWorker(redis.url, [
      '--synthetic-cost-ms',
      '100',
      '--reclaim-idle-ms',
      '1000',
      '--synthetic-phrase',
      'through',
    ]);
    try {
      for (let i = 0; i < 30; i++) await queue.enqueue(task(queue, 'through', i));
      await waitFor('some results before the crash', () => (results.length >= 3 ? true : undefined));
      await redis.restart('SIGKILL'); // mid-stream: some done, one in the engine, the rest queued
      await waitFor('every acknowledged chunk', () => (results.length >= 30 ? true : undefined), 60_000);
      await sleep(1500); // a duplicate (e.g. a reclaimed task finished twice) would show up here
      expect(results.map((r) => r.chunkIndex).sort((a, b) => a - b)).toEqual([...Array(30).keys()]);
    } finally {
      await worker.kill();
      await queue.close(0);
    }
  });
});
