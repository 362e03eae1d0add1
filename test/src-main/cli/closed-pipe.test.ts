// Issue 10, item 7: `earshot outbox ls --json | head` printed an EPIPE stack trace. A
// reader that closes the pipe now ends every command quietly (exit 0, nothing on stderr).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboxStore } from '../../../src-main/outbox/store.js';
import { REPO_ROOT, ensureBuilt } from '../../helpers/build.js';
import { EARSHOT_CLI } from '../../helpers/earshot-cli.js';

let dir: string;

beforeAll(async () => {
  await ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'earshot-pipe-'));
  // ~800 KB of JSON lines: far more than a pipe holds, so writes go on after the reader left.
  const store = OutboxStore.open(dir);
  for (let i = 0; i < 200; i++)
    store.createRecording({ source: `file:/${'long-name/'.repeat(400)}${i}.wav` });
  store.close();
}, 300_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the CLI, reads its first line, closes the pipe, and returns how the process ended. */
function readOneLineThenClose(
  args: string[],
): Promise<{ firstLine: string; code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [EARSHOT_CLI, ...args], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let firstLine: string | undefined;
    child.stderr.setEncoding('utf8').on('data', (text: string) => (err += text));
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      out += text;
      if (firstLine === undefined && out.includes('\n')) {
        firstLine = out.slice(0, out.indexOf('\n'));
        child.stdout.destroy(); // like `head -1` exiting
      }
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ firstLine: firstLine ?? '', code, stderr: err }));
  });
}

describe('a closed output pipe', () => {
  it('ends `earshot outbox ls --json` quietly with 0', async () => {
    const result = await readOneLineThenClose(['outbox', 'ls', '--json', '--data-dir', dir]);
    expect(JSON.parse(result.firstLine)).toMatchObject({ state: 'recording' });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('ends `earshot outbox ls` (text) quietly with 0', async () => {
    const result = await readOneLineThenClose(['outbox', 'ls', '--data-dir', dir]);
    expect(result.firstLine).not.toBe('');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });
});
