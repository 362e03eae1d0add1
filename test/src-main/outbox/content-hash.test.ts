// The content hash of file recordings (issue 10, item 8): schema version 2 adds it, an
// outbox written by version 1 is migrated with its recordings kept, and skipKnownFiles
// decides which files of a `dictate` run are taken.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeSkip, skipKnownFiles } from '../../../src-main/outbox/file-dedupe.js';
import { OutboxStore } from '../../../src-main/outbox/store.js';

const hash = (n: number) => n.toString(16).padStart(64, '0');
let dir: string;
let store: OutboxStore;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'earshot-hash-'));
  store = OutboxStore.open(dir);
});

afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('content hash', () => {
  it('migrates a version-1 outbox: its recordings stay, with no hash', () => {
    const before = store.createRecording({ source: 'file:/a.wav' });
    store.close();
    const db = new Database(join(dir, 'outbox.db'));
    // Back to version 1: without the hash (2) and the edit (3) columns.
    db.exec(
      'DROP INDEX recordings_by_content; ALTER TABLE recordings DROP COLUMN content_sha256; ' +
        'ALTER TABLE recordings DROP COLUMN edited_text; ALTER TABLE recordings DROP COLUMN edited_at',
    );
    db.pragma('user_version = 1');
    db.close();
    store = OutboxStore.open(dir);
    expect(store.getRecording(before.id)).toMatchObject({ source: 'file:/a.wav', contentSha256: null });
    const after = store.createRecording({ source: 'file:/b.wav', contentSha256: hash(1) });
    expect(store.findByContent(hash(1)).map((r) => r.id)).toEqual([after.id]);
  });

  it('refuses a malformed hash', () => {
    expect(() => store.createRecording({ source: 'file:/a.wav', contentSha256: 'abc' })).toThrow(
      /64 lowercase hex/,
    );
    expect(() => store.findByContent('ABC')).toThrow(/64 lowercase hex/);
  });

  it('takes new files, skips queued, done and repeated ones, and takes a failed one again', () => {
    const queued = store.createRecording({ source: 'file:/q.wav', contentSha256: hash(1) });
    const done = store.createRecording({ source: 'file:/d.wav', contentSha256: hash(2) });
    store.sealRecording(done.id);
    store.saveFinal(done.id, { text: 'hi', partial: false });
    const failed = store.createRecording({ source: 'file:/f.wav', contentSha256: hash(3) });
    store.markFailed(failed.id, 'gave up');
    const inputs = [
      { file: 'new.wav', sha256: hash(9) },
      { file: 'q.wav', sha256: hash(1) },
      { file: 'd.wav', sha256: hash(2) },
      { file: 'f.wav', sha256: hash(3) },
      { file: 'copy-of-new.wav', sha256: hash(9) },
    ];
    const { take, skipped } = skipKnownFiles(store, inputs, false);
    expect(take.map((i) => i.file)).toEqual(['new.wav', 'f.wav']);
    expect(skipped.map(describeSkip)).toEqual([
      `skipped q.wav: already in the outbox as recording ${queued.id} (recording), finishing it; --again dictates it again`,
      `skipped d.wav: already dictated as recording ${done.id}; --again dictates it again`,
      'skipped copy-of-new.wav: same audio as new.wav',
    ]);
    expect(skipKnownFiles(store, inputs, true).take).toHaveLength(5);
  });
});
