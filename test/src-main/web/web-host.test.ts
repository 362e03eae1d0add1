// The web host over real loopback sockets: token required for the page, its assets and
// the API socket; Host/Origin checks; strict CSP; every call validated against the
// contract with a clear error; settings validated per field and persisted 0600; events
// delivered to the page.
import { readFileSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../../src-shared/api/common.js';
import type { PublicSettings } from '../../../src-shared/api/settings.js';
import { encodeAudioBatch, wireServerMessageSchema } from '../../../src-shared/api/wire.js';
import { ensureBuilt } from '../../helpers/build.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { nextEvent, startWebFixture, type WebFixture } from './web-fixture.js';

interface HttpReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Opens a raw socket; resolves 'open' or the HTTP status of the refusal. */
function tryUpgrade(url: string, headers: Record<string, string> = {}): Promise<'open' | number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.on('open', () => {
      ws.close();
      resolve('open');
    });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
    });
    ws.on('error', () => {});
  });
}

let gateway: TestGateway;
let fx: WebFixture;

beforeAll(async () => {
  await ensureBuilt();
  gateway = await startGateway(['--engine', 'synthetic']);
  fx = await startWebFixture({ gatewayUrl: gateway.url });
});

afterAll(async () => {
  await fx?.close();
  await gateway?.stop();
});

describe('web host access', () => {
  it('serves the page only with the right token, with a strict CSP and a session cookie', async () => {
    const { port, token } = fx.host;
    expect((await get(port, '/')).status).toBe(401);
    expect((await get(port, '/?token=wrong')).status).toBe(401);
    const page = await get(port, `/?token=${token}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('Earshot test page');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-eval');
    const cookie = String(page.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);

    // Assets load with the cookie the page got, not without it.
    expect((await get(port, '/assets/app.js')).status).toBe(401);
    const asset = await get(port, '/assets/app.js', { cookie: cookie.split(';')[0] });
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
    expect((await get(port, '/assets/missing.js', { cookie: cookie.split(';')[0] })).status).toBe(404);
    // Dot segments never leave the renderer folder: this is an app route, answered with the page.
    const escape = await get(port, '/../../etc/passwd', { cookie: cookie.split(';')[0] });
    expect(escape.body).not.toMatch(/root:/);
    expect((await get(port, '/..%2f..%2fetc%2fpasswd', { cookie: cookie.split(';')[0] })).body).not.toMatch(
      /root:/,
    );
  });

  it('refuses other Host names (DNS rebinding) and cross-origin sockets', async () => {
    const { port, token } = fx.host;
    expect((await get(port, `/?token=${token}`, { host: 'evil.example:80' })).status).toBe(403);
    expect(await tryUpgrade(fx.apiUrl, { origin: 'http://evil.example' })).toBe(403);
  });

  it('refuses the API socket without the token (401) and accepts it with the token', async () => {
    const base = fx.apiUrl.replace(/\?token=.*$/, '');
    expect(await tryUpgrade(base)).toBe(401);
    expect(await tryUpgrade(`${base}?token=nope`)).toBe(401);
    expect(await tryUpgrade(fx.apiUrl)).toBe('open');
    expect(await tryUpgrade(`ws://127.0.0.1:${fx.host.port}/other?token=${fx.host.token}`)).toBe(404);
  });
});

describe('API calls are validated against the contract', () => {
  it('answers a valid call', async () => {
    const info = await fx.api.call('app.info', {});
    expect(info.mode).toBe('web');
    expect(info.paste.supported).toBe(false);
    expect(info.paste.reason).toMatch(/desktop app/);
  });

  it('rejects bad input with a clear bad_input error naming the field', async () => {
    const attempt = fx.api.call('history.list', { limit: 0 });
    await expect(attempt).rejects.toBeInstanceOf(ApiError);
    await expect(attempt).rejects.toMatchObject({
      code: 'bad_input',
      message: expect.stringMatching(/^history\.list: limit: .*1/),
    });
    await expect(
      fx.api.call('history.export', { recordingId: '1', format: 'docx' as 'txt' }),
    ).rejects.toMatchObject({ code: 'bad_input', message: expect.stringContaining('format') });
    await expect(fx.api.call('app.info', { extra: 1 } as never)).rejects.toMatchObject({ code: 'bad_input' });
    await expect(fx.api.call('history.get', { recordingId: '999999' })).rejects.toMatchObject({
      code: 'not_found',
    });
  });

  it('answers unknown channels and malformed frames on a raw socket without crashing', async () => {
    const ws = new WebSocket(fx.apiUrl);
    const replies: unknown[] = [];
    ws.on('message', (data) => replies.push(JSON.parse(String(data))));
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send(JSON.stringify({ type: 'call', id: 1, channel: 'fs.readFile', input: { path: '/etc/passwd' } }));
    ws.send('{not json');
    ws.send(JSON.stringify({ type: 'call', id: 2, channel: 'settings.get' }));
    ws.send(JSON.stringify({ type: 'call', id: 'x' }));
    ws.send(encodeAudioBatch({ dictationId: 'nobody', seq: 0, pcm: new Int16Array(160) }));
    ws.send(new Uint8Array([9, 3, 0, 0, 0, 0, 0, 0, 97, 98, 99, 0, 1, 0]));
    await expect.poll(() => replies.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(6);
    ws.close();
    expect(replies).toContainEqual({
      type: 'result',
      id: 1,
      ok: false,
      error: { code: 'unknown_channel', message: 'unknown call: fs.readFile' },
    });
    expect(replies).toContainEqual(expect.objectContaining({ type: 'result', id: 2, ok: true }));
    const errors = replies
      .filter((r) => (r as { event?: string }).event === 'app.error')
      .map((r) => (r as { payload: { message: string } }).payload.message);
    expect(errors.some((m) => /not JSON/.test(m))).toBe(true);
    expect(errors.some((m) => /malformed call/.test(m))).toBe(true);
    expect(errors.some((m) => /not recording; dropped 160 samples/.test(m))).toBe(true);
    expect(errors.some((m) => /bad audio frame: audio frame version 9/.test(m))).toBe(true);
  });

  // Found by the web host fuzz: a call id of 2 ** 53 is an integer, so the host answered
  // by id, but not a safe one, so the result broke the wire contract (and no client could
  // match it). Such a call is now reported as an app.error event like any malformed call.
  it('answers a call whose id is past the safe integers only with messages the wire contract allows', async () => {
    const ws = new WebSocket(fx.apiUrl);
    const replies: unknown[] = [];
    ws.on('message', (data) => replies.push(JSON.parse(String(data))));
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send(`{"type":"call","id":${2 ** 53},"channel":"app.info","input":{}}`);
    ws.send(`{"type":"call","id":1e300,"channel":"app.info","input":{}}`);
    ws.send(JSON.stringify({ type: 'call', id: 3, channel: 'app.info', input: {} }));
    await expect.poll(() => replies.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
    ws.close();
    for (const reply of replies)
      expect(wireServerMessageSchema.safeParse(reply).success, JSON.stringify(reply)).toBe(true);
    expect(replies).toContainEqual(expect.objectContaining({ type: 'result', id: 3, ok: true }));
    const malformed = replies.filter(
      (r) => (r as { event?: string }).event === 'app.error' && /malformed call: id/.test(JSON.stringify(r)),
    );
    expect(malformed).toHaveLength(2);
  });
});

describe('settings', () => {
  it('returns one message per invalid field and saves nothing', async () => {
    const before = await fx.api.call('settings.get', {});
    const result = await fx.api.call('settings.set', {
      gatewayUrls: ['http://example.com'],
      chunkMinSec: 0,
      chunkMaxSec: 99,
      shortcut: 'Ctrl+Shift+NotAKey',
      userId: 'x'.repeat(300),
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(Object.keys(result.errors).sort()).toEqual([
      'chunkMaxSec',
      'chunkMinSec',
      'gatewayUrls',
      'shortcut',
      'userId',
    ]);
    expect(result.errors.gatewayUrls).toMatch(/ws:\/\/ or wss:\/\//);
    expect(result.errors.chunkMinSec).toMatch(/at least 1/);
    expect(await fx.api.call('settings.get', {})).toEqual(before);

    const crossField = await fx.api.call('settings.set', { chunkMinSec: 10, chunkMaxSec: 5 });
    expect(crossField).toEqual({
      ok: false,
      errors: { chunkMinSec: 'must not exceed the maximum chunk length' },
    });
    await expect(fx.api.call('settings.set', { colour: 'red' } as never)).rejects.toMatchObject({
      code: 'bad_input',
    });
  });

  it('saves valid values, keeps the token write-only, writes the file 0600 and tells the page', async () => {
    const changed = nextEvent<PublicSettings>(
      (l) => fx.api.on('settings.changed', l),
      (s) => s.userId === 'alice',
    );
    const result = await fx.api.call('settings.set', {
      userId: 'alice',
      chunkMaxSec: 12,
      token: 'tok-123-secret',
      shortcutMode: 'push-to-talk',
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.settings).toMatchObject({
      userId: 'alice',
      chunkMaxSec: 12,
      hasToken: true,
      tokenStorage: 'settings-file',
      shortcutMode: 'push-to-talk',
    });
    expect(JSON.stringify(result.settings)).not.toContain('tok-123-secret');
    expect((await changed).hasToken).toBe(true);
    const file = join(fx.dir, 'data', 'settings.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8')).settings.userId).toBe('alice');

    const diagnostics = await fx.api.call('status.diagnostics', {});
    expect(diagnostics.content).not.toContain('tok-123-secret');
    expect(JSON.parse(diagnostics.content).settings.hasToken).toBe(true);

    const cleared = await fx.api.call('settings.set', { token: null });
    expect(cleared.ok && cleared.settings.hasToken).toBe(false);
  });
});
