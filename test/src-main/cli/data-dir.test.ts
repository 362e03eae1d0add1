// A data folder that cannot be one, said where the user can fix it: a mistyped --data-dir
// for a command that only looks (outbox ls, status) creates nothing and says the folder
// does not exist; a file given as the folder is named as such (not a raw EEXIST); the
// Settings' Data folder is checked on save, in main, on the real disk; and a bad value
// already in settings.json stops `earshot web` with the file and the value named.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SettingsStore } from '../../../src-main/services/settings-store.js';
import { REPO_ROOT, ensureBuilt } from '../../helpers/build.js';
import { runEarshot } from '../../helpers/earshot-cli.js';

let tmp: string;
let aFile: string;

beforeAll(async () => {
  await ensureBuilt();
  tmp = mkdtempSync(join(tmpdir(), 'earshot-data-dir-'));
  aFile = join(tmp, 'notes.txt');
  writeFileSync(aFile, 'not a folder\n');
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('--data-dir for commands that only look', () => {
  it('outbox ls and status say a mistyped folder does not exist, and create nothing', async () => {
    const typo = join(tmp, 'eartshot');
    const ls = await runEarshot(['outbox', 'ls', '--data-dir', typo]);
    expect(ls.code).toBe(2);
    expect(ls.stdout).toBe('');
    expect(ls.stderr).toBe(`earshot: --data-dir ${typo} does not exist (no outbox there)\n`);

    const status = await runEarshot(['status', '--url', 'ws://127.0.0.1:9/ws/asr', '--data-dir', typo]);
    expect(status.code).toBe(2);
    expect(status.stderr).toBe(`earshot: --data-dir ${typo} does not exist (no outbox there)\n`);
    expect(existsSync(typo)).toBe(false);

    const empty = join(tmp, 'empty-folder');
    mkdirSync(empty);
    const none = await runEarshot(['outbox', 'ls', '--data-dir', empty]);
    expect(none.code).toBe(2);
    expect(none.stderr).toBe(`earshot: no outbox in ${empty} (it has no outbox.db); check --data-dir\n`);
    expect(existsSync(join(empty, 'outbox.db'))).toBe(false);
  });

  it('a file given as the folder is named as a file, for every command', async () => {
    const ls = await runEarshot(['outbox', 'ls', '--data-dir', aFile]);
    expect(ls.code).toBe(2);
    expect(ls.stderr).toBe(`earshot: --data-dir ${aFile} is a file, not a folder\n`);

    const dictate = await runEarshot([
      'dictate',
      join(REPO_ROOT, 'test', 'fixtures', 'short-01-rms.wav'),
      '--url',
      'ws://127.0.0.1:9/ws/asr',
      '--data-dir',
      aFile,
    ]);
    expect(dictate.code).toBe(2);
    expect(dictate.stderr).toBe(`earshot: the data folder ${aFile} is a file, not a folder\n`);

    const below = join(aFile, 'outbox');
    const web = await runEarshot(['web', '--engine', 'synthetic', '--data-dir', below]);
    expect(web.code).toBe(2);
    expect(web.stderr).not.toMatch(/EEXIST|ENOTDIR/);
    expect(web.stderr.trim().split('\n')).toHaveLength(1);
    expect(web.stderr).toMatch(`cannot be created: ${aFile} is a file, not a folder`);
  });
});

describe('Settings > Data folder', () => {
  it('is checked on save against the disk: a file, or a path through a file, is refused with the reason', () => {
    const settingsDir = join(tmp, 'settings-1');
    const store = new SettingsStore(settingsDir);
    expect(store.set({ dataDir: aFile })).toEqual({
      ok: false,
      errors: { dataDir: `${aFile} is a file, not a folder` },
    });
    expect(store.set({ dataDir: join(aFile, 'sub') })).toEqual({
      ok: false,
      errors: { dataDir: `${join(aFile, 'sub')} cannot be created: ${aFile} is a file, not a folder` },
    });
    expect(store.set({ dataDir: 'relative/folder' })).toEqual({
      ok: false,
      errors: { dataDir: 'relative/folder must be an absolute path' },
    });
    // Nothing was saved; a folder that can be created is taken.
    expect(store.get().dataDir).toBe(settingsDir);
    const fine = join(tmp, 'new-data-folder');
    expect(store.set({ dataDir: fine })).toMatchObject({ ok: true, settings: { dataDir: fine } });
  });

  it('a bad value already in settings.json stops `earshot web`, naming the file and the value', async () => {
    const settingsDir = join(tmp, 'settings-2');
    mkdirSync(settingsDir);
    const store = new SettingsStore(settingsDir);
    expect(store.set({ dataDir: join(tmp, 'later') })).toMatchObject({ ok: true });
    // The folder becomes a file after it was saved (or settings.json was edited by hand).
    writeFileSync(join(tmp, 'later'), 'now a file\n');
    const web = await runEarshot(['web', '--engine', 'synthetic', '--data-dir', settingsDir]);
    expect(web.code).toBe(2);
    expect(web.stderr).toBe(
      `earshot: the data folder in ${join(settingsDir, 'settings.json')} ("dataDir": "${join(tmp, 'later')}") cannot be used: the data folder ${join(tmp, 'later')} is a file, not a folder; correct dataDir in that file\n`,
    );
  });
});
