// The uploader against real gateway processes on loopback, with real SQLite outboxes.
// The synthetic engine answers every chunk with PHRASE, so a final transcript proves
// exactly which chunks were recognised: one PHRASE per chunk, in order.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Uploader, type UploadEvent } from '../../../src-main/upload/index.js';
import { ensureBuilt } from '../../helpers/build.js';
import { chunkFramesOf, startGateway, type TestGateway } from '../../helpers/gateway.js';
import {
  PHRASE,
  addRecording,
  expectedText,
  fixtureChunks,
  freePort,
  startProxy,
  tempStore,
} from './helpers.js';

const FAST_BACKOFF = { baseMs: 100, capMs: 1000 };
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

beforeAll(async () => {
  await ensureBuilt();
});

async function gatewayOn(args: string[]): Promise<TestGateway> {
  const gateway = await startGateway(['--synthetic-phrase', PHRASE, ...args], { skipBuild: true });
  cleanups.push(() => gateway.stop());
  return gateway;
}

function uploaderFor(options: ConstructorParameters<typeof Uploader>[0]): Uploader {
  const uploader = new Uploader({ backoff: FAST_BACKOFF, pollIntervalMs: 200, ...options });
  cleanups.push(() => uploader.stop());
  return uploader;
}

function storeForTest() {
  const { store, cleanup } = tempStore();
  cleanups.push(cleanup);
  return store;
}

describe('Uploader', () => {
  it('drains the queue once a gateway that was down at start comes up 5 s later', async () => {
    const store = storeForTest();
    const port = await freePort();
    const recordings = [
      addRecording(store, 'long-01-rms.wav'),
      addRecording(store, 'short-01-rms.wav'),
      addRecording(store, 'long-02-kal16.wav'),
    ];
    const uploader = uploaderFor({ store, urls: [`ws://127.0.0.1:${port}/ws/asr`] });
    uploader.start();
    await new Promise((resolve) => setTimeout(resolve, 5000));
    // Nothing can have been delivered, and the monitor knows why.
    expect(recordings.every(({ id }) => store.getRecording(id)!.state === 'queued')).toBe(true);
    const monitor = uploader.monitors.for(`ws://127.0.0.1:${port}/ws/asr`);
    expect(['backing_off', 'offline', 'connecting']).toContain(monitor.state);
    expect(monitor.snapshot().counters.failures).toBeGreaterThan(2);

    await gatewayOn(['--port', String(port)]);
    const done = await uploader.waitFor(
      recordings.map((r) => r.id),
      60_000,
    );
    for (const [i, recording] of done.entries()) {
      expect(recording.state).toBe('done');
      expect(recording.finalText).toBe(expectedText(recordings[i].chunks));
      expect(store.listChunks(recording.id).every((chunk) => chunk.text === PHRASE)).toBe(true);
    }
  });

  it('retryNow(id) retries that one recording now; the others keep waiting out their backoff', async () => {
    const store = storeForTest();
    const port = await freePort();
    const url = `ws://127.0.0.1:${port}/ws/asr`;
    const first = addRecording(store, 'short-01-rms.wav');
    const second = addRecording(store, 'long-01-rms.wav');
    // A fixed 10-minute wait after a failed connect (no jitter): within this test nothing
    // retries by itself, so a recording that gets through was retried by retryNow.
    const uploader = uploaderFor({
      store,
      urls: [url],
      backoffFor: () => ({ baseMs: 600_000, capMs: 600_000, rng: () => 0.99 }),
    });
    const retries: number[] = [];
    uploader.on('upload', (event) => {
      if (event.type === 'retrying') retries.push(event.recordingId);
    });
    uploader.start();
    await expect.poll(() => new Set(retries).size, { timeout: 30_000 }).toBe(2);

    await gatewayOn(['--port', String(port)]);
    uploader.retryNow(first.id);
    const [done] = await uploader.waitFor([first.id], 60_000);
    expect(done.state).toBe('done');
    expect(done.finalText).toBe(expectedText(first.chunks));
    // The other recording was not restarted: still queued, still on its one failed attempt.
    expect(store.getRecording(second.id)!.state).toBe('queued');
    expect(retries.filter((id) => id === second.id)).toHaveLength(1);
    expect(uploader.activeRecordings).toContain(second.id);
  });

  it('completes a live recording after the gateway is killed and restarted mid-session', async () => {
    const store = storeForTest();
    const port = await freePort();
    let gateway = await startGateway(['--synthetic-phrase', PHRASE, '--port', String(port)], {
      skipBuild: true,
    });
    const url = `ws://127.0.0.1:${port}/ws/asr`;
    const uploader = uploaderFor({ store, urls: [url] });
    const events: UploadEvent[] = [];
    uploader.on('upload', (event) => events.push(event));
    uploader.start();

    // A recording that is still being spoken: chunks arrive over time.
    const chunks = fixtureChunks('long-01-rms.wav');
    const { id } = store.createRecording({ source: 'live' });
    store.appendChunk(id, chunks[0]);
    store.appendChunk(id, chunks[1]);
    await expect
      .poll(() => store.listChunks(id).filter((c) => c.text !== null).length, { timeout: 20_000 })
      .toBe(2);

    await gateway.stop('SIGKILL');
    for (const chunk of chunks.slice(2, 4)) store.appendChunk(id, chunk); // spoken while the gateway is down
    await new Promise((resolve) => setTimeout(resolve, 1500));
    gateway = await startGateway(['--synthetic-phrase', PHRASE, '--port', String(port)], { skipBuild: true });
    cleanups.push(() => gateway.stop());
    for (const chunk of chunks.slice(4)) store.appendChunk(id, chunk);
    store.sealRecording(id);

    const [recording] = await uploader.waitFor([id], 60_000);
    expect(recording.state).toBe('done');
    // The restarted gateway knew nothing of the session, so every chunk was sent again.
    expect(recording.finalText).toBe(expectedText(chunks.length));
    expect(events.some((e) => e.type === 'dropped' && e.recordingId === id)).toBe(true);
    expect(events.filter((e) => e.type === 'session' && e.recordingId === id).length).toBeGreaterThanOrEqual(
      2,
    );
  });

  it('resumes on a dropped connection and resends only what the gateway lacks', async () => {
    const store = storeForTest();
    // Slow recognition keeps the session open long enough to cut it mid-way.
    const gateway = await gatewayOn(['--synthetic-cost-ms', '400', '--workers', '1']);
    const proxy = await startProxy(gateway.port);
    cleanups.push(() => proxy.close());
    const { id, chunks } = addRecording(store, 'long-02-kal16.wav');
    const uploader = uploaderFor({ store, urls: [`ws://127.0.0.1:${proxy.port}/ws/asr`] });
    const events: UploadEvent[] = [];
    uploader.on('upload', (event) => events.push(event));
    uploader.start();
    await expect
      .poll(
        () =>
          events.some(
            (e) => e.type === 'message' && e.message.type === 'ack' && e.message.status === 'received',
          ),
        { timeout: 20_000 },
      )
      .toBe(true);
    proxy.cut();

    const [recording] = await uploader.waitFor([id], 60_000);
    expect(recording.state).toBe('done');
    expect(recording.finalText).toBe(expectedText(chunks));
    const sessions = events.filter(
      (e): e is Extract<UploadEvent, { type: 'session' }> => e.type === 'session',
    );
    expect(sessions.length).toBeGreaterThanOrEqual(2);
    expect(sessions[1].resumed).toBe(true);
    expect(sessions[1].alreadyReceived).toBeGreaterThan(0);
    // Only what the gateway lacked was sent again: the resumed session's new acks plus the
    // chunks it already held make up the recording exactly, and nothing came back a duplicate.
    const resumedAt = events.indexOf(sessions[1]);
    const isAck = (e: UploadEvent, status: string) =>
      e.type === 'message' && e.message.type === 'ack' && e.message.status === status;
    const receivedAfter = events.slice(resumedAt).filter((e) => isAck(e, 'received')).length;
    expect(receivedAfter + sessions[1].alreadyReceived).toBe(chunks);
    expect(events.some((e) => isAck(e, 'duplicate'))).toBe(false);
    // Its audio went as binary frames (binary_audio), before and after the resume.
    const frames = await chunkFramesOf(gateway);
    expect(frames.json).toBe(0);
    expect(frames.binary).toBeGreaterThanOrEqual(chunks);
  });

  it('notices a half-open connection by its unanswered pings and resumes', async () => {
    const store = storeForTest();
    const gateway = await gatewayOn(['--synthetic-cost-ms', '300', '--workers', '1']);
    const proxy = await startProxy(gateway.port);
    cleanups.push(() => proxy.close());
    const { id, chunks } = addRecording(store, 'long-01-rms.wav');
    // Acks and the final would wait a minute: only the heartbeat can notice in time.
    const uploader = uploaderFor({
      store,
      urls: [`ws://127.0.0.1:${proxy.port}/ws/asr`],
      heartbeatIntervalMs: 300,
      ackTimeoutMs: 60_000,
      finalTimeoutMs: 60_000,
    });
    const events: UploadEvent[] = [];
    uploader.on('upload', (event) => events.push(event));
    uploader.start();
    await expect
      .poll(
        () =>
          events.some(
            (e) => e.type === 'message' && e.message.type === 'ack' && e.message.status === 'received',
          ),
        { timeout: 20_000 },
      )
      .toBe(true);
    proxy.freeze(); // nothing flows any more, but no socket is closed

    const [recording] = await uploader.waitFor([id], 20_000);
    expect(recording.state).toBe('done');
    expect(recording.finalText).toBe(expectedText(chunks));
    expect(events.some((e) => e.type === 'dropped')).toBe(true);
  });

  it('completes every recording against a base-protocol gateway, also after a dropped connection', async () => {
    const store = storeForTest();
    const gateway = await gatewayOn(['--base-protocol', '--synthetic-cost-ms', '300', '--workers', '1']);
    const proxy = await startProxy(gateway.port);
    cleanups.push(() => proxy.close());
    const recordings = [
      addRecording(store, 'long-03-awb.wav'),
      addRecording(store, 'short-02-kal16.wav'),
      addRecording(store, 'short-05-awb.wav'),
    ];
    const uploader = uploaderFor({ store, urls: [`ws://127.0.0.1:${proxy.port}/ws/asr`] });
    const events: UploadEvent[] = [];
    uploader.on('upload', (event) => events.push(event));
    uploader.start();
    await expect
      .poll(
        () =>
          events.some(
            (e) => e.type === 'message' && e.message.type === 'ack' && e.message.status === 'received',
          ),
        { timeout: 20_000 },
      )
      .toBe(true);
    proxy.cut();

    const done = await uploader.waitFor(
      recordings.map((r) => r.id),
      90_000,
    );
    for (const [i, recording] of done.entries()) {
      expect(recording.state).toBe('done');
      // The base gateway joins chunk texts without a separator (docs/protocol.md, "Dialects").
      expect(recording.finalText).toBe(PHRASE.repeat(recordings[i].chunks));
    }
    // A base gateway never resumes: after the cut the session started over.
    expect(events.every((e) => e.type !== 'session' || !e.resumed)).toBe(true);
    expect(events.filter((e) => e.type === 'session').length).toBeGreaterThan(recordings.length);
  });

  it('gets the complete transcript from a slow gateway whose merge gives up quickly', async () => {
    const store = storeForTest();
    // 400 ms per chunk on one worker, but the merge waits only 300 ms after `finish`: a
    // client that finished right after its last ack would get a partial final.
    const gateway = await gatewayOn([
      '--synthetic-cost-ms',
      '400',
      '--workers',
      '1',
      '--merge-timeout-ms',
      '300',
    ]);
    const { id, chunks } = addRecording(store, 'long-02-kal16.wav');
    const uploader = uploaderFor({ store, urls: [gateway.url] });
    uploader.start();
    const [recording] = await uploader.waitFor([id], 60_000);
    expect(recording.state).toBe('done');
    expect(recording.partial).toBe(false);
    expect(recording.finalText).toBe(expectedText(chunks));
  });

  it('fails over to the second gateway URL when the first is down', async () => {
    const store = storeForTest();
    const gateway = await gatewayOn([]);
    const dead = await freePort();
    const { id, chunks } = addRecording(store, 'short-03-awb.wav');
    const uploader = uploaderFor({ store, urls: [`ws://127.0.0.1:${dead}/ws/asr`, gateway.url] });
    uploader.start();
    const [recording] = await uploader.waitFor([id], 30_000);
    expect(recording.state).toBe('done');
    expect(recording.finalText).toBe(expectedText(chunks));
    expect(uploader.monitors.for(gateway.url).snapshot().counters.connects).toBeGreaterThan(0);
  });

  it('stops a recording with a wrong token as failed (unauthorized), and never logs the token', async () => {
    const store = storeForTest();
    const gateway = await gatewayOn(['--token', 'right-token']);
    const { id } = addRecording(store, 'short-04-rms.wav');
    const uploader = uploaderFor({ store, urls: [gateway.url], token: 'wrong-token-xyz' });
    uploader.start();
    const [recording] = await uploader.waitFor([id], 30_000);
    expect(recording.state).toBe('failed');
    expect(recording.failureReason).toMatch(/unauthorized/);
    const snapshot = uploader.monitors.for(gateway.url).snapshot();
    expect(snapshot.state).toBe('unauthorized');
    expect(JSON.stringify(snapshot)).not.toContain('wrong-token-xyz');
    expect(JSON.stringify(uploader.diagnostics())).not.toContain('wrong-token-xyz');
    expect(uploader.diagnostics().connections[0].state).toBe('unauthorized');
    expect(recording.failureReason).not.toContain('wrong-token-xyz');

    // After the user fixes the token and retries, it goes through.
    await uploader.stop();
    const fixed = uploaderFor({ store, urls: [gateway.url], token: 'right-token' });
    store.retry(id);
    fixed.start();
    const [retried] = await fixed.waitFor([id], 30_000);
    expect(retried.state).toBe('done');
  });

  it('streams a live recording: results come back before it is sealed', async () => {
    const store = storeForTest();
    const gateway = await gatewayOn([]);
    const chunks = fixtureChunks('long-02-kal16.wav');
    const { id } = store.createRecording({ source: 'live' });
    const uploader = uploaderFor({ store, urls: [gateway.url] });
    uploader.start();
    store.appendChunk(id, chunks[0]);
    await expect.poll(() => store.listChunks(id)[0]?.text, { timeout: 20_000 }).toBe(PHRASE);
    expect(store.getRecording(id)!.sealed).toBe(false);
    for (const chunk of chunks.slice(1)) store.appendChunk(id, chunk);
    store.sealRecording(id);
    const [recording] = await uploader.waitFor([id], 30_000);
    expect(recording.finalText).toBe(expectedText(chunks.length));
  });

  it('uploads several recordings in parallel, oldest first', async () => {
    const store = storeForTest();
    const gateway = await gatewayOn(['--synthetic-cost-ms', '200']);
    const recordings = Array.from({ length: 5 }, (_, i) =>
      addRecording(store, `short-0${i + 1}-${['rms', 'kal16', 'awb', 'rms', 'awb'][i]}.wav`),
    );
    const uploader = uploaderFor({ store, urls: [gateway.url], parallel: 2 });
    let maxActive = 0;
    uploader.on('upload', () => (maxActive = Math.max(maxActive, uploader.activeRecordings.length)));
    const order: number[] = [];
    uploader.on('upload', (event) => {
      if (event.type === 'session' && !order.includes(event.recordingId)) order.push(event.recordingId);
    });
    uploader.start();
    const done = await uploader.waitFor(
      recordings.map((r) => r.id),
      60_000,
    );
    expect(done.every((r) => r.state === 'done')).toBe(true);
    expect(maxActive).toBe(2);
    expect(order.slice(0, 2).sort()).toEqual(
      recordings
        .slice(0, 2)
        .map((r) => r.id)
        .sort(),
    );
  });
});
