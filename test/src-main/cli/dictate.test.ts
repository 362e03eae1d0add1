// `earshot dictate` as a user runs it: the compiled CLI in a child process, a real
// outbox, real gateways on loopback (synthetic for the flow, moonshine and pocketsphinx for real
// transcript through the embedded gateway).
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, ensureBuilt } from '../../helpers/build.js';
import { fixtureChunksAt } from '../../helpers/fixture-chunks.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { wordErrorRate } from '../../helpers/wer.js';
import { MOUNT_SKIP_REASON, canMountTmpfs } from '../../helpers/tmpfs.js';
import { EARSHOT_CLI as CLI, runEarshot, type CliResult } from '../../helpers/earshot-cli.js';

const FIXTURES = join(REPO_ROOT, 'test', 'fixtures');
const manifest = JSON.parse(readFileSync(join(FIXTURES, 'manifest.json'), 'utf8')) as Array<{
  file: string;
  text: string;
}>;
const PHRASE = 'dictated words';

function earshot(args: string[], timeout = 120_000): Promise<CliResult> {
  return runEarshot(args, timeout);
}

function chunkCount(file: string): number {
  return fixtureChunksAt(file).length;
}

const mountable = canMountTmpfs();

let gateway: TestGateway;
let secured: TestGateway;
const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'earshot-dictate-'));
  dirs.push(dir);
  return dir;
};

beforeAll(async () => {
  await ensureBuilt();
  [gateway, secured] = await Promise.all([
    startGateway(['--synthetic-phrase', PHRASE, '--synthetic-cost-ms', '20'], { skipBuild: true }),
    startGateway(['--synthetic-phrase', PHRASE, '--token', 'right-token'], { skipBuild: true }),
  ]);
});

afterAll(async () => {
  await Promise.all([gateway?.stop(), secured?.stop()]);
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('earshot dictate', () => {
  it('prints FILE<TAB>final text per file; the outbox holds each recording done with all its chunks', async () => {
    const dataDir = tempDir();
    const files = ['short-01-rms.wav', 'long-01-rms.wav', 'short-02-kal16.wav'].map((f) => join(FIXTURES, f));
    const { code, stdout, stderr } = await earshot([
      'dictate',
      ...files,
      '--url',
      gateway.url,
      '--data-dir',
      dataDir,
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n').sort();
    const expected = files.map((f) => `${f}\t${Array(chunkCount(f)).fill(PHRASE).join(' ')}`).sort();
    expect(lines).toEqual(expected);
    const ls = await earshot(['outbox', 'ls', '--json', '--data-dir', dataDir]);
    const rows = ls.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows.map((r) => [r.source, r.state, r.chunks]).sort()).toEqual(
      files.map((f) => [`file:${resolve(f)}`, 'done', chunkCount(f)]).sort(),
    );
  });

  it('--json prints every event as a JSON line: accepted, chunk_stored, sealed, session, message, done, finished', async () => {
    const dataDir = tempDir();
    const file = join(FIXTURES, 'long-02-kal16.wav');
    const { code, stdout } = await earshot([
      'dictate',
      file,
      '--url',
      gateway.url,
      '--data-dir',
      dataDir,
      '--json',
    ]);
    expect(code).toBe(0);
    const events = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; [k: string]: unknown });
    const kinds = new Set(events.map((e) => e.event));
    for (const kind of ['accepted', 'chunk_stored', 'sealed', 'session', 'message', 'done', 'finished'])
      expect(kinds).toContain(kind);
    expect(events.filter((e) => e.event === 'chunk_stored')).toHaveLength(chunkCount(file));
    const finished = events.find((e) => e.event === 'finished') as unknown as {
      file: string;
      recording: { state: string; chunks: number };
    };
    expect(finished).toMatchObject({ file, recording: { state: 'done', chunks: chunkCount(file) } });
    // A stored chunk is never announced after its upload was acknowledged.
    const firstStored = events.findIndex((e) => e.event === 'chunk_stored');
    const firstAck = events.findIndex(
      (e) => e.event === 'message' && (e.message as { status?: string }).status === 'received',
    );
    expect(firstStored).toBeLessThan(firstAck);
  });

  it('a permanent error fails the recording with its reason; outbox retry + a new run with the right token finish it', async () => {
    const dataDir = tempDir();
    const file = join(FIXTURES, 'short-03-awb.wav');
    const refused = await earshot([
      'dictate',
      file,
      '--url',
      secured.url,
      '--data-dir',
      dataDir,
      '--token',
      'wrong-token',
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(new RegExp(`${file}: failed: unauthorized`));
    expect(refused.stderr).toMatch(
      /1 recording\(s\) failed; see `earshot outbox ls`, then `earshot outbox retry ID`/,
    );
    expect(refused.stderr + refused.stdout).not.toContain('wrong-token');
    const [row] = (await earshot(['outbox', 'ls', '--json', '--data-dir', dataDir])).stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(row).toMatchObject({ state: 'failed' });
    expect((await earshot(['outbox', 'retry', String(row.id), '--data-dir', dataDir])).code).toBe(0);
    const drained = await earshot([
      'dictate',
      '--url',
      secured.url,
      '--data-dir',
      dataDir,
      '--token',
      'right-token',
    ]);
    expect(drained).toMatchObject({ code: 0, stdout: `${resolve(file)}\t${PHRASE}\n` });
  });

  it('SIGINT stops with one line and exit 130; the accepted file finishes on the next run', async () => {
    const dataDir = tempDir();
    const file = join(FIXTURES, 'long-03-awb.wav');
    const child = spawn(
      process.execPath,
      [CLI, 'dictate', file, '--url', gateway.url, '--data-dir', dataDir, '--pace', '5', '--json'],
      { cwd: REPO_ROOT },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    child.stdout.setEncoding('utf8').on('data', (t: string) => {
      if (t.includes('"chunk_stored"')) child.kill('SIGINT');
    });
    const code = await new Promise<number | null>((done) => child.once('exit', (c) => done(c)));
    expect(code).toBe(130);
    expect(stderr).toBe(
      'earshot: stopped by SIGINT; accepted recordings stay in the outbox and finish on the next run\n',
    );
    const drained = await earshot(['dictate', '--url', gateway.url, '--data-dir', dataDir]);
    expect(drained).toMatchObject({
      code: 0,
      stdout: `${file}\t${Array(chunkCount(file)).fill(PHRASE).join(' ')}\n`,
    });
  });

  it('refuses bad input with one line before accepting anything', async () => {
    const dataDir = tempDir();
    const good = join(FIXTURES, 'short-01-rms.wav');
    const missing = await earshot([
      'dictate',
      good,
      join(dataDir, 'nope.wav'),
      '--url',
      gateway.url,
      '--data-dir',
      dataDir,
    ]);
    expect(missing).toMatchObject({ code: 2, stdout: '' });
    expect(missing.stderr).toMatch(/^earshot: .*nope\.wav: no such file\n$/);
    const notWav = await earshot([
      'dictate',
      join(FIXTURES, 'manifest.json'),
      '--url',
      gateway.url,
      '--data-dir',
      dataDir,
    ]);
    expect(notWav.stderr).toMatch(/manifest\.json: not a WAV file/);
    expect(
      (await earshot(['dictate', good, '--url', gateway.url, '--data-dir', dataDir, '--parallel', '0']))
        .stderr,
    ).toMatch(/--parallel must be an integer from 1 to 64/);
    expect((await earshot(['dictate', good, '--url', 'ftp://x', '--data-dir', dataDir])).stderr).toMatch(
      /--url must be a ws:\/\/ or wss:\/\/ URL/,
    );
    expect(
      (await earshot(['dictate', good, '--url', gateway.url, '--data-dir', dataDir, '--pace', 'fast']))
        .stderr,
    ).toMatch(/--pace must be a number/);
    // Nothing was accepted by any of these.
    expect((await earshot(['outbox', 'ls', '--json', '--data-dir', dataDir])).stdout).toBe('');
    const nothing = await earshot(['dictate', '--url', gateway.url, '--data-dir', dataDir]);
    expect(nothing).toMatchObject({ code: 0, stdout: '' });
    expect(nothing.stderr).toMatch(/nothing to dictate/);
  });

  it.skipIf(!mountable)(
    `a full disk stops intake with one line; once space is freed a run with no files finishes every accepted file${mountable ? '' : ` [skipped: ${MOUNT_SKIP_REASON}]`}`,
    async () => {
      const dataDir = join(tempDir(), 'tiny');
      mkdirSync(dataDir);
      // mode=0700: a tmpfs root is 1777, which the outbox would tighten and say so.
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=300k,mode=0700', 'tmpfs', dataDir]);
      try {
        const files = ['long-01-rms.wav', 'long-02-kal16.wav'].map((f) => join(FIXTURES, f));
        const full = await earshot(['dictate', ...files, '--url', gateway.url, '--data-dir', dataDir]);
        expect(full.code).toBe(1);
        expect(full.stderr).toMatch(
          /^earshot: appending chunk \d+ to recording 1 failed: the disk holding .* is full; nothing already saved was lost, free some space and try again\n$/,
        );
        execFileSync('mount', ['-o', 'remount,size=16m', dataDir]);
        const drained = await earshot(['dictate', '--url', gateway.url, '--data-dir', dataDir]);
        expect(drained.code, drained.stderr).toBe(0);
        expect(drained.stdout.trim().split('\n').sort()).toEqual(
          files.map((f) => `${f}\t${Array(chunkCount(f)).fill(PHRASE).join(' ')}`).sort(),
        );
      } finally {
        execFileSync('umount', [dataDir]);
      }
    },
  );

  it('without --url it runs the embedded gateway with moonshine and returns the exact transcript', async () => {
    const dataDir = tempDir();
    const entry = manifest.find((m) => m.file === 'short-04-rms.wav')!;
    const { code, stdout, stderr } = await earshot(
      ['dictate', join(FIXTURES, entry.file), '--data-dir', dataDir],
      180_000,
    );
    expect(code, stderr).toBe(0);
    const [file, text] = stdout.trim().split('\t');
    expect(file).toBe(join(FIXTURES, entry.file));
    expect(text).toBe(entry.text);
  });

  it('--engine pocketsphinx runs the embedded gateway on the older engine; a bad name is refused', async () => {
    const dataDir = tempDir();
    const entry = manifest.find((m) => m.file === 'short-04-rms.wav')!;
    const run = await earshot(
      ['dictate', join(FIXTURES, entry.file), '--data-dir', dataDir, '--engine', 'pocketsphinx'],
      180_000,
    );
    expect(run.code, run.stderr).toBe(0);
    expect(wordErrorRate(entry.text, run.stdout.trim().split('\t')[1])).toBeLessThan(0.35);
    const bad = await earshot([
      'dictate',
      join(FIXTURES, entry.file),
      '--data-dir',
      tempDir(),
      '--engine',
      'whisper',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe(
      'earshot: --engine must be one of moonshine | pocketsphinx | synthetic, got "whisper"',
    );
  });
});
