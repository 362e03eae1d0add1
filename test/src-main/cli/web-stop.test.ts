// `earshot web` stops on its first SIGTERM even while a page holds the API socket and
// does not answer the close frame (a frozen or suspended tab): the page is given a moment,
// then cut, instead of ws's 30 s close timeout holding the whole stop. And Ctrl-C that
// arrives twice is one stop, as for the gateway (docs/gateway.md, "Shutdown").
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, ensureBuilt } from '../../helpers/build.js';
import { EARSHOT_CLI } from '../../helpers/earshot-cli.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { RawWebSocket } from '../../helpers/raw-ws.js';
import { waitFor } from '../../helpers/wait.js';

let tmp: string;
let gateway: TestGateway;
const children: ChildProcess[] = [];

async function startWeb(dataDir: string) {
  const child = spawn(
    process.execPath,
    [
      EARSHOT_CLI,
      'web',
      '--port',
      '0',
      '--data-dir',
      dataDir,
      '--url',
      gateway.url,
      '--renderer-dir',
      join(tmp, 'renderer'),
    ],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (t: string) => (out += t));
  child.stderr!.setEncoding('utf8').on('data', (t: string) => (err += t));
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  const page = await waitFor('the URL line', () => /^Earshot web UI: (\S+)$/m.exec(out)?.[1], 60_000, 50);
  return { child, page: new URL(page), exited, stderr: () => err };
}

beforeAll(async () => {
  await ensureBuilt();
  tmp = mkdtempSync(join(tmpdir(), 'earshot-web-stop-'));
  mkdirSync(join(tmp, 'renderer'));
  writeFileSync(join(tmp, 'renderer', 'index.html'), '<!doctype html><title>ui</title>');
  gateway = await startGateway(['--engine', 'synthetic'], { skipBuild: true });
});

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await gateway?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('earshot web stopping', () => {
  it('the first SIGTERM stops it although a page never answers the close frame', async () => {
    const web = await startWeb(join(tmp, 'data-1'));
    const token = web.page.searchParams.get('token')!;
    // A page that holds the API socket and reads, but never answers a close frame.
    const page = await RawWebSocket.connect(Number(web.page.port), `/api/ws?token=${token}`, [
      `Origin: ${web.page.origin}`,
    ]);
    web.child.kill('SIGTERM');
    // Well under ws's 30 s close timeout, which held the stop before.
    const outcome = await Promise.race([web.exited, sleep(20_000).then(() => 'still running after 20 s')]);
    expect(outcome).toBe(0);
    expect(page.closeCode).toBe(1001);
    await page.ended;
    expect(web.stderr()).not.toMatch(/exiting now/);
  }, 90_000);

  it('Ctrl-C delivered twice (terminal and npx) is one stop: exit 0', async () => {
    const web = await startWeb(join(tmp, 'data-2'));
    web.child.kill('SIGINT');
    // The launcher's forwarded copy, a moment after the terminal's.
    await sleep(100);
    web.child.kill('SIGINT');
    expect(await web.exited).toBe(0);
    expect(web.stderr()).not.toMatch(/exiting now/);
  }, 90_000);
});
