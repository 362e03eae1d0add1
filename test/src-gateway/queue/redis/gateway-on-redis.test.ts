// A compiled gateway with --redis against a real redis-server and real worker processes
// (synthetic engine unless said otherwise): what health reports, what a client gets when
// Redis refuses an enqueue, and what a graceful stop waits for.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../../../helpers/build.js';
import { startGateway, type TestGateway } from '../../../helpers/gateway.js';
import { startRedis, type TestRedis } from '../../../helpers/redis.js';
import { startWorker, type TestWorker } from '../../../helpers/worker.js';
import { TestClient, type Message } from '../../support/test-client.js';
import { health } from '../../support/health.js';
import { waitFor } from '../../../helpers/wait.js';

const GATEWAY_ARGS = ['--log-level', 'warn'];

const sessionReply = (id: string) => (m: Message) =>
  m.session_id === id && (m.type === 'ack' || m.type === 'error');

describe('a gateway on Redis', () => {
  let redis: TestRedis;
  let admin: Redis;
  const gateways: TestGateway[] = [];
  const workers: TestWorker[] = [];

  beforeAll(async () => {
    await ensureBuilt();
    redis = await startRedis();
    admin = new Redis(redis.url);
  }, 300_000);
  afterEach(async () => {
    await Promise.all(gateways.splice(0).map((g) => g.stop('SIGKILL')));
    await Promise.all(workers.splice(0).map((w) => w.kill()));
    await admin.flushall();
    await admin.acl('DELUSER', 'gateway').catch(() => undefined);
  });
  afterAll(async () => {
    admin?.disconnect();
    await redis?.stop();
  });

  it("health reports the live workers' engines, not the gateway's own --engine", async () => {
    // The gateway's --engine means nothing with --redis: recognition happens in the workers.
    const gateway = await startGateway(['--redis', redis.url, '--engine', 'pocketsphinx', ...GATEWAY_ARGS], {
      skipBuild: true,
    });
    gateways.push(gateway);
    expect(await health(gateway)).toMatchObject({ workers_ready: 0, engine: 'none' });
    workers.push(await startWorker(redis.url, ['--engine', 'synthetic', '--log-level', 'warn']));
    const one = await waitFor('the synthetic worker in health', async () => {
      const h = await health(gateway);
      return h.workers_ready === 1 ? h : undefined;
    });
    expect(one.engine).toBe('synthetic');
    workers.push(
      await startWorker(redis.url, ['--engine', 'pocketsphinx', '--log-level', 'warn'], {
        timeoutMs: 120_000,
      }),
    );
    const mixed = await waitFor('both workers in health', async () => {
      const h = await health(gateway);
      return h.workers_ready === 2 ? h : undefined;
    });
    expect(mixed.engine).toBe('pocketsphinx,synthetic');
  }, 180_000);

  it('a chunk Redis refused to queue is not recorded: the client gets busy with retry_after_ms, and its retry is queued', async () => {
    // Redis refuses exactly the enqueue (XADD) of this gateway's user, while the session
    // writes go through: the state "recorded as received, never queued" of a Redis dying in between.
    await admin.acl('SETUSER', 'gateway', 'on', '>gw-pass', '~*', '&*', '+@all', '-xadd');
    const url = redis.url.replace('redis://', 'redis://gateway:gw-pass@');
    const gateway = await startGateway(['--redis', url, ...GATEWAY_ARGS], { skipBuild: true });
    gateways.push(gateway);
    workers.push(
      await startWorker(redis.url, ['--synthetic-phrase', 'queued at last', '--log-level', 'warn']),
    );
    const client = await TestClient.connect(gateway.url);
    try {
      const id = randomUUID();
      client.start(id);
      const ack = await client.next(sessionReply(id));
      expect(ack).toMatchObject({ type: 'ack', status: 'session_started' });
      // Provisional requests are not offered over Redis (docs/protocol.md, "Extensions");
      // binary audio frames are transport only, so they are.
      expect(ack.features).toEqual(['binary_audio']);
      client.chunk(id, 0);
      const refused = await client.next(sessionReply(id));
      expect(refused).toMatchObject({ type: 'error', code: 'busy', chunk_index: 0 });
      expect(refused.retry_after_ms).toBeGreaterThan(0);
      expect(await admin.hlen(`earshot:session:${id}:chunks`)).toBe(0);

      await admin.acl('SETUSER', 'gateway', '+xadd'); // Redis takes it again
      client.chunk(id, 0);
      expect(await client.next(sessionReply(id))).toMatchObject({
        type: 'ack',
        status: 'received',
        chunk_index: 0,
      });
      expect(await client.nextOfType('chunk_result', id, 30_000)).toMatchObject({
        chunk_index: 0,
        text: 'queued at last',
      });
      client.finish(id);
      expect(await client.nextOfType('final_result', id, 30_000)).toMatchObject({
        chunk_count: 1,
        text: 'queued at last',
      });
      expect(gateway.stderr()).not.toContain('gw-pass');
    } finally {
      await client.close();
    }
  }, 120_000);

  it("SIGTERM waits for this gateway's own chunks, not for the other gateways' work", async () => {
    const args = ['--redis', redis.url, '--shutdown-grace-ms', '60000', ...GATEWAY_ARGS];
    const leaving = await startGateway(args, { skipBuild: true });
    const staying = await startGateway(args, { skipBuild: true });
    gateways.push(leaving, staying);
    // The other gateway's chunk sits in a slow worker for the whole test.
    workers.push(
      await startWorker(redis.url, [
        '--concurrency',
        '1',
        '--synthetic-cost-ms',
        '25000',
        '--log-level',
        'warn',
      ]),
    );
    const other = await TestClient.connect(staying.url);
    const otherId = randomUUID();
    other.start(otherId);
    await other.next(sessionReply(otherId));
    other.chunk(otherId, 0);
    expect(await other.next(sessionReply(otherId))).toMatchObject({ status: 'received' });
    await waitFor('the slow worker to hold the other chunk', async () =>
      (await admin.xpending('earshot:tasks', 'workers'))[0] === 1 ? true : undefined,
    );
    workers.push(
      await startWorker(redis.url, [
        '--synthetic-cost-ms',
        '1500',
        '--synthetic-phrase',
        'mine',
        '--log-level',
        'warn',
      ]),
    );

    // The leaving gateway's own chunk is in progress when it is told to stop.
    const client = await TestClient.connect(leaving.url);
    const id = randomUUID();
    client.start(id);
    await client.next(sessionReply(id));
    client.chunk(id, 0);
    expect(await client.next(sessionReply(id))).toMatchObject({ status: 'received' });
    client.finish(id);
    leaving.process.kill('SIGTERM');
    const final = await client.nextOfType('final_result', id, 30_000);
    expect(final).toMatchObject({ chunk_count: 1, text: 'mine' });
    expect(final.partial).toBeUndefined();
    expect(await leaving.exited).toBe(0);
    // It left while the other gateway's chunk was still in the slow worker.
    expect((await admin.xpending('earshot:tasks', 'workers'))[0]).toBe(1);
    expect(other.all((m) => m.type === 'chunk_result')).toEqual([]);
    await other.close();
  }, 120_000);
});
