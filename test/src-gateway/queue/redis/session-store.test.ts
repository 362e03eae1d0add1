// RedisSessionStore against a real redis-server: the SessionStore contract, TTLs, the
// idle sweep only returning this gateway's sessions, and results following the session
// to the gateway that claimed it last (a real worker process routes them).
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ChunkLedger } from '../../../../src-gateway/server/chunk-ledger.js';
import { RedisKeys } from '../../../../src-gateway/queue/redis/keys.js';
import { RedisTaskQueue } from '../../../../src-gateway/queue/redis/redis-task-queue.js';
import { RedisSessionStore } from '../../../../src-gateway/queue/redis/session-store.js';
import type { RecognitionResult } from '../../../../src-gateway/queue/types.js';
import { ensureBuilt } from '../../../helpers/build.js';
import { startRedis, type TestRedis } from '../../../helpers/redis.js';
import { startWorker, type TestWorker } from '../../../helpers/worker.js';

const keys = new RedisKeys();

describe('RedisSessionStore', () => {
  let redis: TestRedis;
  let client: Redis;
  const queues: RedisTaskQueue[] = [];
  const workers: TestWorker[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.kill()));
    await Promise.all(queues.splice(0).map((q) => q.close(0)));
    await client.flushall();
  });
  afterAll(async () => {
    client.disconnect();
    await redis.stop();
  });

  const store = (gatewayId: string, ttlMs = 60_000) =>
    new RedisSessionStore({ redis: client, keys, gatewayId, ttlMs });
  const record = (sessionId: string, now = Date.now()) => ({
    sessionId,
    startedAt: now,
    lastActivityAt: now,
    chunks: new ChunkLedger(),
    finishRequested: false,
  });

  it('keeps chunks, results, finish and final; a chunk index is recorded once', async () => {
    const s = store('gw-a');
    const id = randomUUID();
    expect(await s.get(id)).toBeUndefined();
    expect(await s.addChunk(id, 0, 1, Date.now())).toBe(false); // no such session
    await s.create({ ...record(id), userId: 'u1' });
    expect(await s.addChunk(id, 0, 1.5, Date.now())).toBe(true);
    expect(await s.addChunk(id, 0, 1.5, Date.now())).toBe(false);
    expect(await s.addChunk(id, 1, 2, Date.now())).toBe(true);
    await s.setResult(id, 0, { text: 'hello' }, Date.now());
    await s.setResult(id, 1, { error: { code: 'dead_letter', message: 'gone' } }, Date.now());
    await s.markFinishRequested(id, Date.now());
    const final = { text: 'hello', duration: 1.2, chunkCount: 2, audioSeconds: 3.5, partial: false };
    await s.setFinal(id, final, Date.now());
    const kept = await s.get(id);
    expect(kept).toMatchObject({ sessionId: id, userId: 'u1', finishRequested: true, final });
    expect(kept?.chunks.secondsByIndex()).toEqual({ 0: 1.5, 1: 2 });
    expect(kept?.chunks.outcomes()).toEqual({
      0: { text: 'hello' },
      1: { error: { code: 'dead_letter', message: 'gone' } },
    });
    // A second gateway sees the same session (that is what resume on another gateway needs).
    expect((await store('gw-b').get(id))?.chunks.secondsByIndex()).toEqual({ 0: 1.5, 1: 2 });
    // create() replaces a session with the same id (the base protocol's restart).
    await s.create(record(id));
    const replaced = await s.get(id);
    expect(replaced).toMatchObject({ finishRequested: false });
    expect(replaced?.chunks.count).toBe(0);
    expect(await s.count()).toBe(1);
    await s.delete(id);
    expect(await s.get(id)).toBeUndefined();
    expect(await s.count()).toBe(0);
  });

  it('puts a TTL on every key of a session and refreshes it on writes', async () => {
    const s = store('gw-a', 5_000);
    const id = randomUUID();
    await s.create(record(id));
    await s.addChunk(id, 0, 1, Date.now());
    await s.setResult(id, 0, { text: 'x' }, Date.now());
    for (const key of [keys.session(id), keys.sessionChunks(id), keys.sessionResults(id)]) {
      const ttl = await client.pttl(key);
      expect(ttl).toBeGreaterThan(3_000);
      expect(ttl).toBeLessThanOrEqual(5_000);
    }
  });

  it('the idle sweep returns only sessions this gateway holds (or whose data already expired)', async () => {
    const a = store('gw-a');
    const b = store('gw-b');
    const old = Date.now() - 60_000;
    const mine = randomUUID();
    const theirs = randomUUID();
    const moved = randomUUID();
    await a.create(record(mine, old));
    await b.create(record(theirs, old));
    await a.create(record(moved, old));
    await b.touch(moved, old); // the client resumed this one on gateway b
    expect((await a.idleSince(Date.now() - 1000)).sort()).toEqual([mine]);
    expect((await b.idleSince(Date.now() - 1000)).sort()).toEqual([moved, theirs].sort());
    await client.del(keys.session(theirs)); // expired meanwhile
    expect((await a.idleSince(Date.now() - 1000)).sort()).toEqual([mine, theirs].sort());
  });

  it('a result that reaches a gateway the client has left is passed on to the gateway holding the session', async () => {
    const gwA = new RedisTaskQueue({ url: redis.url, gatewayId: 'gw-a', statsIntervalMs: 100 });
    const gwB = new RedisTaskQueue({ url: redis.url, gatewayId: 'gw-b', statsIntervalMs: 100 });
    queues.push(gwA, gwB);
    await gwA.start();
    await gwB.start();
    const atA: RecognitionResult[] = [];
    const atB: RecognitionResult[] = [];
    gwA.onResult((r) => atA.push(r));
    gwB.onResult((r) => atB.push(r));
    const id = randomUUID();
    await store('gw-a').create(record(id));
    await store('gw-b').touch(id, Date.now()); // the client resumed on b
    // A worker finished just before b claimed the session, so it routed the result to a.
    const result: RecognitionResult = {
      taskId: `${id}:0`,
      sessionId: id,
      chunkIndex: 0,
      text: 'late',
      workerId: 'w',
      queuedMs: 1,
      processingMs: 1,
    };
    await client.xadd(keys.results('gw-a'), '*', 'result', JSON.stringify(result));
    const deadline = Date.now() + 10_000;
    while (atB.length === 0 && Date.now() < deadline) await sleep(20);
    expect(atB).toEqual([result]);
    await sleep(200);
    expect(atA).toEqual([]);
  });

  it('results follow the session to the gateway that claimed it last', async () => {
    await ensureBuilt();
    const gwA = new RedisTaskQueue({ url: redis.url, gatewayId: 'gw-a', statsIntervalMs: 100 });
    const gwB = new RedisTaskQueue({ url: redis.url, gatewayId: 'gw-b', statsIntervalMs: 100 });
    queues.push(gwA, gwB);
    await gwA.start();
    await gwB.start();
    const atA: RecognitionResult[] = [];
    const atB: RecognitionResult[] = [];
    gwA.onResult((r) => atA.push(r));
    gwB.onResult((r) => atB.push(r));
    const id = randomUUID();
    const storeA = store('gw-a');
    await storeA.create(record(id));
    const pcm = new Int16Array(16_000);
    const enqueue = (queue: RedisTaskQueue, chunkIndex: number) =>
      queue.enqueue({
        taskId: `${id}:${chunkIndex}`,
        sessionId: id,
        chunkIndex,
        pcm,
        audioSeconds: 1,
        gatewayId: queue.gatewayId,
        enqueuedAt: Date.now(),
      });
    for (const i of [0, 1]) {
      await storeA.addChunk(id, i, 1, Date.now());
      await enqueue(gwA, i);
    }
    // Gateway a enqueued both chunks; then the client moves to gateway b before any worker runs.
    await store('gw-b').touch(id, Date.now());
    workers.push(await startWorker(redis.url, ['--synthetic-cost-ms', '5', '--synthetic-phrase', 'moved']));
    const deadline = Date.now() + 20_000;
    while (atB.length < 2 && Date.now() < deadline) await sleep(50);
    expect(atB.map((r) => r.chunkIndex).sort()).toEqual([0, 1]);
    expect(atA).toEqual([]);
    // The worker also wrote the results into the session, for a gateway that resumes it later.
    expect((await storeA.get(id))?.chunks.outcomes()).toEqual({ 0: { text: 'moved' }, 1: { text: 'moved' } });
  });
});
