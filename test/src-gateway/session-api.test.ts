// The session lookup API (GET /api/v1/history, GET and DELETE /api/v1/session/:id, GET
// /api/v1/stats) on real gateway processes: the kikipounamu response shapes, Earshot's
// added fields, the token, and bounded retention by count and by age.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../helpers/build.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';
import { TestClient, wavBase64 } from './support/test-client.js';

const PHRASE = 'charlie';
const TOKEN = 'lookup-secret-7';
const gateways: TestGateway[] = [];

beforeAll(async () => {
  await ensureBuilt();
}, 300_000);

afterAll(async () => {
  await Promise.all(gateways.map((g) => g.stop()));
});

async function gatewayWith(args: string[]): Promise<TestGateway> {
  const gateway = await startGateway(['--synthetic-phrase', PHRASE, '--workers', '1', ...args], {
    skipBuild: true,
  });
  gateways.push(gateway);
  return gateway;
}

/** One session start to final over a real connection; returns its id. */
async function runSession(gateway: TestGateway, chunks: number, token?: string): Promise<string> {
  const client = await TestClient.connect(
    gateway.url,
    token ? { headers: { authorization: `Bearer ${token}` } } : {},
  );
  const id = randomUUID();
  client.start(id);
  await client.nextOfType('ack');
  for (let i = 0; i < chunks; i++) client.chunk(id, i, wavBase64(0.2));
  client.finish(id);
  await client.nextOfType('final_result', id);
  await client.close();
  return id;
}

async function api(
  gateway: TestGateway,
  path: string,
  init: { method?: string; token?: string } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${gateway.httpUrl}${path}`, {
    method: init.method ?? 'GET',
    headers: init.token ? { authorization: `Bearer ${init.token}` } : {},
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('session lookup API, Earshot dialect, behind a token', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await gatewayWith(['--token', TOKEN]);
  });

  it('refuses every route without the token, and says so', async () => {
    for (const path of ['/api/v1/history', '/api/v1/stats', `/api/v1/session/${randomUUID()}`]) {
      expect(await api(gateway, path)).toEqual({
        status: 401,
        body: { error: 'missing or wrong token', code: 'unauthorized' },
      });
      expect((await api(gateway, path, { token: 'wrong' })).status).toBe(401);
    }
    expect((await api(gateway, `/api/v1/session/x`, { method: 'DELETE' })).status).toBe(401);
    // ?token= works too (browsers cannot set headers on every request).
    expect((await api(gateway, `/api/v1/history?token=${TOKEN}`)).status).toBe(200);
  });

  it('lists finished sessions newest first, and shows one with its chunk texts', async () => {
    const first = await runSession(gateway, 2, TOKEN);
    const second = await runSession(gateway, 1, TOKEN);
    const history = await api(gateway, '/api/v1/history', { token: TOKEN });
    expect(history.status).toBe(200);
    const records = history.body.records as Record<string, unknown>[];
    expect(history.body.total).toBe(records.length);
    expect(records.slice(0, 2).map((r) => r.session_id)).toEqual([second, first]);
    expect(records[1]).toEqual({
      session_id: first,
      text: `${PHRASE} ${PHRASE}`,
      duration: expect.any(Number),
      chunk_count: 2,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      completed_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      audio_seconds: 0.4,
      partial: false,
    });
    expect(await api(gateway, `/api/v1/session/${first}`, { token: TOKEN })).toEqual({
      status: 200,
      body: {
        id: first,
        user_id: 'anonymous',
        status: 'done',
        chunk_count: 2,
        results: { 0: PHRASE, 1: PHRASE },
        completed: { 0: true, 1: true },
        final_text: `${PHRASE} ${PHRASE}`,
        duration: expect.any(Number),
        created_at: expect.any(String),
        completed_at: expect.any(String),
        audio_seconds: 0.4,
        partial: false,
      },
    });
    expect((await api(gateway, '/api/v1/history?limit=1', { token: TOKEN })).body.total).toBe(1);
    for (const bad of ['0', '101', 'lots'])
      expect(await api(gateway, `/api/v1/history?limit=${bad}`, { token: TOKEN })).toMatchObject({
        status: 400,
        body: { code: 'bad_request' },
      });
  });

  it('shows a session still recording, from the live sessions', async () => {
    const client = await TestClient.connect(gateway.url, { headers: { authorization: `Bearer ${TOKEN}` } });
    const id = randomUUID();
    client.send({ action: 'start', session_id: id, user_id: 'ana' });
    await client.nextOfType('ack');
    client.chunk(id, 0, wavBase64(0.2));
    await client.nextOfType('chunk_result', id);
    expect((await api(gateway, `/api/v1/session/${id}`, { token: TOKEN })).body).toEqual({
      id,
      user_id: 'ana',
      status: 'recording',
      chunk_count: 1,
      results: { 0: PHRASE },
      completed: { 0: true },
      final_text: '',
      duration: 0,
      created_at: expect.any(String),
      audio_seconds: 0.2,
    });
    await client.close();
  });

  it('deletes a session: gone from the lookup and from the history; unknown ids get 404', async () => {
    const id = await runSession(gateway, 1, TOKEN);
    expect(await api(gateway, `/api/v1/session/${id}`, { method: 'DELETE', token: TOKEN })).toEqual({
      status: 200,
      body: { message: 'Session deleted' },
    });
    expect(await api(gateway, `/api/v1/session/${id}`, { token: TOKEN })).toEqual({
      status: 404,
      body: { error: 'Session not found', code: 'session_not_found' },
    });
    const history = await api(gateway, '/api/v1/history?limit=100', { token: TOKEN });
    expect((history.body.records as { session_id: string }[]).map((r) => r.session_id)).not.toContain(id);
    expect((await api(gateway, `/api/v1/session/${id}`, { method: 'DELETE', token: TOKEN })).status).toBe(
      404,
    );
    expect((await api(gateway, '/api/v1/history', { method: 'POST', token: TOKEN })).status).toBe(405);
  });

  it('reports recognition totals and the history storage', async () => {
    const { status, body } = await api(gateway, '/api/v1/stats', { token: TOKEN });
    expect(status).toBe(200);
    expect(body).toEqual({
      total_tasks: expect.any(Number),
      total_duration: expect.any(Number),
      avg_rtf: expect.any(Number),
      storage_used: expect.stringMatching(/^\d+\.\d\d MB$/),
      sessions_in_history: expect.any(Number),
    });
    expect(body.total_tasks).toBeGreaterThanOrEqual(5);
    expect(body.total_duration).toBeCloseTo((body.total_tasks as number) * 0.2, 5);
  });
});

describe('session lookup API, base protocol and retention', () => {
  it('answers in the base shapes only, errors without a code', async () => {
    const gateway = await gatewayWith(['--base-protocol']);
    const id = await runSession(gateway, 2);
    const history = await api(gateway, '/api/v1/history');
    expect(history.body).toEqual({
      total: 1,
      records: [
        {
          session_id: id,
          text: `${PHRASE}${PHRASE}`,
          duration: expect.any(Number),
          chunk_count: 2,
          created_at: expect.any(String),
        },
      ],
    });
    expect(Object.keys((await api(gateway, `/api/v1/session/${id}`)).body).sort()).toEqual([
      'chunk_count',
      'completed',
      'completed_at',
      'created_at',
      'duration',
      'final_text',
      'id',
      'results',
      'status',
      'user_id',
    ]);
    expect(Object.keys((await api(gateway, '/api/v1/stats')).body).sort()).toEqual([
      'avg_rtf',
      'storage_used',
      'total_duration',
      'total_tasks',
    ]);
    expect(await api(gateway, '/api/v1/session/nobody')).toEqual({
      status: 404,
      body: { error: 'Session not found' },
    });
  });

  it('keeps at most --history-max-sessions, newest first, and none with 0', async () => {
    const gateway = await gatewayWith(['--history-max-sessions', '2']);
    const ids = [await runSession(gateway, 1), await runSession(gateway, 1), await runSession(gateway, 1)];
    const records = (await api(gateway, '/api/v1/history')).body.records as { session_id: string }[];
    expect(records.map((r) => r.session_id)).toEqual([ids[2], ids[1]]);

    const none = await gatewayWith(['--history-max-sessions', '0']);
    await runSession(none, 1);
    expect((await api(none, '/api/v1/history')).body).toEqual({ total: 0, records: [] });
  });

  it('forgets a finished session --history-max-age-ms after it finished', async () => {
    const gateway = await gatewayWith(['--history-max-age-ms', '1500']);
    await runSession(gateway, 1);
    expect((await api(gateway, '/api/v1/history')).body.total).toBe(1);
    await waitFor(
      'the session to age out of the history',
      async () => ((await api(gateway, '/api/v1/history')).body.total === 0 ? true : undefined),
      10_000,
      100,
    );
  });
});
