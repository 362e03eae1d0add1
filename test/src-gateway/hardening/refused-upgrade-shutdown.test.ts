// Found by the web host fuzz (test/fuzz/web-host.fuzz.test.ts): an upgrade both servers
// refuse (wrong path, no token; or a CONNECT) with more bytes behind it in the same
// write. The refusal ended the server's side, but nothing read the socket after the
// upgrade event, so the client's end-of-stream was never seen and the socket never
// closed: the server then waited for it forever when told to stop (SIGTERM did not end
// the process). Both servers now read on and drop what follows a refusal.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startWebHost } from '../../e2e/support/web.js';
import { startGateway } from '../../helpers/gateway.js';
import { rawRequest, upgradeRequest } from '../../helpers/raw-http.js';

/** Far beyond a normal stop (well under a second), far below the test's own timeout. */
const STOP_BOUND_MS = 20_000;
const trailing = `GET / HTTP/1.1\r\nX-Pad: ${'p'.repeat(100_000)}\r\n\r\n`;

/** Resolves with how the process ended, or 'still running' after STOP_BOUND_MS. */
function stopWithin(stop: () => Promise<void>, kill: () => void): Promise<'stopped' | 'still running'> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      kill();
      resolve('still running');
    }, STOP_BOUND_MS);
    void stop().then(() => {
      clearTimeout(timer);
      resolve('stopped');
    });
  });
}

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('a refused upgrade with bytes behind it', () => {
  it('does not keep the gateway from stopping', async () => {
    const gateway = await startGateway(['--workers', '1', '--token', 'tok-refused-9d2e']);
    for (const target of ['/nowhere', '/ws/asr']) {
      const reply = await rawRequest(gateway.port, upgradeRequest(target) + trailing);
      expect(reply.status, target).toBeGreaterThanOrEqual(400);
    }
    const connect = await rawRequest(gateway.port, `CONNECT 127.0.0.1:1 HTTP/1.1\r\n\r\n${trailing}`);
    expect(connect.status).toBe(405);
    expect(
      await stopWithin(
        () => gateway.stop(),
        () => gateway.kill(),
      ),
    ).toBe('stopped');
  });

  it('does not keep the web host from stopping', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'earshot-refused-upgrade-'));
    dirs.push(dir);
    mkdirSync(join(dir, 'ui'));
    writeFileSync(join(dir, 'ui', 'index.html'), '<!doctype html><title>Earshot test page</title>');
    const web = await startWebHost({ dataDir: join(dir, 'data'), rendererDir: join(dir, 'ui') });
    const token = new URL(web.url).searchParams.get('token')!;
    const host = `Host: 127.0.0.1:${web.port}`;
    for (const [target, headers] of [
      ['/history', [`Cookie: earshot_session=${token}`]],
      ['/api/ws', []],
    ] as const) {
      const request = upgradeRequest(target, [...headers]).replace('Host: 127.0.0.1', host);
      const reply = await rawRequest(web.port, request + trailing);
      expect(reply.status, target).toBeGreaterThanOrEqual(400);
    }
    const connect = await rawRequest(web.port, `CONNECT 127.0.0.1:1 HTTP/1.1\r\n${host}\r\n\r\n${trailing}`);
    expect(connect.status).toBe(405);
    expect(
      await stopWithin(
        () => web.stop(),
        () => web.process.kill('SIGKILL'),
      ),
    ).toBe('stopped');
  });
});
