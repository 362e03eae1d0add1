// The user's edit of a transcript (docs/dictation.md, "Editing a transcript"): schema
// version 3 keeps it beside what was recognised. The old-schema test opens a real outbox
// file written by the previous version of the store (test/fixtures/outbox-schema-2.db:
// schema 2, a done recording with two chunk results and a final text, and a queued file
// recording with a content hash), migrates it, and checks nothing was lost.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SCHEMA_VERSION } from '../../../src-main/outbox/schema.js';
import { OutboxStore } from '../../../src-main/outbox/store.js';
import { REPO_ROOT } from '../../helpers/build.js';

let dir: string;
let store: OutboxStore | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'earshot-edit-'));
});

afterEach(() => {
  store?.close();
  store = undefined;
  rmSync(dir, { recursive: true, force: true });
});

describe('migrating an outbox of schema 2', () => {
  it('adds the edit columns and keeps every recording, chunk, text and hash', () => {
    copyFileSync(join(REPO_ROOT, 'test', 'fixtures', 'outbox-schema-2.db'), join(dir, 'outbox.db'));
    const raw = new Database(join(dir, 'outbox.db'), { readonly: true });
    expect(raw.pragma('user_version', { simple: true })).toBe(2);
    const columns = (raw.prepare('PRAGMA table_info(recordings)').all() as { name: string }[]).map(
      (c) => c.name,
    );
    expect(columns).not.toContain('edited_text');
    raw.close();

    store = OutboxStore.open(dir);
    expect(SCHEMA_VERSION).toBe(3);
    const [queued, done] = store.listRecordings();
    expect(done).toMatchObject({
      id: 1,
      state: 'done',
      source: 'microphone: fixture',
      text: 'please call me back when you get home',
      chunkCount: 2,
      resultCount: 2,
      editedText: null,
      editedAt: null,
    });
    expect(store.listChunks(1).map((c) => [c.index, c.startSample, c.sampleCount, c.text])).toEqual([
      [0, 0, 1600, 'please call me back'],
      [1, 3200, 1600, 'when you get home'],
    ]);
    expect(store.chunkPcm(1, 1)[5]).toBe(Math.round(3000 * Math.sin(5 / 5)));
    expect(queued).toMatchObject({
      id: 2,
      state: 'queued',
      contentSha256: 'ab'.repeat(32),
      editedText: null,
    });

    const edited = store.saveEdit(1, 'Please call me back when you get home.');
    expect(edited).toMatchObject({
      text: 'please call me back when you get home',
      editedText: 'Please call me back when you get home.',
    });
    store.close();
    store = undefined;
    const after = new Database(join(dir, 'outbox.db'), { readonly: true });
    expect(after.pragma('user_version', { simple: true })).toBe(3);
    expect(after.prepare('SELECT final_text, edited_text FROM recordings WHERE id = 1').get()).toEqual({
      final_text: 'please call me back when you get home',
      edited_text: 'Please call me back when you get home.',
    });
    after.close();
  });
});

describe('editing a transcript', () => {
  function doneRecording(s: OutboxStore, text: string): number {
    const r = s.createRecording({ source: 'microphone' });
    s.appendChunk(r.id, { index: 0, startSample: 0, pcm: new Int16Array(1600).fill(200) });
    s.sealRecording(r.id);
    s.saveChunkResult(r.id, 0, text);
    s.saveFinal(r.id, { text });
    return r.id;
  }

  it('keeps the recognised text, finds the edit by search, and reverts', () => {
    store = OutboxStore.open(dir);
    const id = doneRecording(store, 'the meating starts at ten');
    const other = doneRecording(store, 'something else');
    const changes: string[] = [];
    store.on('change', (rid: number, kind: string) => changes.push(`${rid}:${kind}`));

    const edited = store.saveEdit(id, 'The meeting starts at 10.');
    expect(edited.text).toBe('the meating starts at ten');
    expect(edited.finalText).toBe('the meating starts at ten');
    expect(edited.editedText).toBe('The meeting starts at 10.');
    expect(edited.editedAt).toBeGreaterThan(0);
    expect(store.listChunks(id)[0].text).toBe('the meating starts at ten');
    expect(store.listRecordings({ search: 'meeting starts at 10' }).map((r) => r.id)).toEqual([id]);
    // What was recognised is kept, so it is still found too.
    expect(store.listRecordings({ search: 'meating' }).map((r) => r.id)).toEqual([id]);
    expect(changes).toEqual([`${id}:edited`]);

    // The same edit again changes nothing; the recognised text itself is no edit.
    store.saveEdit(id, 'The meeting starts at 10.');
    expect(changes).toHaveLength(1);
    expect(store.saveEdit(id, 'the meating starts at ten')).toMatchObject({
      editedText: null,
      editedAt: null,
    });
    store.saveEdit(id, 'again');
    expect(store.saveEdit(id, null)).toMatchObject({ editedText: null, text: 'the meating starts at ten' });
    expect(store.listRecordings({ search: 'again' })).toEqual([]);
    expect(store.getRecording(other)?.editedText).toBeNull();
  });

  it('refuses an edit while the text is not known yet, and of an unknown recording', () => {
    store = OutboxStore.open(dir);
    const r = store.createRecording({ source: 'microphone' });
    expect(() => store!.saveEdit(r.id, 'x')).toThrow(
      `editing the text of recording ${r.id} failed: it is still recording`,
    );
    store.appendChunk(r.id, { index: 0, startSample: 0, pcm: new Int16Array(1600).fill(200) });
    store.sealRecording(r.id);
    store.setState(r.id, 'awaiting_results');
    expect(() => store!.saveEdit(r.id, 'x')).toThrow(/it is still awaiting results$/);
    expect(() => store!.saveEdit(999, 'x')).toThrow(/no recording 999/);
    expect(() => store!.saveEdit(r.id, 5 as unknown as string)).toThrow(/edited text must be a string/);
    store.markFailed(r.id, 'gave up');
    // A failed recording's partial text may be corrected too.
    expect(store.saveEdit(r.id, 'what I said')).toMatchObject({ state: 'failed', editedText: 'what I said' });
  });
});
