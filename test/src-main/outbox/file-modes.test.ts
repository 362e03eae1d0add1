// Issue 10, item 3: data at rest is private. The data folder was 0755 and outbox.db,
// -wal, -shm and the lock file 0644, so anyone on the machine could read everything a
// user dictated. Now the folder is 0700 and Earshot's files 0600 whatever the umask, a
// looser folder is tightened on open, and the user is told once.
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { acquireOwnerLock } from '../../../src-main/outbox/owner-lock.js';
import { OutboxStore } from '../../../src-main/outbox/store.js';
import { SettingsStore } from '../../../src-main/services/settings-store.js';
import { ensureBuilt } from '../../helpers/build.js';
import { runEarshot } from '../../helpers/earshot-cli.js';

const modeOf = (path: string) => statSync(path).mode & 0o777;
let root: string;
let savedUmask: number;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'earshot-modes-'));
  // The most permissive umask: whatever Earshot creates must be private by itself.
  savedUmask = process.umask(0);
});

afterAll(() => {
  process.umask(savedUmask);
  rmSync(root, { recursive: true, force: true });
});

let opened: OutboxStore | undefined;
afterEach(() => {
  opened?.close();
  opened = undefined;
});

/** Opens the outbox and writes a chunk, so the -wal and -shm files exist. */
function openAndWrite(dataDir: string): OutboxStore {
  const store = OutboxStore.open(dataDir);
  opened = store;
  const recording = store.createRecording({ source: 'test' });
  store.appendChunk(recording.id, { index: 0, pcm: new Int16Array(1600), startSample: 0 });
  return store;
}

describe.skipIf(process.platform === 'win32')('file modes of the data folder', () => {
  it('creates the folder 0700 and outbox.db, -wal, -shm and the lock 0600 under umask 000', () => {
    const dataDir = join(root, 'fresh', 'nested');
    const store = openAndWrite(dataDir);
    const lock = acquireOwnerLock(dataDir);
    try {
      expect(store.permissionsNotice).toBeUndefined();
      expect(modeOf(dataDir)).toBe(0o700);
      const files = readdirSync(dataDir).sort();
      expect(files).toEqual(['outbox.db', 'outbox.db-shm', 'outbox.db-wal', 'uploader.lock']);
      for (const file of files) expect(modeOf(join(dataDir, file)), file).toBe(0o600);
    } finally {
      lock.release();
    }
  });

  it('writes settings.json 0600 in a folder it creates 0700', () => {
    const dataDir = join(root, 'settings-only');
    new SettingsStore(dataDir).set({ userId: 'someone' });
    expect(modeOf(dataDir)).toBe(0o700);
    expect(modeOf(join(dataDir, 'settings.json'))).toBe(0o600);
  });

  it('tightens a folder and files left readable by others, says so once, and leaves other files alone', () => {
    const dataDir = join(root, 'loose');
    openAndWrite(dataDir).close();
    opened = undefined;
    writeFileSync(join(dataDir, 'notes.txt'), 'not ours');
    chmodSync(dataDir, 0o755);
    chmodSync(join(dataDir, 'outbox.db'), 0o644);
    chmodSync(join(dataDir, 'notes.txt'), 0o644);

    const store = openAndWrite(dataDir);
    expect(store.permissionsNotice).toMatch(/other users could read the data folder/);
    expect(store.permissionsNotice).toContain('the folder (was 0755, now 0700)');
    expect(store.permissionsNotice).toContain('outbox.db (was 0644, now 0600)');
    expect(modeOf(dataDir)).toBe(0o700);
    for (const file of ['outbox.db', 'outbox.db-wal', 'outbox.db-shm'])
      expect(modeOf(join(dataDir, file)), file).toBe(0o600);
    expect(modeOf(join(dataDir, 'notes.txt'))).toBe(0o644);
    store.close();
    opened = undefined;

    expect(openAndWrite(dataDir).permissionsNotice).toBeUndefined();
  });

  it('the CLI prints the notice once on stderr', async () => {
    await ensureBuilt();
    const dataDir = join(root, 'cli');
    // An outbox that exists (read-only commands never create one), in a folder loosened since.
    OutboxStore.open(dataDir).close();
    chmodSync(dataDir, 0o777);
    const first = await runEarshot(['outbox', 'ls', '--data-dir', dataDir]);
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(
      /other users could read the data folder .*the folder \(was 0777, now 0700\)/,
    );
    const second = await runEarshot(['outbox', 'ls', '--data-dir', dataDir]);
    expect(second.code).toBe(0);
    expect(second.stderr).not.toMatch(/other users could read/);
  });
});
