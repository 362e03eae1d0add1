// Issue 10, item 2: no request can kill the web host. `Cookie: earshot_session=%E0%A4%A`
// made decodeURIComponent throw in the cookie parser, and cookies are shared across
// localhost ports, so any page on another local port could plant it and crash the app
// at every load. Same class: every header, query string and path the host parses. The
// real `earshot web` runs as a child process here, so a crash shows as an exit. Item 5
// too: slowloris sockets are closed.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebHost, type WebHostProcess } from '../../e2e/support/web.js';
import { holdHalfOpen, rawRequest, upgradeRequest } from '../../helpers/raw-http.js';

let dir: string;
let web: WebHostProcess;
let token: string;

function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: web.port, path, headers: { host: `127.0.0.1:${web.port}`, ...headers } },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'earshot-web-malformed-'));
  const rendererDir = join(dir, 'ui');
  mkdirSync(rendererDir);
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Earshot test page</title>');
  web = await startWebHost({ dataDir: join(dir, 'data'), rendererDir });
  token = new URL(web.url).searchParams.get('token')!;
}, 300_000);

afterAll(async () => {
  await web?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const is4xx = (status: number | undefined) => status !== undefined && status >= 400 && status < 500;
/** A path the host can read gets the page (a client-side route) or 404; anything else a 4xx. */
const isPageOr4xx = (status: number | undefined) => status === 200 || is4xx(status);

async function stillServing(): Promise<void> {
  expect(web.process.exitCode).toBeNull();
  expect((await get(`/?token=${token}`)).status).toBe(200);
}

describe('the web host survives hostile requests', () => {
  it('treats a malformed earshot_session cookie as a wrong one (401), not a crash', async () => {
    for (const cookie of ['earshot_session=%E0%A4%A', 'earshot_session=%', 'earshot_session', '=;;=%zz']) {
      expect((await get('/', { cookie })).status, cookie).toBe(401);
      expect((await get('/assets/app.js', { cookie })).status, cookie).toBe(401);
    }
    await stillServing();
  });

  it('still lets the user in when another page planted an earshot_session cookie beside the real one', async () => {
    const cookie = `earshot_session=%E0%A4%A; earshot_session=${token}`;
    expect((await get('/', { cookie })).status).toBe(200);
  });

  it('answers malformed request targets, queries and paths with a 4xx', async () => {
    const cookie = `earshot_session=${token}`;
    const host = `Host: 127.0.0.1:${web.port}`;
    for (const target of [
      '//[',
      'http://[',
      '*',
      '/%E0%A4%A',
      '/?token=%E0%A4%A',
      '/%00',
      '/..%2f..%2f%00',
    ]) {
      const plain = await rawRequest(
        web.port,
        `GET ${target} HTTP/1.1\r\n${host}\r\nCookie: ${cookie}\r\n\r\n`,
      );
      expect(isPageOr4xx(plain.status), `${target}: ${plain.status}`).toBe(true);
      const upgrade = await rawRequest(web.port, upgradeRequest(target, [`Cookie: ${cookie}`]));
      expect(is4xx(upgrade.status), `upgrade ${target}: ${upgrade.status}`).toBe(true);
    }
    for (const target of ['/api/ws?token=%E0%A4%A', '//[/api/ws', 'http://[/api/ws']) {
      const upgrade = await rawRequest(
        web.port,
        upgradeRequest(target, [`Cookie: earshot_session=%E0%A4%A`]),
      );
      expect(is4xx(upgrade.status), `upgrade ${target}: ${upgrade.status}`).toBe(true);
    }
    await stillServing();
  });

  // Found by the gateway fuzz (the web host had the same gap): CONNECT went to Node's
  // 'connect' event and, with no listener, the connection closed without an answer.
  it('answers CONNECT with 405 instead of silence', async () => {
    for (const target of ['127.0.0.1:1', '/api/ws', `/?token=${token}`]) {
      const reply = await rawRequest(
        web.port,
        `CONNECT ${target} HTTP/1.1\r\nHost: 127.0.0.1:${web.port}\r\nCookie: earshot_session=${token}\r\n\r\n`,
      );
      expect(reply.status, target).toBe(405);
    }
    await stillServing();
  });

  it('answers strange Host and Origin headers with 403', async () => {
    expect((await get(`/?token=${token}`, { host: '%E0%A4%A' })).status).toBe(403);
    expect((await get(`/?token=${token}`, { origin: 'http://[' })).status).toBe(403);
    expect((await get(`/?token=${token}`, { origin: 'null' })).status).toBe(403);
    await stillServing();
  });

  // Issue 10, item 5: the web host had Node's timeouts, checked every 30 s.
  it('closes unfinished requests and silent sockets after its 10 s headers timeout', async () => {
    const partial = `GET /api/ws HTTP/1.1\r\nHost: 127.0.0.1:${web.port}\r\nUpgrade: websocket\r\n`;
    const [unfinished, silent] = await Promise.all([
      holdHalfOpen(web.port, 50, partial, 25_000),
      holdHalfOpen(web.port, 20, '', 25_000),
    ]);
    expect(unfinished.stillOpen + silent.stillOpen).toBe(0);
    for (const { firstLine } of [...unfinished.closed, ...silent.closed])
      expect(firstLine).toBe('HTTP/1.1 408 Request Timeout');
    await stillServing();
  });
});
