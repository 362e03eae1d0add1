// Our clients against the kikipounamu handler (its test double, kikipounamu-double.ts) in
// each of its failure modes (docs/interop.md): failed chunks that never get a result, a
// busy error that names no chunk, a finish that stops it reading (and answering pings),
// and the panic when one session is live on two connections. Each client must finish in
// a bounded time with the right done/partial state. Every test has its own double.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Chunk } from '../../src-main/audio/chunker.js';
import { ProtocolClient } from '../../src-main/protocol-client/client.js';
import { ServerError } from '../../src-main/protocol-client/errors.js';
import { transcribeChunks } from '../../src-main/protocol-client/transcribe-session.js';
import { runStress } from '../../src-main/stress/engine.js';
import { Uploader, type UploadEvent } from '../../src-main/upload/index.js';
import { PROTOCOL_SAMPLE_RATE, decodeProtocolWav, encodeWav } from '../../src-shared/audio/wav.js';
import { REPO_ROOT } from '../helpers/build.js';
import { runEarshot } from '../helpers/earshot-cli.js';
import { waitFor } from '../helpers/wait.js';
import { startGateway } from '../helpers/gateway.js';
import { tempStore } from '../src-main/upload/helpers.js';
import { KikipounamuDouble, type KikipounamuDoubleOptions } from './kikipounamu-double.js';

const PHRASE = 'bravo';
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function double(options: KikipounamuDoubleOptions = {}): Promise<KikipounamuDouble> {
  const started = await KikipounamuDouble.start({ phrase: PHRASE, realTimeFactor: 0.05, ...options });
  cleanups.push(async () => {
    // Whatever else a test checks: our clients never made it panic.
    expect(started.crashed).toBeUndefined();
    await started.close();
  });
  return started;
}

function tone(seconds: number): Int16Array {
  const pcm = new Int16Array(Math.round(seconds * PROTOCOL_SAMPLE_RATE));
  for (let i = 0; i < pcm.length; i++) pcm[i] = Math.round(5000 * Math.sin(i / 9));
  return pcm;
}

const chunksOf = (count: number, seconds = 0.3): Chunk[] =>
  Array.from({ length: count }, (_, index) => ({ index, startSample: 0, pcm: tone(seconds) }));

const elapsedSince = (start: number) => performance.now() - start;

/**
 * Chunk 0 (2 s) is taken while recognition is held, chunk 1 is refused as busy, then
 * recognition goes on. A refused chunk stays pending on their side for good, so a finish
 * of this session then blocks for the whole merge wait.
 */
async function refuseOneChunk(base: KikipounamuDouble, client: ProtocolClient): Promise<void> {
  base.pauseWorkers();
  await client.sendChunk(0, encodeWav(tone(2)));
  await expect(client.sendChunk(1, encodeWav(tone(0.2)))).rejects.toMatchObject({ code: 'busy' });
  base.resumeWorkers();
}

describe('ProtocolClient against the kikipounamu handler', () => {
  it('learns the dialect from the replies: base there, earshot on our default gateway', async () => {
    const base = await double();
    const client = await ProtocolClient.connect(base.url);
    await client.start(randomUUID());
    expect(client.dialect).toBe('base'); // its start ack carries chunk_index: 0
    expect(await client.sendChunk(0, encodeWav(tone(0.2)))).toBe('received');
    expect(client.dialect).toBe('base');
    await client.close();

    const gateway = await startGateway(['--workers', '1']);
    cleanups.push(() => gateway.stop());
    const ours = await ProtocolClient.connect(gateway.url);
    const start = await ours.start(randomUUID());
    // Its start ack announces its extensions (docs/protocol.md, "Extensions"): earshot at once.
    expect(start.features).toEqual(['provisional', 'binary_audio']);
    expect(ours.dialect).toBe('earshot');
    await ours.sendChunk(0, encodeWav(tone(0.2)));
    expect(ours.dialect).toBe('earshot');
    await ours.close();

    // Without an extension to announce, its start ack says nothing either way.
    const quiet = await startGateway(['--workers', '1', '--no-provisional', '--no-binary-audio']);
    cleanups.push(() => quiet.stop());
    const plain = await ProtocolClient.connect(quiet.url);
    expect((await plain.start(randomUUID())).features).toEqual([]);
    expect(plain.dialect).toBe('unknown');
    await plain.sendChunk(0, encodeWav(tone(0.2)));
    expect(plain.dialect).toBe('earshot');
    await plain.close();
  });

  it('puts a busy error (chunk_index 0) on the chunk it refused: the oldest one waiting for its ack', async () => {
    // Recognition held: the 2 s chunk stays queued, past the 1 s bound, so the next ones are refused.
    const base = await double({ maxBacklogSeconds: 1 });
    base.pauseWorkers();
    const client = await ProtocolClient.connect(base.url);
    await client.start(randomUUID());
    const outcomes = await Promise.allSettled([
      client.sendChunk(0, encodeWav(tone(2))),
      client.sendChunk(1, encodeWav(tone(0.2))),
      client.sendChunk(2, encodeWav(tone(0.2))),
    ]);
    expect(outcomes[0]).toEqual({ status: 'fulfilled', value: 'received' });
    for (const index of [1, 2]) {
      const outcome = outcomes[index] as PromiseRejectedResult;
      expect(outcome.status).toBe('rejected');
      expect(outcome.reason).toBeInstanceOf(ServerError);
      expect(outcome.reason).toMatchObject({ code: 'busy', chunkIndex: index });
    }
    expect(base.busyRefusals).toBe(2);
    base.resumeWorkers();
    await client.close();
  });

  it('keeps the connection while a finish blocks the gateway, though its pings go unanswered', async () => {
    // A chunk refused as busy stays pending on their side: the finish then waits the whole merge wait.
    const base = await double({ maxBacklogSeconds: 1, mergeWaitMs: 2500 });
    const client = await ProtocolClient.connect(base.url, { heartbeatIntervalMs: 200 });
    const id = randomUUID();
    await client.start(id);
    await refuseOneChunk(base, client);
    const closed = new Promise((resolve) => client.once('close', resolve));
    const started = performance.now();
    const final = await client.finish({ timeoutMs: 10_000 });
    expect(elapsedSince(started)).toBeGreaterThan(2000); // it did block, ten heartbeats long
    expect(base.finishesBlocked).toBe(1);
    expect(final).toMatchObject({ session_id: id, text: PHRASE, chunk_count: 2 });
    expect(client.isOpen).toBe(true);
    // Answering again afterwards: the heartbeat is back to normal.
    expect(await client.ping(2000)).toBeGreaterThanOrEqual(0);
    await client.close();
    await closed;
  });

  it('release() returns only once the gateway has let the session go, even mid-finish', async () => {
    const base = await double({ maxBacklogSeconds: 1, mergeWaitMs: 2500 });
    const client = await ProtocolClient.connect(base.url);
    const id = randomUUID();
    await client.start(id);
    await refuseOneChunk(base, client);
    // We give up on the final long before their merge wait ends...
    await expect(client.finish({ timeoutMs: 300 })).rejects.toThrow(/no final_result/);
    expect(base.subscribers(id)).toBe(1);
    const started = performance.now();
    await client.release();
    // ...and let go only when their handler has: a resume now cannot meet a live one.
    expect(base.subscribers(id)).toBe(0);
    expect(elapsedSince(started)).toBeGreaterThan(1500);
  });
});

describe('earshot transcribe (transcribeChunks) against the kikipounamu handler', () => {
  it('completes with 11 of 12 chunks failing, marked partial, in a bounded time', async () => {
    const base = await double({ failChunk: (index) => index > 0 });
    const started = performance.now();
    const result = await transcribeChunks(base.url, chunksOf(12), { resultsGraceMs: 1000 });
    expect(elapsedSince(started)).toBeLessThan(15_000);
    expect(result.text).toBe(PHRASE);
    expect(result.partial).toBe(true);
    expect(result.missingChunks).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    // Their chunk_count counts the failed chunks too: it alone would have said "complete".
    expect(result.final.chunk_count).toBe(12);
  });

  it('resends each busy chunk once per refusal and nothing else: complete, not partial', async () => {
    // A refused chunk stays pending on their side: every finish here waits their merge wait.
    const base = await double({ realTimeFactor: 0.2, maxBacklogSeconds: 0.5, mergeWaitMs: 2000 });
    const result = await transcribeChunks(base.url, chunksOf(6, 1), { resultsGraceMs: 2000 });
    expect(base.busyRefusals).toBeGreaterThan(0);
    expect(result.partial).toBe(false);
    expect(result.text).toBe(PHRASE.repeat(6));
    // Their chunk_count is every chunk frame: 6 chunks, plus one frame per refusal, no more.
    expect(result.final.chunk_count).toBe(6 + base.busyRefusals);
  });

  it('sends a chunk again when its frame was dropped without a word (no ack): complete, counted once', async () => {
    const base = await double({ dropChunkFrame: (index, seen) => index === 2 && seen === 1 });
    const result = await transcribeChunks(base.url, chunksOf(4), {
      resultsGraceMs: 1000,
      ackTimeoutMs: 1000,
    });
    expect(base.framesDropped).toBe(1);
    expect(result).toMatchObject({ text: PHRASE.repeat(4), partial: false, missingChunks: [] });
    expect(result.final.chunk_count).toBe(4); // the dropped frame was never counted there
  });

  it('the CLI prints the text and says the transcript is partial instead of hanging', async () => {
    const base = await double({ failChunk: (index) => index > 0 });
    // Ten spoken sentences with pauses between them: about ten chunks.
    const pause = new Int16Array(0.8 * PROTOCOL_SAMPLE_RATE);
    const fixtures = join(REPO_ROOT, 'test', 'fixtures');
    const manifest = JSON.parse(readFileSync(join(fixtures, 'manifest.json'), 'utf8')) as { file: string }[];
    const parts = manifest
      .filter(({ file }) => file.startsWith('short-'))
      .flatMap(({ file }) => [decodeProtocolWav(readFileSync(join(fixtures, file))), pause]);
    const pcm = new Int16Array(parts.reduce((sum, part) => sum + part.length, 0));
    parts.reduce((offset, part) => (pcm.set(part, offset), offset + part.length), 0);
    const dir = mkdtempSync(join(tmpdir(), 'earshot-interop-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'sentences.wav');
    writeFileSync(file, encodeWav(pcm));
    const result = await runEarshot(
      ['transcribe', file, '--url', base.url, '--min-chunk-ms', '1000', '--results-grace-ms', '1000'],
      60_000,
    );
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(PHRASE);
    const said = /partial transcript: (\d+) of (\d+) chunks have no text \(chunk 1, 2, 3/.exec(result.stderr);
    expect(said, result.stderr).not.toBeNull();
    const [missing, sent] = [Number(said![1]), Number(said![2])];
    expect(sent).toBeGreaterThan(8); // more than the 8-chunk window that used to hang
    expect(missing).toBe(sent - 1);
  });
});

describe('Uploader against the kikipounamu handler', () => {
  function setup(url: string, options: Partial<ConstructorParameters<typeof Uploader>[0]> = {}) {
    const { store, cleanup } = tempStore();
    cleanups.push(cleanup);
    const uploader = new Uploader({
      store,
      urls: [url],
      backoff: { baseMs: 50, capMs: 500 },
      pollIntervalMs: 100,
      resultsGraceMs: 1000,
      ...options,
    });
    cleanups.push(() => uploader.stop());
    const events: UploadEvent[] = [];
    uploader.on('upload', (event) => events.push(event));
    const add = (count: number, seconds = 0.3) => {
      const recording = store.createRecording({ source: 'test:interop' });
      for (const chunk of chunksOf(count, seconds)) store.appendChunk(recording.id, chunk);
      store.sealRecording(recording.id);
      return recording.id;
    };
    return { store, uploader, events, add };
  }

  it('stores a recording whose failed chunks never get a result as done and partial, in a bounded time', async () => {
    const base = await double({ failChunk: (index) => index % 2 === 1 });
    const { store, uploader, events, add } = setup(base.url);
    const id = add(6);
    uploader.start();
    const started = performance.now();
    const [recording] = await uploader.waitFor([id], 20_000);
    expect(elapsedSince(started)).toBeLessThan(15_000);
    expect(recording).toMatchObject({ state: 'done', text: PHRASE.repeat(3), partial: true });
    expect(events.find((e) => e.type === 'done')).toMatchObject({ partial: true, missingChunks: [1, 3, 5] });
    expect(store.getRecording(id)!.partial).toBe(true);
  });

  it('resends the chunk a busy error refused, no other, and completes whole', async () => {
    // A refused chunk stays pending on their side: every finish here waits their merge wait.
    const base = await double({ realTimeFactor: 0.2, maxBacklogSeconds: 0.5, mergeWaitMs: 2000 });
    const { uploader, events, add } = setup(base.url, { maxInFlight: 3 });
    const id = add(6, 1);
    uploader.start();
    const [recording] = await uploader.waitFor([id], 30_000);
    expect(base.busyRefusals).toBeGreaterThan(0);
    expect(recording).toMatchObject({ state: 'done', text: PHRASE.repeat(6), partial: false });
    const final = events.findLast(
      (e): e is Extract<UploadEvent, { type: 'message' }> =>
        e.type === 'message' && e.message.type === 'final_result',
    );
    expect(final?.message).toMatchObject({ chunk_count: 6 + base.busyRefusals });
    expect(events.filter((e) => e.type === 'dropped')).toEqual([]);
  });

  it('a chunk never acked: lets the connection go, starts the session over, and completes whole', async () => {
    const base = await double({ dropChunkFrame: (index, seen) => index === 1 && seen === 1 });
    const { uploader, events, store, add } = setup(base.url, { ackTimeoutMs: 1000 });
    const id = add(3);
    uploader.start();
    const [done] = await uploader.waitFor([id], 30_000);
    expect(base.framesDropped).toBe(1);
    expect(done).toMatchObject({ state: 'done', text: PHRASE.repeat(3), partial: false });
    expect(events.filter((e) => e.type === 'dropped')).toEqual([
      expect.objectContaining({ reason: expect.stringMatching(/ack/) }),
    ]);
    // Their gateway replaced the session: every chunk went again, and `finish` only after all were acked.
    expect(events.filter((e) => e.type === 'session')).toMatchObject([
      { resumed: false },
      { resumed: false },
    ]);
    expect(base.peakSubscribers(store.getRecording(id)!.sessionId)).toBe(1);
  });

  /**
   * Another client's 2 s chunk fills their queue while recognition is held, until the
   * uploader has had a chunk refused as busy. A refused chunk stays pending on their side
   * for good, so the recording's finish blocks their read loop for the whole merge wait.
   */
  async function refuseTheUploaderOnce(base: KikipounamuDouble, uploader: Uploader): Promise<void> {
    base.pauseWorkers();
    const other = await ProtocolClient.connect(base.url);
    cleanups.push(() => other.close());
    await other.start(randomUUID());
    await other.sendChunk(0, encodeWav(tone(2)));
    uploader.start();
    await waitFor('a busy refusal', () => (base.busyRefusals > 0 ? true : undefined), 20_000);
    base.resumeWorkers();
  }

  it('does not drop the connection over unanswered pings while the finish blocks', async () => {
    const base = await double({ maxBacklogSeconds: 1, mergeWaitMs: 2500 });
    const { uploader, events, add } = setup(base.url, { heartbeatIntervalMs: 200 });
    const id = add(2);
    await refuseTheUploaderOnce(base, uploader);
    const [done] = await uploader.waitFor([id], 30_000);
    expect(base.finishesBlocked).toBe(1);
    expect(done).toMatchObject({ state: 'done', text: PHRASE.repeat(2), partial: false });
    expect(events.filter((e) => e.type === 'session')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'dropped')).toEqual([]);
  });

  it('after giving up on a blocked finish, resumes only once the old connection is let go', async () => {
    const base = await double({ maxBacklogSeconds: 1, mergeWaitMs: 3000 });
    // The final timeout (0.8 s) ends before their merge wait (3 s): the uploader drops and
    // resumes; by then their queue is free, so the second session finishes at once.
    const { uploader, events, store, add } = setup(base.url, { finalTimeoutMs: 800 });
    const id = add(2);
    await refuseTheUploaderOnce(base, uploader);
    const [done] = await uploader.waitFor([id], 30_000);
    expect(base.finishesBlocked).toBe(1);
    expect(done).toMatchObject({ state: 'done', text: PHRASE.repeat(2), partial: false });
    expect(events.filter((e) => e.type === 'dropped')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'session')).toHaveLength(2);
    // Never two live connections on the session: the precondition of their panic.
    expect(base.peakSubscribers(store.getRecording(id)!.sessionId)).toBe(1);
  });
});

describe('earshot status against the kikipounamu handler', () => {
  it('tells a base gateway by its health answer and shows a session from its lookup API', async () => {
    const base = await double();
    const result = await transcribeChunks(base.url, chunksOf(2), { resultsGraceMs: 1000 });
    const status = await runEarshot(['status', '--url', base.url, '--session', result.sessionId], 30_000);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^protocol +base protocol only$/m);
    expect(status.stdout).toMatch(/^status +done$/m);
    expect(status.stdout).toMatch(/^chunks +2 \(2 of 2 recognised\)$/m);
    expect(status.stdout).toMatch(new RegExp(`^text +${PHRASE}${PHRASE}$`, 'm'));
  });
});

describe('earshot stress against the kikipounamu handler', () => {
  it('resends each chunk a busy error refused and completes every session', async () => {
    // Their queue takes 1 s of audio; a refused chunk stays pending there, so finishes wait 1 s.
    const base = await double({ realTimeFactor: 0.3, maxBacklogSeconds: 1, workers: 2, mergeWaitMs: 1000 });
    const report = await runStress({
      url: base.url,
      audioPath: join(REPO_ROOT, 'test', 'fixtures', 'short-01-rms.wav'),
      concurrency: 6,
      durationMs: 3000,
      drainMs: 20_000,
      threads: 1,
      chunkMs: 500,
    });
    expect(report.traffic.busy_replies).toBeGreaterThan(0);
    expect(report.sessions.ended).toBeGreaterThanOrEqual(6);
    expect(report.outcomes.ok).toBe(report.sessions.ended);
    // Every chunk answered in the end: no final lacks one, though their finishes blocked.
    expect(base.finishesBlocked).toBeGreaterThan(0);
    expect(report.sessions.completed_partial).toBe(0);
  });

  it('completes every session whose failed chunks never get a result, and counts those finals partial', async () => {
    // The fixture in 500 ms chunks is 6 chunks; chunk 1 of every session fails recognition.
    const base = await double({ failChunk: (index) => index === 1 });
    const report = await runStress({
      url: base.url,
      audioPath: join(REPO_ROOT, 'test', 'fixtures', 'short-01-rms.wav'),
      concurrency: 3,
      durationMs: 2000,
      drainMs: 20_000,
      threads: 1,
      chunkMs: 500,
    });
    expect(report.sessions.ended).toBeGreaterThanOrEqual(3);
    expect(report.outcomes.ok).toBe(report.sessions.ended);
    expect(report.sessions.completed).toBe(report.sessions.ended);
    // Their final_result has no partial flag and its chunk_count counts the failed chunk too.
    expect(report.sessions.completed_partial).toBe(report.sessions.completed);
  });

  it('comes back from a storm without ever putting one session on two connections', async () => {
    // Recognition is held while the storm blows (every 0.7 s for 4 s), so every finish blocks
    // their read loop and each drop lands on a blocked finish; it goes on once the storm is over.
    const base = await double({ mergeWaitMs: 20_000 });
    base.pauseWorkers();
    const resume = setTimeout(() => base.resumeWorkers(), 4500);
    cleanups.push(() => clearTimeout(resume));
    const report = await runStress({
      url: base.url,
      mode: 'storm',
      everyMs: 700,
      pacing: 'ack',
      audioPath: join(REPO_ROOT, 'test', 'fixtures', 'short-01-rms.wav'),
      concurrency: 4,
      durationMs: 4000,
      drainMs: 30_000,
      threads: 1,
      chunkMs: 500,
    });
    expect(report.traffic.storm_drops).toBeGreaterThan(0);
    expect(base.droppedInBlockedFinish).toBeGreaterThan(0); // the precondition of their panic happened
    expect(base.maxPeakSubscribers()).toBe(1);
    expect(base.crashed).toBeUndefined();
    expect(report.outcomes.ok).toBe(report.sessions.ended);
    expect(report.sessions.completed_partial).toBe(0);
  });
});
