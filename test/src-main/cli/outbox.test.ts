// `earshot outbox ls|retry|discard|purge` as a user runs it: the compiled CLI in a child
// process, on a real outbox prepared through the store.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OutboxStore } from '../../../src-main/outbox/store.js';
import { REPO_ROOT, ensureBuilt } from '../../helpers/build.js';
import { MOUNT_SKIP_REASON, canMountTmpfs } from '../../helpers/tmpfs.js';
import { runEarshot, type CliResult } from '../../helpers/earshot-cli.js';

function earshot(args: string[]): Promise<CliResult> {
  return runEarshot(args);
}

const mountable = canMountTmpfs();

let dir: string;
const ids: Record<string, number> = {};

beforeAll(async () => {
  await ensureBuilt();
});

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'earshot-outbox-cli-'));
  const store = OutboxStore.open(dir);
  for (const kind of ['done', 'failed', 'queued']) {
    const r = store.createRecording({ source: `${kind}.wav` });
    store.appendChunk(r.id, { index: 0, pcm: new Int16Array(16000).fill(100), startSample: 0 });
    store.appendChunk(r.id, { index: 1, pcm: new Int16Array(8000).fill(-100), startSample: 16000 });
    store.sealRecording(r.id);
    if (kind === 'done') store.saveFinal(r.id, { text: 'hello from the outbox' });
    if (kind === 'failed') store.markFailed(r.id, 'unauthorized: bad token');
    ids[kind] = r.id;
  }
  store.close();
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('earshot outbox', () => {
  it('ls --json prints one object per recording, newest first, with id, source, state, chunks, text', async () => {
    const { code, stdout } = await earshot(['outbox', 'ls', '--json', '--data-dir', dir]);
    expect(code).toBe(0);
    const rows = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(rows.map((r) => [r.id, r.source, r.state, r.chunks])).toEqual([
      [ids.queued, 'queued.wav', 'queued', 2],
      [ids.failed, 'failed.wav', 'failed', 2],
      [ids.done, 'done.wav', 'done', 2],
    ]);
    expect(rows[2]).toMatchObject({ text: 'hello from the outbox', audioSeconds: 1.5, sealed: true });
    expect(rows[1]).toMatchObject({ failureReason: 'unauthorized: bad token', text: '' });
    const human = await earshot(['outbox', 'ls', '--data-dir', dir, '--search', 'hello']);
    expect(human.stdout.trim()).toBe(`${ids.done}\tdone\t2 chunks\tdone.wav\thello from the outbox`);
  });

  it('ls shows a History edit as the text, marked, with the recognised text beside it in --json; export uses it', async () => {
    const store = OutboxStore.open(dir);
    store.saveEdit(ids.done, 'Hello from the outbox, edited.');
    store.close();
    const human = await earshot(['outbox', 'ls', '--data-dir', dir, '--search', 'edited']);
    expect(human.stdout).toBe(
      `${ids.done}\tdone\t2 chunks\tdone.wav\t(edited) Hello from the outbox, edited.\n`,
    );
    const json = JSON.parse(
      (await earshot(['outbox', 'ls', '--json', '--data-dir', dir, '--search', 'edited'])).stdout,
    );
    expect(json).toMatchObject({
      text: 'Hello from the outbox, edited.',
      recognisedText: 'hello from the outbox',
      editedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect((await earshot(['outbox', 'export', String(ids.done), '--data-dir', dir])).stdout).toBe(
      'Hello from the outbox, edited.\n',
    );
  });

  it('retry queues a failed recording; retrying a done one or an unknown id is a one-line error', async () => {
    expect(await earshot(['outbox', 'retry', String(ids.failed), '--data-dir', dir])).toMatchObject({
      code: 0,
      stdout: `${ids.failed}\tqueued\n`,
    });
    const done = await earshot(['outbox', 'retry', String(ids.done), '--data-dir', dir]);
    expect(done.code).toBe(2);
    expect(done.stderr).toBe(`earshot: retrying recording ${ids.done} failed: it is already done\n`);
    expect((await earshot(['outbox', 'retry', '999', '--data-dir', dir])).stderr).toMatch(
      /no recording 999\n$/,
    );
    const bad = await earshot(['outbox', 'retry', '1.5', '--data-dir', dir]);
    expect(bad).toMatchObject({
      code: 2,
      stderr: 'earshot: recording id must be a positive integer, got "1.5"\n',
    });
  });

  it('export prints one recording in any format, several as one combined file, through the History code', async () => {
    const vtt = await earshot(['outbox', 'export', String(ids.done), '--format', 'vtt', '--data-dir', dir]);
    expect(vtt).toMatchObject({ code: 0, stderr: '' });
    // No chunk texts, only a final: one cue over the whole 1.5 s timeline.
    expect(vtt.stdout).toBe('WEBVTT\n\n00:00:00.000 --> 00:00:01.500\nhello from the outbox\n');
    const md = await earshot([
      'outbox',
      'export',
      String(ids.done),
      String(ids.failed),
      '--format',
      'md',
      '--data-dir',
      dir,
    ]);
    expect(md.code).toBe(0);
    expect(md.stdout).toMatch(/^# Earshot transcripts\n\n2 recordings, exported /);
    expect(md.stdout.indexOf('hello from the outbox')).toBeLessThan(
      md.stdout.indexOf('(no speech recognised)'),
    );
    const several = await earshot([
      'outbox',
      'export',
      String(ids.done),
      String(ids.failed),
      '--format',
      'srt',
      '--data-dir',
      dir,
    ]);
    expect(several).toMatchObject({
      code: 2,
      stderr:
        'earshot: several recordings are exported as one txt, md, json file; subtitles (srt, vtt) one recording at a time\n',
    });
    expect((await earshot(['outbox', 'export', '1', '--format', 'docx', '--data-dir', dir])).stderr).toBe(
      'earshot: --format must be one of txt, md, srt, vtt, json, got "docx"\n',
    );
    expect(await earshot(['outbox', 'export', '999', '--data-dir', dir])).toMatchObject({
      code: 1,
      stderr: 'earshot: no recording 999\n',
    });
  });

  it('discard deletes any recording; purge --done and --all delete finished ones and never queued ones', async () => {
    expect((await earshot(['outbox', 'purge', '--data-dir', dir])).stdout).toBe('purged 1 recording(s)\n');
    expect((await earshot(['outbox', 'purge', '--all', '--data-dir', dir])).stdout).toBe(
      'purged 1 recording(s)\n',
    );
    const left = await earshot(['outbox', 'ls', '--json', '--data-dir', dir]);
    expect(
      left.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).state),
    ).toEqual(['queued']);
    expect((await earshot(['outbox', 'discard', String(ids.queued), '--data-dir', dir])).code).toBe(0);
    const empty = await earshot(['outbox', 'ls', '--data-dir', dir]);
    expect(empty).toMatchObject({ code: 0, stdout: '', stderr: 'earshot: the outbox is empty\n' });
    expect((await earshot(['outbox', 'purge', '--done', '--all', '--data-dir', dir])).code).toBe(2);
  });

  it.skipIf(!mountable)(
    `a read-only data folder: a one-line error, exit 1, no crash${mountable ? '' : ` [skipped: ${MOUNT_SKIP_REASON}]`}`,
    async () => {
      const folder = join(dir, 'ro');
      mkdirSync(folder);
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', folder]);
      try {
        OutboxStore.open(folder).close();
        execFileSync('mount', ['-o', 'remount,ro', folder]);
        for (const args of [
          ['outbox', 'ls'],
          [
            'dictate',
            join(REPO_ROOT, 'test', 'fixtures', 'short-01-rms.wav'),
            '--url',
            'ws://127.0.0.1:9/ws/asr',
          ],
        ]) {
          const result = await earshot([...args, '--data-dir', folder]);
          expect(result.code).toBe(1);
          expect(result.stderr).toBe(
            `earshot: the data folder ${folder} is not writable (read-only file system or no permission); choose another with --data-dir\n`,
          );
        }
      } finally {
        execFileSync('umount', [folder]);
      }
    },
  );

  it('a corrupt database: the user is told where it was moved, and the command still works', async () => {
    for (const file of readdirSync(dir)) rmSync(join(dir, file));
    writeFileSync(join(dir, 'outbox.db'), 'this is not a database, it is a text file '.repeat(100));
    const { code, stdout, stderr } = await earshot(['outbox', 'ls', '--json', '--data-dir', dir]);
    expect(code).toBe(0);
    expect(stdout).toBe('');
    expect(stderr).toMatch(
      /^earshot: the outbox database .*outbox\.db could not be read \(file is not a database\); moved it aside to .*outbox\.db\.corrupt-\S+ \(kept, not deleted/,
    );
    expect(readdirSync(dir).some((f) => f.startsWith('outbox.db.corrupt-'))).toBe(true);
  });
});
