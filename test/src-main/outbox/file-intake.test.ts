// Files into the outbox, and resuming an intake a killed process left unfinished. Real
// SQLite files, real fixtures, the real chunker.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeWav, toProtocolPcm } from '../../../src-shared/audio/wav.js';
import { chunkPcm } from '../../../src-main/audio/chunker.js';
import {
  feedRecording,
  fileSource,
  finishOrphans,
  sourceFile,
} from '../../../src-main/outbox/file-intake.js';
import { OWNER_LOCK_FILE, acquireOwnerLock } from '../../../src-main/outbox/owner-lock.js';
import { OutboxError, OutboxStore } from '../../../src-main/outbox/store.js';

const FIXTURE = new URL('../../fixtures/long-01-rms.wav', import.meta.url);
const pcm = toProtocolPcm(readFileSync(FIXTURE));
const reference = await chunkPcm(pcm);
const readPcm = async (path: string) => toProtocolPcm(readFileSync(path));

let dir: string;
let store: OutboxStore;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'earshot-intake-'));
  store = OutboxStore.open(dir);
});

afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function expectSameAsReference(recordingId: number): void {
  const chunks = store.listChunks(recordingId);
  expect(chunks.map((c) => [c.startSample, c.sampleCount])).toEqual(
    reference.map((c) => [c.startSample, c.pcm.length]),
  );
  for (const chunk of reference) expect(store.chunkPcm(recordingId, chunk.index)).toEqual(chunk.pcm);
}

describe('feedRecording', () => {
  it('stores exactly the chunker output of the file and seals the recording', async () => {
    expect(reference.length).toBeGreaterThan(3);
    const r = store.createRecording({ source: fileSource(FIXTURE.pathname) });
    const seen: number[] = [];
    const sealed = await feedRecording(store, r.id, pcm, { onChunk: (_id, index) => seen.push(index) });
    expect(sealed).toMatchObject({ state: 'queued', sealed: true, chunkCount: reference.length });
    expect(seen).toEqual(reference.map((c) => c.index));
    expectSameAsReference(r.id);
    expect(sourceFile(r.source)).toBe(FIXTURE.pathname);
    expect(sourceFile('mic')).toBeUndefined();
  });

  it('paced like a microphone, chunks arrive over (audio length / pace)', async () => {
    const r = store.createRecording({ source: 'paced' });
    const times: number[] = [];
    const started = Date.now();
    await feedRecording(store, r.id, pcm, { pace: 20, onChunk: () => times.push(Date.now() - started) });
    // 20 s of audio at 20x: the last chunk cannot be released before ~1 s.
    const lastEnd = reference.at(-1)!.startSample + reference.at(-1)!.pcm.length;
    expect(times.at(-1)!).toBeGreaterThanOrEqual(Math.floor((lastEnd / 16000 / 20) * 1000) - 5);
    expectSameAsReference(r.id);
  });

  it('resumes a partly stored recording with only the missing chunks, and refuses other audio', async () => {
    const r = store.createRecording({ source: 'partial' });
    for (const chunk of reference.slice(0, 2)) store.appendChunk(r.id, chunk);
    await feedRecording(store, r.id, pcm);
    expectSameAsReference(r.id);

    const other = store.createRecording({ source: 'other' });
    store.appendChunk(other.id, { index: 0, pcm: new Int16Array(1234), startSample: 0 });
    await expect(feedRecording(store, other.id, pcm)).rejects.toMatchObject({ code: 'invalid_state' });
    await expect(feedRecording(store, other.id, pcm, { pace: 0 })).rejects.toBeInstanceOf(OutboxError);
  });
});

describe('finishOrphans', () => {
  it('resumes file recordings from their file, seals the others and those whose file is gone', async () => {
    const copy = join(dir, 'copy.wav');
    writeFileSync(copy, encodeWav(pcm));
    const fromFile = store.createRecording({ source: fileSource(copy) });
    store.appendChunk(fromFile.id, reference[0]);
    const mic = store.createRecording({ source: 'mic' });
    store.appendChunk(mic.id, { ...reference[1], index: 0 });
    const missing = store.createRecording({ source: fileSource(join(dir, 'gone.wav')) });
    store.appendChunk(missing.id, reference[0]);
    const finished = store.createRecording({ source: fileSource(copy) });
    await feedRecording(store, finished.id, pcm);

    const outcomes = await finishOrphans(store, readPcm);
    expect(outcomes.map((o) => [o.recording.id, o.action])).toEqual([
      [fromFile.id, 'resumed'],
      [mic.id, 'sealed'],
      [missing.id, 'sealed'],
    ]);
    expect(outcomes[2].note).toMatch(/could not resume from .*gone\.wav/);
    expectSameAsReference(fromFile.id);
    expect(store.getRecording(mic.id)).toMatchObject({ sealed: true, state: 'queued', chunkCount: 1 });
    expect(store.getRecording(missing.id)).toMatchObject({ sealed: true, chunkCount: 1 });
    expect(await finishOrphans(store, readPcm)).toEqual([]);
  });
});

describe('owner lock', () => {
  it('one owner at a time; a lock left by a dead process is taken over', async () => {
    const lock = acquireOwnerLock(dir);
    expect(lock.tookOverFrom).toBeUndefined();
    // A live process holding the lock: a real child that sleeps.
    lock.release();
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    try {
      writeFileSync(join(dir, OWNER_LOCK_FILE), `${child.pid}\n`);
      expect(() => acquireOwnerLock(dir, 'earshot dictate')).toThrow(
        new RegExp(`another earshot dictate \\(pid ${child.pid}\\) is already uploading`),
      );
    } finally {
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    // Now that pid is dead: taken over.
    const second = acquireOwnerLock(dir);
    expect(second.tookOverFrom).toBe(child.pid);
    expect(readFileSync(join(dir, OWNER_LOCK_FILE), 'utf8').trim()).toBe(String(process.pid));
    second.release();
    expect(() => readFileSync(join(dir, OWNER_LOCK_FILE))).toThrow(/ENOENT/);
  });
});
