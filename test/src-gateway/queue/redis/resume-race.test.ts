// A resume that races a result: the client resumes on gateway B while a worker finishes
// one of its chunks for gateway A. Two gateways' session logic (SessionManager, from
// source) on a real redis-server with a real worker process; the only thing the test
// controls is the interleaving: B's read of the session is held until the worker has
// finished the chunk, the moment a real result can land in between.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RepeatedEvents } from '../../../../src-gateway/logging.js';
import { RedisTaskQueue } from '../../../../src-gateway/queue/redis/redis-task-queue.js';
import { RedisSessionStore } from '../../../../src-gateway/queue/redis/session-store.js';
import { createMetrics } from '../../../../src-gateway/server/metrics.js';
import { earshotReplies, type Reply } from '../../../../src-gateway/server/replies.js';
import { admissionFor } from '../../../../src-gateway/server/admission.js';
import { SessionManager, type ClientLink } from '../../../../src-gateway/server/session-manager.js';
import type { SessionRecord, SessionStore } from '../../../../src-gateway/server/session-store.js';
import { joinTexts } from '../../../../src-shared/protocol/text-join.js';
import { ensureBuilt } from '../../../helpers/build.js';
import { startRedis, type TestRedis } from '../../../helpers/redis.js';
import { startWorker, type TestWorker } from '../../../helpers/worker.js';
import { wavBase64 } from '../../support/test-client.js';
import { waitFor } from '../../../helpers/wait.js';

const logger = pino({ level: 'silent' });

/** A client connection as the session logic sees it: what it was sent, in order. */
function link(id: number): ClientLink & { sent: Reply[]; open: boolean } {
  const l = {
    id,
    sent: [] as Reply[],
    open: true,
    send: (reply: Reply) => void l.sent.push(reply),
    isOpen: () => l.open,
  };
  return l;
}

describe('resume on another gateway while a result is on its way', () => {
  let redis: TestRedis;
  let admin: Redis;
  let worker: TestWorker | undefined;
  const queues: RedisTaskQueue[] = [];
  const managers: SessionManager[] = [];
  const events: RepeatedEvents[] = [];

  beforeAll(async () => {
    await ensureBuilt();
    redis = await startRedis();
    admin = new Redis(redis.url);
  }, 300_000);
  afterAll(async () => {
    for (const m of managers) m.close();
    for (const e of events) e.stop();
    await worker?.kill();
    await Promise.all(queues.map((q) => q.close(0)));
    admin?.disconnect();
    await redis?.stop();
  });

  async function gateway(
    wrapStore: (store: SessionStore) => SessionStore = (s) => s,
  ): Promise<SessionManager> {
    const queue = new RedisTaskQueue({ url: redis.url, statsIntervalMs: 100 });
    queues.push(queue);
    await queue.start();
    const store = new RedisSessionStore({
      redis: queue.redis,
      keys: queue.keys,
      gatewayId: queue.gatewayId,
      ttlMs: 60_000,
    });
    const repeated = new RepeatedEvents(logger, 60_000);
    events.push(repeated);
    const admission = admissionFor(queue, { maxQueueWaitMs: 2_000 });
    const manager = new SessionManager({
      store: wrapStore(store),
      queue,
      admission,
      replies: earshotReplies(joinTexts),
      metrics: createMetrics({
        connections: () => 0,
        sessionsActive: () => 0,
        queue: () => queue.stats(),
        admission: () => admission.snapshot(),
        eventLoopLag: () => ({ p50Ms: 0, p99Ms: 0, maxMs: 0, windowMs: 5000 }),
      }),
      events: repeated,
      logger,
      gatewayId: queue.gatewayId,
      mergeTimeoutMs: 60_000,
      sessionIdleMs: 60_000,
    });
    managers.push(manager);
    return manager;
  }

  it('the resumed client gets the chunk_result of a chunk finished while it was resuming', async () => {
    const id = randomUUID();
    const gatewayA = await gateway();
    // Gateway B's first read of this session waits until the worker has finished the chunk.
    let holdRead: (() => Promise<void>) | undefined;
    const gatewayB = await gateway((store) => ({
      ...bindAll(store),
      async get(sessionId: string): Promise<SessionRecord | undefined> {
        const record = await store.get(sessionId);
        const hold = sessionId === id ? holdRead : undefined;
        holdRead = undefined;
        if (hold) await hold();
        return record;
      },
    }));

    // On A: start, one chunk queued (no worker yet), then the connection drops.
    const first = link(1);
    await gatewayA.start(first, { action: 'start', session_id: id });
    await gatewayA.audio(first, {
      sessionId: id,
      chunkIndex: 0,
      provisional: false,
      payload: { base64: wavBase64(0.5) },
    });
    expect(first.sent.map((r) => r.status)).toEqual(['session_started', 'received']);
    first.open = false;
    gatewayA.detach(first);

    // On B: resume. While B reads the session, a worker comes up and finishes the chunk.
    holdRead = async () => {
      worker = await startWorker(redis.url, ['--synthetic-phrase', 'raced', '--log-level', 'warn']);
      // The worker's finishing step records the result in the session and routes it to
      // the session's owner, atomically: once `completed` counts it, both happened.
      await waitFor('the worker to finish the chunk', async () =>
        (await admin.hget('earshot:stats', 'completed')) === '1' ? true : undefined,
      );
    };
    const second = link(2);
    await gatewayB.start(second, { action: 'start', session_id: id });
    expect(second.sent[0]).toMatchObject({ type: 'ack', status: 'session_resumed', received: [0] });
    const result = await waitFor(
      'chunk_result 0 on the resumed connection',
      () => second.sent.find((r) => r.type === 'chunk_result'),
      10_000,
    );
    expect(result).toMatchObject({ session_id: id, chunk_index: 0, text: 'raced' });
    expect(first.sent.filter((r) => r.type === 'chunk_result')).toEqual([]);
  }, 120_000);
});

/** The store's methods bound to it, so a wrapper can replace one and keep the rest. */
function bindAll(store: SessionStore): SessionStore {
  const proto = Object.getPrototypeOf(store) as Record<string, unknown>;
  const bound: Record<string, unknown> = {};
  for (const name of Object.getOwnPropertyNames(proto)) {
    const value = (store as unknown as Record<string, unknown>)[name];
    if (name !== 'constructor' && typeof value === 'function')
      bound[name] = (value as (...args: unknown[]) => unknown).bind(store);
  }
  return bound as unknown as SessionStore;
}
