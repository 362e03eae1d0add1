// A damaged database, a read-only data folder and a full disk: clear typed errors, no
// crash, and nothing that was acknowledged is lost.
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OutboxError, OutboxStore } from '../../../src-main/outbox/store.js';
import { MOUNT_SKIP_REASON, canMountTmpfs } from '../../helpers/tmpfs.js';

const isRoot = process.getuid?.() === 0;

const mountable = canMountTmpfs();

function pcm(samples: number, seed: number): Int16Array {
  const out = new Int16Array(samples);
  for (let i = 0; i < samples; i++) out[i] = ((i * (seed * 2 + 1)) % 30000) - 15000;
  return out;
}

function catchOutboxError(fn: () => unknown): OutboxError {
  try {
    fn();
  } catch (error) {
    if (error instanceof OutboxError) return error;
    throw error;
  }
  throw new Error('expected an OutboxError, nothing was thrown');
}

let dir: string;
const mounted: string[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'earshot-outbox-recovery-'));
});

afterEach(() => {
  for (const point of mounted.splice(0)) execFileSync('umount', [point], { stdio: 'ignore' });
  rmSync(dir, { recursive: true, force: true });
});

describe('a damaged database', () => {
  it('garbage in outbox.db: moved aside with a message, a fresh outbox works, the old bytes are kept', () => {
    const garbage = Buffer.alloc(64 * 1024);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 7919) % 251;
    writeFileSync(join(dir, 'outbox.db'), garbage);
    writeFileSync(join(dir, 'outbox.db-wal'), 'not a wal either');
    const store = OutboxStore.open(dir);
    try {
      expect(store.recovery?.message).toMatch(
        /could not be read .* moved it aside to .*outbox\.db\.corrupt-.*\(kept, not deleted/,
      );
      const moved = store.recovery!.movedTo;
      expect(readFileSync(moved).equals(garbage)).toBe(true);
      expect(readFileSync(`${moved}-wal`, 'utf8')).toBe('not a wal either');
      const r = store.createRecording({ source: 'after recovery' });
      store.appendChunk(r.id, { index: 0, pcm: pcm(1600, 1), startSample: 0 });
      expect(store.listUploadable().map((x) => x.source)).toEqual(['after recovery']);
    } finally {
      store.close();
    }
    // The next open is a normal one: nothing more is moved.
    const again = OutboxStore.open(dir);
    expect(again.recovery).toBeUndefined();
    expect(again.listRecordings()).toHaveLength(1);
    again.close();
    // Only the one damaged set was moved (db, -wal, and the -shm the read-only probe made).
    const moved = readdirSync(dir).filter((f) => f.includes('.corrupt-'));
    expect(moved.filter((f) => f.endsWith('-wal'))).toHaveLength(1);
    expect(moved.filter((f) => !f.endsWith('-wal') && !f.endsWith('-shm'))).toHaveLength(1);
  });

  function fillAndLocate(table: string): { pages: number[]; recordingId: number } {
    const first = OutboxStore.open(dir);
    const r = first.createRecording({ source: 'precious' });
    for (let index = 0; index < 8; index++)
      first.appendChunk(r.id, { index, pcm: pcm(16000, index), startSample: index * 16000 });
    first.close(); // checkpoints the WAL into outbox.db
    const db = new Database(join(dir, 'outbox.db'), { readonly: true });
    const pages = db
      .prepare(
        "SELECT pageno FROM dbstat WHERE name = ? AND pagetype IN ('leaf', 'internal') ORDER BY pageno",
      )
      .pluck()
      .all(table) as number[];
    db.close();
    return { pages, recordingId: r.id };
  }

  function smash(pages: number[]): Buffer {
    const path = join(dir, 'outbox.db');
    const bytes = readFileSync(path);
    for (const page of pages) bytes.fill(0xff, (page - 1) * 4096, (page - 1) * 4096 + 64); // b-tree page header
    writeFileSync(path, bytes);
    return bytes;
  }

  it('a sound header with a damaged metadata page is caught on open, and the file is kept as it was', () => {
    const { pages } = fillAndLocate('chunks');
    expect(pages.length).toBeGreaterThan(0);
    const bytes = smash(pages);
    const store = OutboxStore.open(dir);
    try {
      expect(store.recovery?.reason).toMatch(/integrity check of table chunks failed|malformed/);
      expect(readFileSync(store.recovery!.movedTo).equals(bytes)).toBe(true);
      expect(store.listRecordings()).toEqual([]);
    } finally {
      store.close();
    }
  });

  it('a damaged audio page: the outbox opens, that chunk reads as a typed corrupt error, the others are intact', () => {
    const { pages, recordingId } = fillAndLocate('chunk_audio');
    smash(pages.slice(-1)); // one leaf of the audio table
    const store = OutboxStore.open(dir);
    try {
      expect(store.recovery).toBeUndefined();
      expect(store.getRecording(recordingId)?.chunkCount).toBe(8);
      const results = Array.from({ length: 8 }, (_, index) => {
        try {
          const expected = pcm(16000, index);
          return store.chunkPcm(recordingId, index).every((v, i) => v === expected[i])
            ? 'intact'
            : 'different';
        } catch (error) {
          return error instanceof OutboxError ? error.code : 'crash';
        }
      });
      expect(results).toContain('corrupt');
      expect(results).toContain('intact');
      expect(results).not.toContain('crash');
      expect(results).not.toContain('different');
    } finally {
      store.close();
    }
  });

  it.skipIf(isRoot)(
    `an unreadable database file (no permissions) is moved aside too${isRoot ? ' [skipped: root reads any file regardless of permissions]' : ''}`,
    () => {
      writeFileSync(join(dir, 'outbox.db'), 'x');
      execFileSync('chmod', ['000', join(dir, 'outbox.db')]);
      const store = OutboxStore.open(dir);
      expect(store.recovery?.movedTo).toMatch(/\.corrupt-/);
      store.close();
    },
  );
});

describe('a read-only data folder', () => {
  it.skipIf(isRoot && !mountable)(
    `open fails with a typed read_only error naming the folder; the data stays readable later${isRoot && !mountable ? ` [skipped: ${MOUNT_SKIP_REASON}]` : ''}`,
    () => {
      const folder = join(dir, 'ro');
      mkdirSync(folder);
      let remountReadOnly: () => void;
      if (isRoot) {
        execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', folder]);
        mounted.push(folder);
        remountReadOnly = () => execFileSync('mount', ['-o', 'remount,ro', folder]);
      } else {
        remountReadOnly = () => execFileSync('chmod', ['555', folder]);
      }
      const store = OutboxStore.open(folder);
      const r = store.createRecording({ source: 'kept' });
      store.appendChunk(r.id, { index: 0, pcm: pcm(16000, 3), startSample: 0 });
      store.close();
      remountReadOnly();
      const error = catchOutboxError(() => OutboxStore.open(folder));
      expect(error.code).toBe('read_only');
      expect(error.message).toContain(folder);
      expect(error.message).toMatch(/not writable/);
      expect(error.message.split('\n')).toHaveLength(1);
      // Nothing was moved aside or created in the read-only folder.
      expect(readdirSync(folder).filter((f) => f.includes('.corrupt-'))).toEqual([]);
      // A folder that cannot even be created is the same error.
      expect(catchOutboxError(() => OutboxStore.open(join(folder, 'sub'))).code).toBe('read_only');
      if (isRoot) execFileSync('mount', ['-o', 'remount,rw', folder]);
      else execFileSync('chmod', ['755', folder]);
      const back = OutboxStore.open(folder);
      expect(back.chunkPcm(r.id, 0)).toEqual(pcm(16000, 3));
      back.close();
    },
  );
});

describe('a full disk', () => {
  it.skipIf(!mountable)(
    `SQLITE_FULL on append is a typed disk_full error; every acknowledged chunk survives${mountable ? '' : ` [skipped: ${MOUNT_SKIP_REASON}]`}`,
    () => {
      const folder = join(dir, 'tiny');
      mkdirSync(folder);
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', folder]);
      mounted.push(folder);
      const store = OutboxStore.open(folder);
      const r = store.createRecording({ source: 'long dictation' });
      const acknowledged: number[] = [];
      let failure: OutboxError | undefined;
      // 1 MiB holds < 32 chunks of 32 KB (the WAL doubles the cost): bounded well before 200.
      for (let index = 0; index < 200 && !failure; index++) {
        try {
          store.appendChunk(r.id, { index, pcm: pcm(16000, index), startSample: index * 16000 });
          acknowledged.push(index);
        } catch (error) {
          if (!(error instanceof OutboxError)) throw error;
          failure = error;
        }
      }
      expect(failure, 'the tiny file system never filled up').toBeDefined();
      expect(failure!.code).toBe('disk_full');
      expect(failure!.message).toMatch(/disk .* is full; nothing already saved was lost/);
      expect(acknowledged.length).toBeGreaterThan(3);
      // The store is still usable for reads, and state changes that need no new space may
      // still fail the same typed way; neither crashes.
      expect(store.getRecording(r.id)?.chunkCount).toBe(acknowledged.length);
      try {
        store.markFailed(r.id, 'disk full');
      } catch (error) {
        expect(error).toBeInstanceOf(OutboxError);
      }
      store.close();
      // Free space (grow the file system) and reopen: every acknowledged chunk is intact,
      // and appending continues at the next index.
      execFileSync('mount', ['-o', 'remount,size=8m', folder]);
      const reopened = OutboxStore.open(folder);
      expect(reopened.listChunks(r.id).map((c) => c.index)).toEqual(acknowledged);
      for (const index of acknowledged) expect(reopened.chunkPcm(r.id, index)).toEqual(pcm(16000, index));
      const next = acknowledged.length;
      reopened.appendChunk(r.id, { index: next, pcm: pcm(16000, next), startSample: next * 16000 });
      reopened.close();
      expect(statSync(join(folder, 'outbox.db')).size).toBeGreaterThan(0);
      expect(existsSync(join(folder, 'outbox.db'))).toBe(true);
    },
  );
});
