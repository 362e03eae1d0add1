// Scale-out end to end: real redis-server, 2 compiled gateways with --redis, 3 compiled
// workers on pocketsphinx, real WebSocket clients. The protocol is driven directly here
// (test/src-gateway/support/test-client.ts), so each step of a failover is visible:
// reconnect to the next URL, `start` again, resend what was not received. The same
// failover through the real Uploader with a URL list is uploader-failover.test.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunkPcm } from '../../../../src-main/audio/chunker.js';
import { POISON_MARKER } from '../../../../src-gateway/engines/poison-test-hook.js';
import { encodeWav, toProtocolPcm } from '../../../../src-shared/audio/wav.js';
import { ensureBuilt } from '../../../helpers/build.js';
import { startGateway, type TestGateway } from '../../../helpers/gateway.js';
import { startRedis, type TestRedis } from '../../../helpers/redis.js';
import { startWorker, type TestWorker } from '../../../helpers/worker.js';
import { corpusWer, wordErrorRate } from '../../../helpers/wer.js';
import { TestClient, type Message } from '../../support/test-client.js';
import { health } from '../../support/health.js';
import { waitFor } from '../../../helpers/wait.js';

const FIXTURES = fileURLToPath(new URL('../../../fixtures/', import.meta.url));
const MAX_CORPUS_WER = 0.15;
// The machine is shared: recognition can be many times slower than on an idle core.
// Generous waits keep the test about correctness; speed is measured in bench/.
const RESULT_TIMEOUT_MS = 300_000;
const TEST_TIMEOUT_MS = 600_000;
// Admission by expected wait is not the subject here (test/src-gateway/admission-by-wait.test.ts is):
// it is turned off (0), so raw test clients that send at once are not asked to wait.
const GATEWAY_ARGS = [
  '--log-level',
  'warn',
  '--merge-timeout-ms',
  String(RESULT_TIMEOUT_MS * 2),
  '--max-queue-wait-ms',
  '0',
];

interface FixtureEntry {
  file: string;
  text: string;
  seconds: number;
}
const manifest = JSON.parse(readFileSync(join(FIXTURES, 'manifest.json'), 'utf8')) as FixtureEntry[];

/** A fixture cut at pauses the way the client cuts it, as protocol WAV chunks. */
async function fixtureChunks(file: string): Promise<Uint8Array[]> {
  const pcm = toProtocolPcm(readFileSync(join(FIXTURES, file)));
  return (await chunkPcm(pcm)).map((chunk) => encodeWav(chunk.pcm));
}

function poisonChunk(): Uint8Array {
  const pcm = new Int16Array(8000);
  const bytes = new Uint8Array(pcm.buffer);
  for (let i = 0; i < POISON_MARKER.length; i++) bytes[i] = POISON_MARKER.charCodeAt(i);
  return encodeWav(pcm);
}

const isAck = (id: string, index: number) => (m: Message) =>
  m.type === 'ack' &&
  m.session_id === id &&
  m.chunk_index === index &&
  (m.status === 'received' || m.status === 'duplicate');

/** One whole session on one gateway: start, every chunk acked, finish, final_result. */
async function runSession(url: string, sessionId: string, chunks: Uint8Array[]) {
  const client = await TestClient.connect(url);
  try {
    client.start(sessionId);
    await client.next((m) => m.type === 'ack' && m.status === 'session_started');
    for (let i = 0; i < chunks.length; i++) {
      client.chunk(sessionId, i, chunks[i]);
      await client.next(isAck(sessionId, i));
    }
    client.finish(sessionId);
    const final = await client.nextOfType('final_result', sessionId, RESULT_TIMEOUT_MS);
    return {
      final,
      chunkResults: client.all((m) => m.type === 'chunk_result' && m.session_id === sessionId),
    };
  } finally {
    await client.close();
  }
}

describe('2 gateways + 3 pocketsphinx workers on one Redis', () => {
  let redis: TestRedis;
  let admin: Redis;
  const gateways: TestGateway[] = [];
  const workers: TestWorker[] = [];
  // Test hook on: chunks starting with POISON!! fail in the engine; all other audio is real.
  const workerArgs = [
    '--engine',
    'pocketsphinx',
    '--reclaim-idle-ms',
    '1500',
    '--max-deliveries',
    '3',
    '--test-poison-mode',
    'throw',
  ];

  beforeAll(async () => {
    await ensureBuilt();
    redis = await startRedis();
    admin = new Redis(redis.url);
    for (let i = 0; i < 2; i++)
      gateways.push(await startGateway(['--redis', redis.url, ...GATEWAY_ARGS], { skipBuild: true }));
    for (let i = 0; i < 3; i++)
      workers.push(await startWorker(redis.url, [...workerArgs, '--log-level', 'warn']));
  });

  afterAll(async () => {
    for (const g of gateways)
      if (/"level":(40|50|60)/.test(g.stderr()))
        console.log(`gateway ${g.port} stderr:\n${g.stderr().slice(-4000)}`);
    await Promise.all(gateways.map((g) => g.stop('SIGKILL')));
    await Promise.all(workers.map((w) => w.kill()));
    admin?.disconnect();
    await redis?.stop();
  });

  it('reports Redis and the live workers in /api/v1/health on every gateway', async () => {
    for (const gateway of gateways) {
      const body = await waitFor('3 workers in health', async () => {
        const h = await health(gateway);
        return h.workers_ready === 3 ? h : undefined;
      });
      expect(body).toMatchObject({
        status: 'ready',
        redis_ready: true,
        workers_ready: 3,
        engine: 'pocketsphinx',
      });
    }
  });

  it(
    'transcribes every fixture, sessions spread over both gateways, work spread over all workers',
    async () => {
      // Four sessions at a time: enough to keep all three workers busy, little enough for 2 shared cores.
      const runs: { entry: FixtureEntry; chunks: number; final: Message; chunkResults: Message[] }[] = [];
      let next = 0;
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          while (next < manifest.length) {
            const i = next++;
            const entry = manifest[i];
            const chunks = await fixtureChunks(entry.file);
            const { final, chunkResults } = await runSession(gateways[i % 2].url, randomUUID(), chunks);
            runs.push({ entry, chunks: chunks.length, final, chunkResults });
          }
        }),
      );
      expect(runs).toHaveLength(manifest.length);
      for (const run of runs) {
        expect(run.final.partial).toBeUndefined();
        expect(run.final.chunk_count).toBe(run.chunks);
        expect(run.chunkResults.every((m) => m.code === undefined)).toBe(true);
        expect(wordErrorRate(run.entry.text, String(run.final.text))).toBeLessThan(0.5);
      }
      const wer = corpusWer(runs.map((r) => ({ reference: r.entry.text, hypothesis: String(r.final.text) })));
      console.log(`scale-out corpus WER ${(wer * 100).toFixed(1)}% over ${runs.length} fixtures`);
      expect(wer).toBeLessThanOrEqual(MAX_CORPUS_WER);
      // Worker heartbeats carry the counts: give the next beats a moment to report the last chunks.
      const total = runs.reduce((sum, r) => sum + r.chunks, 0);
      const perWorker = await waitFor('per-worker counts to add up', async () => {
        const metrics = await (await fetch(`${gateways[0].httpUrl}/metrics`)).text();
        const found = [
          ...metrics.matchAll(
            /^earshot_redis_worker_chunks_completed\{worker="([^"]+)",engine="pocketsphinx"\} (\d+)/gm,
          ),
        ];
        return found.reduce((sum, m) => sum + Number(m[2]), 0) === total ? found : undefined;
      });
      expect(perWorker).toHaveLength(3);
      for (const m of perWorker) expect(Number(m[2])).toBeGreaterThan(0);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'a worker SIGKILLed mid-task: the chunk is reclaimed by another worker and transcribed',
    async () => {
      const entry = manifest.reduce((a, b) => (b.seconds > a.seconds ? b : a));
      // The whole recording as one chunk: its decode takes seconds, far longer than the
      // 20 ms poll that finds its holder, so the kill always lands mid-task.
      const chunks = [encodeWav(toProtocolPcm(readFileSync(join(FIXTURES, entry.file))))];
      const sessionId = randomUUID();
      const client = await TestClient.connect(gateways[0].url);
      try {
        client.start(sessionId);
        await client.next((m) => m.type === 'ack' && m.status === 'session_started');
        client.chunk(sessionId, 0, chunks[0]);
        await client.next(isAck(sessionId, 0));
        const holder = await waitFor('a worker holding the chunk', async () => {
          const pending = (await admin.xpending('earshot:tasks', 'workers', '-', '+', 10)) as [
            string,
            string,
          ][];
          return pending[0]?.[1];
        });
        const victim = workers.find((w) => w.id === holder);
        expect(victim).toBeDefined();
        await victim!.kill();
        workers.splice(workers.indexOf(victim!), 1);
        for (let i = 1; i < chunks.length; i++) {
          client.chunk(sessionId, i, chunks[i]);
          await client.next(isAck(sessionId, i));
        }
        client.finish(sessionId);
        const final = await client.nextOfType('final_result', sessionId, RESULT_TIMEOUT_MS);
        expect(final.partial).toBeUndefined();
        expect(final.chunk_count).toBe(chunks.length);
        expect(wordErrorRate(entry.text, String(final.text))).toBeLessThan(0.25);
        expect(Number(await admin.hget('earshot:stats', 'reclaimed'))).toBeGreaterThanOrEqual(1);
      } finally {
        await client.close();
      }
      workers.push(await startWorker(redis.url, [...workerArgs, '--log-level', 'warn']));
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'a poison chunk ends in the dead-letter stream and the client gets chunk_result with an error code',
    async () => {
      const entry = manifest[0];
      const sessionId = randomUUID();
      const { final, chunkResults } = await runSession(gateways[1].url, sessionId, [
        poisonChunk(),
        ...(await fixtureChunks(entry.file)),
      ]);
      const poisoned = chunkResults.find((m) => m.chunk_index === 0);
      expect(poisoned).toMatchObject({ code: 'dead_letter', text: '' });
      expect(String(poisoned?.message)).toMatch(/failed 3 times/);
      expect(final.partial).toBeUndefined(); // the session completes instead of waiting forever
      expect(wordErrorRate(entry.text, String(final.text))).toBeLessThan(0.5);
      const dead = await admin.xrange('earshot:dead', '-', '+');
      expect(
        dead.some(
          ([, fields]) => fields.includes('task') && fields[fields.indexOf('task') + 1].includes(sessionId),
        ),
      ).toBe(true);
      await waitFor('the dead letter in /metrics', async () => {
        const metrics = await (await fetch(`${gateways[1].httpUrl}/metrics`)).text();
        return /^earshot_redis_tasks_dead_lettered [1-9]/m.test(metrics) ? true : undefined;
      });
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'a gateway SIGKILLed mid-session: the client resumes on the other gateway and completes',
    async () => {
      const entry = manifest.filter((e) => e.seconds > 10)[0];
      const chunks = await fixtureChunks(entry.file);
      expect(chunks.length).toBeGreaterThanOrEqual(2);
      const sessionId = randomUUID();
      const urls = [gateways[0].url, gateways[1].url];
      const half = Math.ceil(chunks.length / 2);

      // First URL: start, send the first half, see them acked, then the gateway dies.
      const first = await TestClient.connect(urls[0]);
      first.start(sessionId);
      await first.next((m) => m.type === 'ack' && m.status === 'session_started');
      for (let i = 0; i < half; i++) {
        first.chunk(sessionId, i, chunks[i]);
        await first.next(isAck(sessionId, i));
      }
      await gateways[0].stop('SIGKILL');
      await first.closed;

      // Next URL: start again with the same id, resend what the gateway does not have.
      const second = await TestClient.connect(urls[1]);
      try {
        second.start(sessionId);
        const resumed = await second.next((m) => m.type === 'ack' && m.session_id === sessionId);
        expect(resumed.status).toBe('session_resumed');
        expect(resumed.received).toEqual([...Array(half).keys()]);
        const received = new Set(resumed.received as number[]);
        for (let i = 0; i < chunks.length; i++) {
          if (received.has(i)) continue;
          second.chunk(sessionId, i, chunks[i]);
          await second.next(isAck(sessionId, i));
        }
        second.finish(sessionId);
        const final = await second.nextOfType('final_result', sessionId, RESULT_TIMEOUT_MS);
        expect(final.partial).toBeUndefined();
        expect(final.chunk_count).toBe(chunks.length);
        expect(wordErrorRate(entry.text, String(final.text))).toBeLessThan(0.25);
      } finally {
        await second.close();
      }
    },
    TEST_TIMEOUT_MS,
  );
});

describe('a gateway on Redis with AOF (appendfsync always) across a Redis crash', () => {
  let redis: TestRedis;
  let gateway: TestGateway;
  const workers: TestWorker[] = [];

  beforeAll(async () => {
    await ensureBuilt();
    redis = await startRedis({ appendonly: true, appendfsync: 'always' });
    gateway = await startGateway(['--redis', redis.url, ...GATEWAY_ARGS], { skipBuild: true });
  });
  afterAll(async () => {
    await gateway?.stop('SIGKILL');
    await Promise.all(workers.map((w) => w.kill()));
    await redis?.stop();
  });

  it('loses no acknowledged chunk: acks before the crash, recognition after the restart', async () => {
    const sessionId = randomUUID();
    const client = await TestClient.connect(gateway.url);
    try {
      client.start(sessionId);
      await client.next((m) => m.type === 'ack' && m.status === 'session_started');
      // No worker yet: every acknowledged chunk exists only in Redis when it crashes.
      const count = 12;
      for (let i = 0; i < count; i++) {
        client.chunk(sessionId, i);
        await client.next(isAck(sessionId, i));
      }
      await redis.restart('SIGKILL');
      workers.push(
        await startWorker(redis.url, [
          '--synthetic-cost-ms',
          '5',
          '--synthetic-phrase',
          'kept',
          '--log-level',
          'warn',
        ]),
      );
      // The gateway's connection to Redis comes back by itself; finish may need a retry while it does.
      const final = await waitFor('final_result after the restart', async () => {
        client.finish(sessionId);
        try {
          return await client
            .next((m) => m.type === 'final_result' || (m.type === 'error' && m.code === 'internal'), 5_000)
            .then((m) => (m.type === 'final_result' ? m : undefined));
        } catch {
          return undefined;
        }
      });
      expect(final.partial).toBeUndefined();
      expect(final.chunk_count).toBe(count);
      expect(
        String(final.text)
          .split(' ')
          .filter((w) => w === 'kept'),
      ).toHaveLength(count);
    } finally {
      await client.close();
    }
  });
});
