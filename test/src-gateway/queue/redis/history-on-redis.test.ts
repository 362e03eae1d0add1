// With --redis the finished-session history lives in Redis: every gateway of the
// deployment answers the lookup API from it, each entry carries a TTL of the retention
// age, and the count bound holds across gateways. Real redis-server, gateways and worker.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../../../helpers/build.js';
import { startGateway, type TestGateway } from '../../../helpers/gateway.js';
import { startRedis, type TestRedis } from '../../../helpers/redis.js';
import { startWorker, type TestWorker } from '../../../helpers/worker.js';
import { TestClient, wavBase64 } from '../../support/test-client.js';

const MAX_AGE_MS = 120_000;

describe('session history in Redis', () => {
  let redis: TestRedis;
  let admin: Redis;
  let worker: TestWorker;
  const gateways: TestGateway[] = [];

  beforeAll(async () => {
    await ensureBuilt();
    redis = await startRedis();
    admin = new Redis(redis.url);
    worker = await startWorker(redis.url, ['--synthetic-phrase', 'delta', '--log-level', 'warn']);
    const args = [
      '--redis',
      redis.url,
      '--history-max-sessions',
      '2',
      '--history-max-age-ms',
      String(MAX_AGE_MS),
      '--log-level',
      'warn',
    ];
    gateways.push(
      ...(await Promise.all([
        startGateway(args, { skipBuild: true }),
        startGateway(args, { skipBuild: true }),
      ])),
    );
  }, 300_000);

  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.stop()));
    await worker?.kill();
    admin?.disconnect();
    await redis?.stop();
  });

  async function runSession(gateway: TestGateway): Promise<string> {
    const client = await TestClient.connect(gateway.url);
    const id = randomUUID();
    client.start(id);
    await client.nextOfType('ack');
    client.chunk(id, 0, wavBase64(0.2));
    client.finish(id);
    await client.nextOfType('final_result', id, 30_000);
    await client.close();
    return id;
  }

  const history = async (gateway: TestGateway) =>
    (
      (await (await fetch(`${gateway.httpUrl}/api/v1/history`)).json()) as {
        records: { session_id: string }[];
      }
    ).records.map((r) => r.session_id);

  it('is shared by the gateways, bounded by count, each entry with a TTL of the retention age', async () => {
    const [a, b] = gateways;
    const first = await runSession(a);
    // Finished on gateway A, looked up on gateway B.
    expect(await history(b)).toEqual([first]);
    const detail = await fetch(`${b.httpUrl}/api/v1/session/${first}`);
    expect(detail.status).toBe(200);
    expect(await detail.json()).toMatchObject({
      id: first,
      status: 'done',
      final_text: 'delta',
      chunk_count: 1,
    });
    const ttl = await admin.pttl(`earshot:history:${first}`);
    expect(ttl).toBeGreaterThan(MAX_AGE_MS - 30_000);
    expect(ttl).toBeLessThanOrEqual(MAX_AGE_MS);

    const second = await runSession(b);
    const third = await runSession(a);
    // Three finished, two kept: the oldest went, its entry too.
    expect(await history(a)).toEqual([third, second]);
    expect(await history(b)).toEqual([third, second]);
    expect(await admin.zcard('earshot:history')).toBe(2);
    expect(await admin.exists(`earshot:history:${first}`)).toBe(0);

    const deleted = await fetch(`${a.httpUrl}/api/v1/session/${second}`, { method: 'DELETE' });
    expect(deleted.status).toBe(200);
    expect(await history(b)).toEqual([third]);
    expect(await admin.exists(`earshot:history:${second}`)).toBe(0);
  });
});
