// The client's own failover against the scale-out deployment: the real Uploader
// (src-main/upload/) with both gateway URLs and a real SQLite outbox; two gateways on one
// Redis, two synthetic workers. Gateway 1 is SIGKILLed mid-recording with a chunk still
// in the engine; the uploader moves to gateway 2, which resumes the session from Redis
// (it does not start over) and the recording completes with every chunk recognised.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Uploader, type UploadEvent } from '../../../../src-main/upload/index.js';
import { ensureBuilt } from '../../../helpers/build.js';
import { startGateway, type TestGateway } from '../../../helpers/gateway.js';
import { startRedis, type TestRedis } from '../../../helpers/redis.js';
import { startWorker, type TestWorker } from '../../../helpers/worker.js';
import { PHRASE, expectedText, fixtureChunks, tempStore } from '../../../src-main/upload/helpers.js';

describe('Uploader with two gateway URLs on a Redis-backed deployment', () => {
  let redis: TestRedis;
  const gateways: TestGateway[] = [];
  const workers: TestWorker[] = [];

  beforeAll(async () => {
    await ensureBuilt();
    redis = await startRedis();
    for (let i = 0; i < 2; i++)
      gateways.push(await startGateway(['--redis', redis.url, '--log-level', 'warn'], { skipBuild: true }));
    for (let i = 0; i < 2; i++) {
      workers.push(
        await startWorker(redis.url, [
          '--synthetic-phrase',
          PHRASE,
          '--synthetic-cost-ms',
          '800',
          '--log-level',
          'warn',
        ]),
      );
    }
  });
  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.stop('SIGKILL')));
    await Promise.all(workers.map((w) => w.kill()));
    await redis?.stop();
  });

  it('gateway 1 SIGKILLed mid-recording: the uploader resumes on gateway 2 and completes', async () => {
    const { store, cleanup } = tempStore();
    const uploader = new Uploader({
      store,
      urls: [gateways[0].url, gateways[1].url],
      backoff: { baseMs: 100, capMs: 1000 },
      pollIntervalMs: 200,
    });
    const events: UploadEvent[] = [];
    uploader.on('upload', (event) => events.push(event));
    try {
      uploader.start();
      const chunks = fixtureChunks('long-01-rms.wav');
      expect(chunks.length).toBeGreaterThanOrEqual(4);
      const { id } = store.createRecording({ source: 'live' });
      store.appendChunk(id, chunks[0]);
      store.appendChunk(id, chunks[1]);
      await expect
        .poll(() => store.listChunks(id).filter((c) => c.text !== null).length, { timeout: 30_000 })
        .toBe(2);
      store.appendChunk(id, chunks[2]);
      await new Promise((resolve) => setTimeout(resolve, 300)); // acked, still in the engine (800 ms)
      await gateways[0].stop('SIGKILL');
      for (const chunk of chunks.slice(3)) store.appendChunk(id, chunk);
      store.sealRecording(id);

      const [recording] = await uploader.waitFor([id], 90_000);
      expect(recording.state).toBe('done');
      expect(recording.finalText).toBe(expectedText(chunks.length));
      expect(store.listChunks(id).every((chunk) => chunk.text === PHRASE)).toBe(true);
      const sessions = events.filter(
        (e): e is Extract<UploadEvent, { type: 'session' }> => e.type === 'session' && e.recordingId === id,
      );
      expect(sessions[0]).toMatchObject({ url: gateways[0].url, resumed: false });
      // The second gateway knew the session from Redis: a resume, with the first chunks already received.
      const onSecond = sessions.find((s) => s.url === gateways[1].url);
      expect(onSecond).toMatchObject({ resumed: true });
      expect(onSecond!.alreadyReceived).toBeGreaterThanOrEqual(2);
    } finally {
      await uploader.stop();
      cleanup();
    }
  });
});
