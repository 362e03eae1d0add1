// Issue 10, item 7 at the gateway: with --token, /metrics and queue status need it too
// (health stays open for load balancers; --public-metrics opens them); the Bearer scheme
// is case-insensitive (RFC 7235); session_id must be printable (bad_session_id); a WAV
// whose header claims more audio than it carries is refused (bad_audio, "truncated").
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWav } from '../../../src-shared/audio/wav.js';
import { ensureBuilt } from '../../helpers/build.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { TestClient, sessionId } from '../support/test-client.js';

const TOKEN = 'tok-metrics-91c2';
const bearer = (scheme = 'Bearer') => ({ authorization: `${scheme} ${TOKEN}` });

beforeAll(() => ensureBuilt(), 300_000);

describe('with --token', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startGateway(['--workers', '1', '--token', TOKEN]);
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it('keeps health open and puts /metrics and queue status behind the token', async () => {
    expect((await fetch(`${gateway.httpUrl}/api/v1/health`)).status).toBe(200);
    for (const path of ['/metrics', '/api/v1/asr/queue/status']) {
      const refused = await fetch(`${gateway.httpUrl}${path}`);
      expect(refused.status, path).toBe(401);
      expect(await refused.json()).toEqual({ error: 'missing or wrong token', code: 'unauthorized' });
      expect(
        (await fetch(`${gateway.httpUrl}${path}`, { headers: { authorization: 'Bearer nope' } })).status,
      ).toBe(401);
      expect((await fetch(`${gateway.httpUrl}${path}`, { headers: bearer() })).status, path).toBe(200);
      expect((await fetch(`${gateway.httpUrl}${path}?token=${TOKEN}`)).status, path).toBe(200);
    }
  });

  it('accepts the Bearer scheme in any case, on HTTP and on the upgrade', async () => {
    for (const scheme of ['bearer', 'BEARER', 'BeArEr']) {
      expect((await fetch(`${gateway.httpUrl}/metrics`, { headers: bearer(scheme) })).status, scheme).toBe(
        200,
      );
      const client = await TestClient.connect(gateway.url, { headers: bearer(scheme) });
      await client.close();
    }
  });
});

describe('with --token --public-metrics', () => {
  it('serves /metrics and queue status without the token', async () => {
    const gateway = await startGateway(['--workers', '1', '--token', TOKEN, '--public-metrics'], {
      skipBuild: true,
    });
    try {
      expect((await fetch(`${gateway.httpUrl}/metrics`)).status).toBe(200);
      expect((await fetch(`${gateway.httpUrl}/api/v1/asr/queue/status`)).status).toBe(200);
    } finally {
      await gateway.stop();
    }
  });
});

describe('input checks', () => {
  let gateway: TestGateway;
  let client: TestClient;
  beforeAll(async () => {
    gateway = await startGateway(['--workers', '1']);
    client = await TestClient.connect(gateway.url);
  });
  afterAll(async () => {
    await client?.close();
    await gateway?.stop();
  });

  it('refuses control, NUL and bidi characters in session_id with bad_session_id, not echoing it', async () => {
    for (const bad of ['a\u0000b', 'line\nbreak', 'abc\u202egpj.exe', '\u001b[2J']) {
      client.start(bad);
      const error = await client.nextOfType('error');
      expect(error, JSON.stringify(bad)).toMatchObject({ code: 'bad_session_id' });
      expect(error.session_id).toBeUndefined();
      expect(String(error.message)).toMatch(/session_id must be printable/);
    }
    const good = sessionId('still-usable');
    client.start(good);
    expect(await client.nextOfType('ack', good)).toMatchObject({ status: 'session_started' });
  });

  it('refuses a WAV whose header claims more audio than it carries, and says so', async () => {
    const id = sessionId('truncated');
    client.start(id);
    await client.nextOfType('ack', id);
    const whole = encodeWav(new Int16Array(16_000));
    client.chunk(id, 0, whole.subarray(0, 44 + 8000));
    const error = await client.next((m) => m.chunk_index === 0 && m.session_id === id);
    expect(error).toMatchObject({ type: 'error', code: 'bad_audio' });
    expect(String(error.message)).toMatch(
      /declares 32000 bytes of audio but only 8000 follow \(truncated file\)/,
    );
  });
});
