// Issue 10, item 8: running the same `earshot dictate a.wav b.wav c.wav` again after a
// crash dictated the files again (3 files became 6 recordings). A file is identified by
// the SHA-256 of its content: one already queued or done is skipped, and the command says
// so, unless --again.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, ensureBuilt } from '../../helpers/build.js';
import { EARSHOT_CLI, runEarshot } from '../../helpers/earshot-cli.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';

const FIXTURES = join(REPO_ROOT, 'test', 'fixtures');
const PHRASE = 'dictated once';
const files = ['short-01-rms.wav', 'short-02-kal16.wav', 'short-03-awb.wav'].map((f) => join(FIXTURES, f));

let gateway: TestGateway;
let slow: TestGateway;
const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'earshot-again-'));
  dirs.push(dir);
  return dir;
};

beforeAll(async () => {
  await ensureBuilt();
  [gateway, slow] = await Promise.all([
    startGateway(['--synthetic-phrase', PHRASE, '--synthetic-cost-ms', '20'], { skipBuild: true }),
    // Slow enough that a run is still waiting for results when it is killed.
    startGateway(['--synthetic-phrase', PHRASE, '--synthetic-cost-ms', '3000', '--workers', '1'], {
      skipBuild: true,
    }),
  ]);
}, 300_000);

afterAll(async () => {
  await Promise.all([gateway?.stop(), slow?.stop()]);
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function outboxRows(dataDir: string): Promise<{ id: number; source: string; state: string }[]> {
  const ls = await runEarshot(['outbox', 'ls', '--json', '--data-dir', dataDir]);
  return ls.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

describe('dictating the same files again', () => {
  it('after a SIGKILL, the rerun finishes the accepted files and takes none of them twice', async () => {
    const dataDir = tempDir();
    const child = spawn(
      process.execPath,
      [EARSHOT_CLI, 'dictate', ...files, '--url', slow.url, '--data-dir', dataDir, '--json'],
      {
        cwd: REPO_ROOT,
      },
    );
    let out = '';
    const killed = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      out += text;
      // Every file accepted and the first one being uploaded: kill it there.
      if (
        (out.match(/"event":"accepted"/g) ?? []).length === files.length &&
        out.includes('"event":"session"')
      )
        child.kill('SIGKILL');
    });
    await killed;
    expect((await outboxRows(dataDir)).length).toBe(files.length);

    const rerun = await runEarshot(
      ['dictate', ...files, '--url', gateway.url, '--data-dir', dataDir],
      120_000,
    );
    expect(rerun.code, rerun.stderr).toBe(0);
    for (const file of files)
      expect(rerun.stderr).toMatch(
        new RegExp(`skipped ${file}: already in the outbox as recording \\d+ \\(\\w+\\), finishing it`),
      );
    expect(rerun.stdout.trim().split('\n').sort()).toEqual(files.map((f) => `${f}\t${PHRASE}`).sort());
    const rows = await outboxRows(dataDir);
    expect(rows).toHaveLength(files.length);
    expect(rows.every((r) => r.state === 'done')).toBe(true);
  });

  it('skips a file already done (printing its transcript), and a copy under another name; --again takes them', async () => {
    const dataDir = tempDir();
    const first = await runEarshot(['dictate', files[0], '--url', gateway.url, '--data-dir', dataDir]);
    expect(first.code, first.stderr).toBe(0);
    const copy = join(dataDir, 'copy-of-short-01.wav');
    copyFileSync(files[0], copy);

    const again = await runEarshot([
      'dictate',
      files[0],
      copy,
      files[1],
      '--url',
      gateway.url,
      '--data-dir',
      dataDir,
    ]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain(
      `skipped ${files[0]}: already dictated as recording 1; --again dictates it again`,
    );
    expect(again.stderr).toContain(`skipped ${copy}: same audio as ${files[0]}`);
    expect(again.stdout.trim().split('\n').sort()).toEqual(
      [`${files[0]}\t${PHRASE}`, `${files[1]}\t${PHRASE}`].sort(),
    );
    expect(await outboxRows(dataDir)).toHaveLength(2);

    const json = await runEarshot([
      'dictate',
      files[0],
      '--url',
      gateway.url,
      '--data-dir',
      dataDir,
      '--json',
    ]);
    const skipped = json.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
      .find((event) => event.event === 'skipped');
    expect(skipped).toMatchObject({
      file: files[0],
      reason: 'in_outbox',
      recording: { id: 1, state: 'done' },
    });

    const forced = await runEarshot([
      'dictate',
      files[0],
      copy,
      '--again',
      '--url',
      gateway.url,
      '--data-dir',
      dataDir,
    ]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stderr).toBe('');
    expect(await outboxRows(dataDir)).toHaveLength(4);
  });
});
