// The outbox store on real SQLite files in temporary folders.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeProtocolWav } from '../../../src-shared/audio/wav.js';
import { SCHEMA_VERSION } from '../../../src-main/outbox/schema.js';
import { OutboxError, OutboxStore, type ChangeKind } from '../../../src-main/outbox/store.js';

function tone(samples: number, seed: number): Int16Array {
  const pcm = new Int16Array(samples);
  for (let i = 0; i < samples; i++) pcm[i] = Math.round(8000 * Math.sin((i * (seed + 1)) / 7)) + seed;
  return pcm;
}

function expectOutboxError(fn: () => unknown, code: string): OutboxError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(OutboxError);
    expect((error as OutboxError).code).toBe(code);
    return error as OutboxError;
  }
  throw new Error(`expected OutboxError ${code}, nothing was thrown`);
}

let dir: string;
let store: OutboxStore;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'earshot-outbox-'));
  store = OutboxStore.open(dir);
});

afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function reopen(): OutboxStore {
  store.close();
  store = OutboxStore.open(dir);
  return store;
}

function raw(): Database.Database {
  return new Database(join(dir, 'outbox.db'));
}

describe('schema', () => {
  it('creates a WAL database at the current schema version, and reopening keeps the data', () => {
    const r = store.createRecording({ source: 'mic' });
    store.appendChunk(r.id, { index: 0, pcm: tone(1600, 1), startSample: 0 });
    reopen();
    const db = raw();
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('auto_vacuum', { simple: true })).toBe(2); // incremental
    db.close();
    expect(store.getRecording(r.id)?.chunkCount).toBe(1);
    expect(store.chunkPcm(r.id, 0)).toEqual(tone(1600, 1));
  });

  it('migrates a version-0 database created elsewhere and keeps its other content', () => {
    store.close();
    rmSync(join(dir, 'outbox.db'), { force: true });
    rmSync(join(dir, 'outbox.db-wal'), { force: true });
    rmSync(join(dir, 'outbox.db-shm'), { force: true });
    const db = raw();
    db.exec("CREATE TABLE notes (x TEXT); INSERT INTO notes VALUES ('kept')");
    db.close();
    store = OutboxStore.open(dir);
    const check = raw();
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(check.prepare('SELECT x FROM notes').pluck().get()).toBe('kept');
    check.close();
    expect(store.createRecording({ source: 'mic' }).state).toBe('recording');
  });

  it('refuses a database from a newer Earshot without moving or changing it', () => {
    store.close();
    const db = raw();
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    const error = expectOutboxError(() => OutboxStore.open(dir), 'newer_schema');
    expect(error.message).toMatch(/newer than this Earshot/);
    const check = raw();
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION + 1);
    check.close();
    store = OutboxStore.open(join(dir, 'other')); // so afterEach has something to close
  });
});

describe('chunks', () => {
  it('stores audio exactly and serves it as a protocol WAV and as the whole recording', () => {
    const r = store.createRecording({ source: 'file:/x.wav', userId: 'u1' });
    expect(r).toMatchObject({
      source: 'file:/x.wav',
      userId: 'u1',
      state: 'recording',
      sealed: false,
      chunkCount: 0,
    });
    expect(r.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    const a = tone(16000, 2);
    const b = tone(8000, 3);
    store.appendChunk(r.id, { index: 0, pcm: a, startSample: 0 });
    store.appendChunk(r.id, { index: 1, pcm: b, startSample: 16000 });
    expect(decodeProtocolWav(store.chunkWav(r.id, 1))).toEqual(b);
    const whole = decodeProtocolWav(store.recordingWav(r.id));
    expect(whole.length).toBe(24000);
    expect(whole.subarray(0, 16000)).toEqual(a);
    expect(whole.subarray(16000)).toEqual(b);
    expect(store.getRecording(r.id)).toMatchObject({ chunkCount: 2, audioSeconds: 1.5 });
    expect(store.listChunks(r.id).map((c) => [c.index, c.startSample, c.sampleCount, c.text])).toEqual([
      [0, 0, 16000, null],
      [1, 16000, 8000, null],
    ]);
  });

  it('requires contiguous indexes, replays identical chunks as no-ops, refuses different ones', () => {
    const r = store.createRecording({ source: 'mic' });
    expectOutboxError(
      () => store.appendChunk(r.id, { index: 1, pcm: tone(100, 1), startSample: 0 }),
      'invalid_input',
    );
    store.appendChunk(r.id, { index: 0, pcm: tone(100, 1), startSample: 0 });
    store.appendChunk(r.id, { index: 0, pcm: tone(100, 1), startSample: 0 });
    expectOutboxError(
      () => store.appendChunk(r.id, { index: 0, pcm: tone(100, 9), startSample: 0 }),
      'invalid_state',
    );
    expect(store.getRecording(r.id)?.chunkCount).toBe(1);
    store.sealRecording(r.id);
    expectOutboxError(
      () => store.appendChunk(r.id, { index: 1, pcm: tone(100, 1), startSample: 100 }),
      'invalid_state',
    );
    // A replay after sealing is still accepted (a producer resuming after a crash).
    expect(store.appendChunk(r.id, { index: 0, pcm: tone(100, 1), startSample: 0 }).index).toBe(0);
  });

  it('validates its input with typed errors', () => {
    const r = store.createRecording({ source: 'mic' });
    expectOutboxError(
      () => store.appendChunk(r.id, { index: 0, pcm: new Int16Array(0), startSample: 0 }),
      'invalid_input',
    );
    expectOutboxError(
      () => store.appendChunk(r.id, { index: 0, pcm: [1, 2] as unknown as Int16Array, startSample: 0 }),
      'invalid_input',
    );
    expectOutboxError(
      () => store.appendChunk(r.id, { index: -1, pcm: tone(10, 1), startSample: 0 }),
      'invalid_input',
    );
    expectOutboxError(
      () => store.appendChunk(r.id, { index: 0, pcm: tone(10, 1), startSample: 1.5 }),
      'invalid_input',
    );
    expectOutboxError(
      () => store.appendChunk(999, { index: 0, pcm: tone(10, 1), startSample: 0 }),
      'not_found',
    );
    expectOutboxError(() => store.createRecording({ source: '' }), 'invalid_input');
    expectOutboxError(() => store.getRecording(0), 'invalid_input');
    expectOutboxError(() => store.listRecordings({ limit: 0 }), 'invalid_input');
  });

  it('commits a chunk and its audio together or not at all', () => {
    const r = store.createRecording({ source: 'mic' });
    store.appendChunk(r.id, { index: 0, pcm: tone(100, 1), startSample: 0 });
    // Make the audio insert fail from outside (another connection adds a trigger).
    const db = raw();
    db.exec(
      "CREATE TRIGGER fail_audio BEFORE INSERT ON chunk_audio BEGIN SELECT RAISE(ABORT, 'injected failure'); END",
    );
    db.close();
    expect(() => store.appendChunk(r.id, { index: 1, pcm: tone(100, 2), startSample: 100 })).toThrow(
      /injected failure/,
    );
    expect(store.listChunks(r.id).map((c) => c.index)).toEqual([0]);
    expect(store.getRecording(r.id)?.chunkCount).toBe(1);
  });

  it('a chunk is on disk when appendChunk returns: a process killed right after loses nothing', () => {
    store.close();
    const storeUrl = new URL('../../../src-main/outbox/store.ts', import.meta.url).href;
    // The child appends, then SIGKILLs itself: no close(), no exit handlers, no checkpoint.
    const script = `
      import { OutboxStore } from ${JSON.stringify(storeUrl)};
      const store = OutboxStore.open(${JSON.stringify(dir)});
      const r = store.createRecording({ source: 'killed' });
      const pcm = new Int16Array(16000); for (let i = 0; i < pcm.length; i++) pcm[i] = (i * 31) % 20000 - 10000;
      for (let index = 0; index < 5; index++) store.appendChunk(r.id, { index, pcm, startSample: index * 16000 });
      process.kill(process.pid, 'SIGKILL');
    `;
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('../../..', import.meta.url)),
      encoding: 'utf8',
    });
    expect(result.signal, result.stderr).toBe('SIGKILL');
    store = OutboxStore.open(dir);
    const [killed] = store.listUploadable();
    expect(killed).toMatchObject({ source: 'killed', chunkCount: 5, sealed: false });
    expect(store.chunkPcm(killed.id, 4)[1]).toBe(31 - 10000);
  });
});

describe('states', () => {
  it('walks recording -> queued -> uploading -> awaiting_results -> done, with events', () => {
    const events: [number, ChangeKind][] = [];
    store.on('change', (id, what) => events.push([id, what]));
    const r = store.createRecording({ source: 'mic' });
    store.appendChunk(r.id, { index: 0, pcm: tone(100, 1), startSample: 0 });
    expect(store.setState(r.id, 'uploading')).toBe(true); // live streaming before the seal
    expect(store.sealRecording(r.id).state).toBe('uploading'); // the seal keeps upload progress
    expect(store.setState(r.id, 'awaiting_results')).toBe(true);
    expect(store.saveChunkResult(r.id, 0, 'hello')).toBe(true);
    expect(store.getRecording(r.id)?.text).toBe('hello');
    expect(store.saveFinal(r.id, { text: 'hello there', partial: true })).toBe(true);
    expect(store.getRecording(r.id)).toMatchObject({
      state: 'done',
      finalText: 'hello there',
      text: 'hello there',
      partial: true,
      resultCount: 1,
    });
    expect(store.setState(r.id, 'queued')).toBe(false); // done is final
    expect(store.markFailed(r.id, 'late')).toBe(false);
    expect(events).toEqual([
      [r.id, 'created'],
      [r.id, 'chunk'],
      [r.id, 'state'],
      [r.id, 'sealed'],
      [r.id, 'state'],
      [r.id, 'chunk_result'],
      [r.id, 'final'],
    ]);
  });

  it('seals an unstarted recording to queued, and an empty one straight to done', () => {
    const r = store.createRecording({ source: 'mic' });
    store.appendChunk(r.id, { index: 0, pcm: tone(100, 1), startSample: 0 });
    expect(store.sealRecording(r.id)).toMatchObject({ state: 'queued', sealed: true });
    const empty = store.createRecording({ source: 'silence' });
    expect(store.sealRecording(empty.id)).toMatchObject({ state: 'done', finalText: '' });
    expectOutboxError(() => store.setState(r.id, 'recording'), 'invalid_state');
    expectOutboxError(() => store.setState(r.id, 'done' as never), 'invalid_input');
  });

  it('fails with a reason, retries to queued (or recording while unsealed), refuses to retry done', () => {
    const sealed = store.createRecording({ source: 'a' });
    store.appendChunk(sealed.id, { index: 0, pcm: tone(100, 1), startSample: 0 });
    store.sealRecording(sealed.id);
    expect(store.markFailed(sealed.id, 'unauthorized: bad token')).toBe(true);
    expect(store.getRecording(sealed.id)).toMatchObject({
      state: 'failed',
      failureReason: 'unauthorized: bad token',
    });
    expect(store.listUploadable().map((r) => r.id)).not.toContain(sealed.id);
    expect(store.saveFinal(sealed.id, { text: 'x' })).toBe(false); // a failed recording waits for the user
    expect(store.retry(sealed.id)).toMatchObject({ state: 'queued', failureReason: null });
    const open = store.createRecording({ source: 'b' });
    store.markFailed(open.id, 'bad_audio');
    expect(store.retry(open.id).state).toBe('recording');
    store.saveFinal(sealed.id, { text: 'ok' });
    expectOutboxError(() => store.retry(sealed.id), 'invalid_state');
    expectOutboxError(() => store.retry(12345), 'not_found');
  });

  it('discard deletes audio and text; late results for it are ignored', () => {
    const r = store.createRecording({ source: 'secret' });
    store.appendChunk(r.id, { index: 0, pcm: tone(16000, 1), startSample: 0 });
    store.saveChunkResult(r.id, 0, 'private words');
    store.discard(r.id);
    expect(store.getRecording(r.id)).toBeUndefined();
    expect(store.saveChunkResult(r.id, 0, 'late')).toBe(false);
    expect(store.saveFinal(r.id, { text: 'late' })).toBe(false);
    expect(store.setState(r.id, 'uploading')).toBe(false);
    expectOutboxError(() => store.discard(r.id), 'not_found');
    const db = raw();
    expect(db.prepare('SELECT count(*) FROM chunk_audio').pluck().get()).toBe(0);
    expect(db.prepare('SELECT count(*) FROM chunks').pluck().get()).toBe(0);
    db.close();
  });

  it('purge removes only the finished states it is given', () => {
    const ids = ['done', 'failed', 'queued'].map((kind) => {
      const r = store.createRecording({ source: kind });
      store.appendChunk(r.id, { index: 0, pcm: tone(100, 1), startSample: 0 });
      store.sealRecording(r.id);
      if (kind === 'done') store.saveFinal(r.id, { text: 't' });
      if (kind === 'failed') store.markFailed(r.id, 'x');
      return r.id;
    });
    expect(store.purge({ states: ['done'] })).toBe(1);
    expect(store.purge({ states: ['done', 'failed'] })).toBe(1);
    expect(store.listRecordings().map((r) => r.id)).toEqual([ids[2]]);
    expectOutboxError(() => store.purge({ states: ['queued' as never] }), 'invalid_input');
  });
});

describe('ordering and search', () => {
  it('lists uploadable oldest first and history newest first, with limit and search', () => {
    const made = ['alpha.wav', 'beta.wav', 'gamma.wav', 'delta.wav'].map((source) => {
      const r = store.createRecording({ source });
      store.appendChunk(r.id, { index: 0, pcm: tone(100, 1), startSample: 0 });
      return r;
    });
    store.sealRecording(made[0].id);
    store.saveFinal(made[0].id, { text: 'The quick brown fox' });
    store.saveChunkResult(made[2].id, 0, 'jumps over 100% of dogs');
    store.markFailed(made[3].id, 'nope');
    expect(store.listUploadable().map((r) => r.source)).toEqual(['beta.wav', 'gamma.wav']);
    expect(store.listRecordings().map((r) => r.source)).toEqual([
      'delta.wav',
      'gamma.wav',
      'beta.wav',
      'alpha.wav',
    ]);
    expect(store.listRecordings({ limit: 2 }).map((r) => r.source)).toEqual(['delta.wav', 'gamma.wav']);
    expect(store.listRecordings({ search: 'QUICK' }).map((r) => r.source)).toEqual(['alpha.wav']);
    expect(store.listRecordings({ search: 'over' }).map((r) => r.source)).toEqual(['gamma.wav']);
    expect(store.listRecordings({ search: 'BETA' }).map((r) => r.source)).toEqual(['beta.wav']);
    // LIKE wildcards in the query are literal.
    expect(store.listRecordings({ search: '100%' }).map((r) => r.source)).toEqual(['gamma.wav']);
    expect(store.listRecordings({ search: '%' }).map((r) => r.source)).toEqual(['gamma.wav']);
    expect(store.listRecordings({ search: 'o_er' })).toEqual([]);
    expect(store.listRecordings({ states: ['failed'] }).map((r) => r.source)).toEqual(['delta.wav']);
  });
});
