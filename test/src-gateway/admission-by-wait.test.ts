// Admission by expected wait in a live gateway (docs/gateway.md, "Admission"): the
// synthetic engine runs at a known speed (--synthetic-rtf 0.5: two audio seconds per
// second per worker), real WebSocket clients on loopback. A session is admitted or sent
// away at `start`, before its audio travels; an admitted one's chunks are all taken; the
// line keeps its order; and with Redis the gateway measures its remote workers' speed.
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../helpers/build.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { startRedis } from '../helpers/redis.js';
import { waitFor } from '../helpers/wait.js';
import { startWorker } from '../helpers/worker.js';
import { TestClient, sessionId, wavBase64, type Message } from './support/test-client.js';

beforeAll(() => ensureBuilt(), 300_000);

const KNOWN_SPEED = ['--engine', 'synthetic', '--synthetic-rtf', '0.5'];

async function json(gateway: TestGateway, path: string): Promise<Record<string, number>> {
  return (await (await fetch(`${gateway.httpUrl}${path}`)).json()) as Record<string, number>;
}

function start(client: TestClient, id: string, expectedSeconds: number): Promise<Message> {
  client.send({ action: 'start', session_id: id, expected_seconds: expectedSeconds });
  return client.next((m) => m.session_id === id && (m.type === 'ack' || m.type === 'error'), 20_000);
}

/** Sends `seconds` one-second chunks at once; resolves with each chunk's first answer. */
async function sendAll(client: TestClient, id: string, seconds: number): Promise<Message[]> {
  for (let i = 0; i < seconds; i++) client.chunk(id, i, wavBase64(1));
  const answers: Message[] = [];
  for (let i = 0; i < seconds; i++)
    answers.push(
      await client.next((m) => m.chunk_index === i && (m.type === 'ack' || m.type === 'error'), 20_000),
    );
  return answers;
}

describe('admission by expected wait', () => {
  it('admits at start while the wait allows, sends later sessions away before their audio, and takes every chunk of an admitted one', async () => {
    const gateway = await startGateway([...KNOWN_SPEED, '--workers', '1', '--max-queue-wait-ms', '2000']);
    try {
      const a = await TestClient.connect(gateway.url);
      const b = await TestClient.connect(gateway.url);
      const idA = sessionId();
      const idB = sessionId();
      expect(await start(a, idA, 4)).toMatchObject({ type: 'ack', status: 'session_started' });
      // A holds the only worker's share: 4 s reserved at ~1-2 audio s/s is over the 2 s target.
      const refused = await start(b, idB, 4);
      expect(refused).toMatchObject({ type: 'error', code: 'busy', session_id: idB });
      expect(refused.retry_after_ms).toBeGreaterThan(0);
      expect(String(refused.message)).toMatch(/^System busy: a chunk would wait \d+\.\d s \(target 2\.0 s\)/);
      const status = await json(gateway, '/api/v1/asr/queue/status');
      expect(status.sessions_waiting_at_door).toBe(1);
      expect(status.expected_wait_ms).toBeGreaterThan(2000);
      expect(status.reserved_seconds).toBe(4);

      // A's audio is all taken, at once, however long the queue's wait: it was reserved.
      const answers = await sendAll(a, idA, 4);
      expect(answers.map((m) => m.status ?? m.code)).toEqual([
        'received',
        'received',
        'received',
        'received',
      ]);
      a.finish(idA);
      expect(await a.nextOfType('final_result', idA, 30_000)).toMatchObject({ chunk_count: 4 });

      // A is done: B, first in line, comes in.
      expect(await start(b, idB, 4)).toMatchObject({ type: 'ack', status: 'session_started' });
      const health = await json(gateway, '/api/v1/health');
      expect(health.throughput_audio_seconds_per_second).toBeGreaterThan(0);
      expect(typeof health.expected_wait_ms).toBe('number');
      const metrics = await (await fetch(`${gateway.httpUrl}/metrics`)).text();
      expect(metrics).toMatch(/^earshot_sessions_busy_at_start_total 1$/m);
      expect(metrics).toMatch(/^earshot_queue_expected_wait_seconds \d/m);
      expect(metrics).toMatch(/^earshot_recognition_throughput_audio_seconds_per_second \d/m);
      expect(metrics).not.toMatch(/^earshot_protocol_errors_total\{code="bad_audio"\}/m);
      await Promise.all([a.close(), b.close()]);
    } finally {
      await gateway.stop();
    }
  });

  it('keeps the line in order: a session refused earlier is admitted before one refused later', async () => {
    const gateway = await startGateway([...KNOWN_SPEED, '--workers', '1', '--max-queue-wait-ms', '2000']);
    try {
      const [holder, early, late] = await Promise.all([0, 1, 2].map(() => TestClient.connect(gateway.url)));
      const [idHolder, idEarly, idLate] = [sessionId(), sessionId(), sessionId()];
      expect(await start(holder, idHolder, 4)).toMatchObject({ status: 'session_started' });
      expect(await start(early, idEarly, 4)).toMatchObject({ code: 'busy' });
      const second = await start(late, idLate, 4);
      expect(second).toMatchObject({ code: 'busy' });
      expect(String(second.message)).toMatch(/; 1 session\(s\) ahead of you;/);

      await sendAll(holder, idHolder, 2);
      holder.finish(idHolder);
      await holder.nextOfType('final_result', idHolder, 30_000);
      // Room for one: the later session asks first and still waits behind the earlier one.
      expect(await start(late, idLate, 4)).toMatchObject({ code: 'busy' });
      expect(await start(early, idEarly, 4)).toMatchObject({ status: 'session_started' });
      await Promise.all([holder.close(), early.close(), late.close()]);
    } finally {
      await gateway.stop();
    }
  });

  it("serves audio in the order it was admitted: an earlier session's late chunks go before a later session's queued ones", async () => {
    // One worker at two audio seconds per second: each one-second chunk takes ~0.5 s, so
    // results arrive far enough apart for their order across two sockets to be the queue's.
    const gateway = await startGateway([...KNOWN_SPEED, '--workers', '1', '--max-queue-wait-ms', '10000']);
    try {
      const [early, late] = await Promise.all([0, 1].map(() => TestClient.connect(gateway.url)));
      const [idEarly, idLate] = [sessionId(), sessionId()];
      const results: string[] = [];
      for (const client of [early, late])
        client.socket.on('message', (data) => {
          const m = JSON.parse(String(data)) as Message;
          if (m.type === 'chunk_result')
            results.push(`${m.session_id === idEarly ? 'early' : 'late'}${m.chunk_index}`);
        });
      expect(await start(early, idEarly, 3)).toMatchObject({ status: 'session_started' });
      expect(await start(late, idLate, 3)).toMatchObject({ status: 'session_started' });
      early.chunk(idEarly, 0, wavBase64(1));
      await early.next((m) => m.chunk_index === 0 && m.type === 'ack');
      // The later session sends all its audio while the earlier one's first chunk is recognised...
      expect((await sendAll(late, idLate, 3)).map((m) => m.status)).toEqual([
        'received',
        'received',
        'received',
      ]);
      // ...and the earlier one's reserved audio, arriving after it, still goes first.
      early.chunk(idEarly, 1, wavBase64(1));
      early.chunk(idEarly, 2, wavBase64(1));
      for (const i of [1, 2]) await early.next((m) => m.chunk_index === i && m.type === 'ack');
      early.finish(idEarly);
      late.finish(idLate);
      await early.nextOfType('final_result', idEarly, 30_000);
      await late.nextOfType('final_result', idLate, 30_000);
      // The late session's first chunk may already be with the worker when early1 arrives
      // (the worker holds one task ahead); everything after follows admission order.
      expect(results.filter((r) => r !== 'late0')).toEqual(['early0', 'early1', 'early2', 'late1', 'late2']);
      await Promise.all([early.close(), late.close()]);
    } finally {
      await gateway.stop();
    }
  });

  it('a session that outruns what it declared while others wait at the door is refused per chunk; one within it never is', async () => {
    const gateway = await startGateway([...KNOWN_SPEED, '--workers', '1', '--max-queue-wait-ms', '1000']);
    try {
      const client = await TestClient.connect(gateway.url);
      const honest = sessionId();
      expect(await start(client, honest, 6)).toMatchObject({ status: 'session_started' });
      const honestAnswers = await sendAll(client, honest, 6);
      expect(honestAnswers.filter((m) => m.code === 'busy')).toHaveLength(0);
      client.finish(honest);
      await client.nextOfType('final_result', honest, 30_000);

      const outrunner = sessionId();
      expect(await start(client, outrunner, 1)).toMatchObject({ status: 'session_started' });
      // Someone waits at the door: the outrunner's extra audio would be taken from them.
      const waiting = await TestClient.connect(gateway.url);
      expect(await start(waiting, sessionId(), 30)).toMatchObject({ code: 'busy' });
      const answers = await sendAll(client, outrunner, 6);
      expect(answers[0]).toMatchObject({ status: 'received' });
      const busy = answers.filter((m) => m.code === 'busy');
      expect(busy.length).toBeGreaterThan(0);
      for (const refusal of busy) expect(refusal.retry_after_ms).toBeGreaterThan(0);
      await Promise.all([client.close(), waiting.close()]);
    } finally {
      await gateway.stop();
    }
  });

  it('a base-protocol client is never refused at start, as with the base gateway: its chunks meet the queue bound', async () => {
    const gateway = await startGateway([
      ...KNOWN_SPEED,
      '--workers',
      '1',
      '--max-queue-wait-ms',
      '2000',
      '--max-backlog-seconds',
      '3',
      '--base-protocol',
    ]);
    try {
      const a = await TestClient.connect(gateway.url);
      const b = await TestClient.connect(gateway.url);
      a.send({ action: 'start', session_id: 'base-a', expected_seconds: 4 });
      expect(await a.nextOfType('ack')).toMatchObject({ status: 'session_started' });
      b.send({ action: 'start', session_id: 'base-b', expected_seconds: 4 });
      expect(await b.nextOfType('ack')).toMatchObject({ status: 'session_started' });
      for (let i = 0; i < 5; i++) a.chunk('base-a', i, wavBase64(1));
      expect(await a.nextOfType('error')).toEqual({ type: 'error', chunk_index: 0, message: 'System busy' });
      await Promise.all([a.close(), b.close()]);
    } finally {
      await gateway.stop();
    }
  });
});

describe('throughput with Redis', () => {
  it('measures what two remote workers recognise per second', async () => {
    const redis = await startRedis();
    const workers = [];
    let gateway: TestGateway | undefined;
    try {
      for (let i = 0; i < 2; i++) workers.push(await startWorker(redis.url, ['--synthetic-rtf', '0.5']));
      gateway = await startGateway(['--redis', redis.url, ...KNOWN_SPEED, '--max-queue-wait-ms', '2000']);
      const client = await TestClient.connect(gateway.url);
      // Before anything is measured: each worker counts as real time (1 audio s/s).
      const before = await json(gateway, '/api/v1/health');
      expect(before.throughput_audio_seconds_per_second).toBeGreaterThanOrEqual(1);
      const id = sessionId();
      expect(await start(client, id, 8)).toMatchObject({ status: 'session_started' });
      await sendAll(client, id, 8);
      client.finish(id);
      await client.nextOfType('final_result', id, 60_000);
      // Two workers at 2 audio s/s each: 4 at most; the estimate takes 80% of their own
      // speed as its floor (3.2), and a measured drain never above the workers' speed.
      await waitFor(
        'the throughput estimate to reflect the workers',
        async () =>
          (await json(gateway!, '/api/v1/health')).throughput_audio_seconds_per_second > 2.5
            ? true
            : undefined,
        10_000,
        100,
      );
      const after = await json(gateway, '/api/v1/health');
      expect(after.throughput_audio_seconds_per_second).toBeLessThanOrEqual(4.5);
      await client.close();
    } finally {
      await gateway?.stop();
      await Promise.all(workers.map((w) => w.stop()));
      await redis.stop();
    }
  });
});
