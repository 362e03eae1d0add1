// status.lookupSession, the call behind the Status view's session lookup, through the real
// web host and its WebSocket API: the id is validated at the boundary, every configured
// gateway is asked (a session lives on the one its recording went to), the stored token
// goes along, and each failure says which gateway said what. The kikipounamu handler is
// its test double (test/interop/kikipounamu-double.ts): its answers have the base shapes.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../../src-shared/api/common.js';
import { encodeWav } from '../../../src-shared/audio/wav.js';
import { ensureBuilt } from '../../helpers/build.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { waitFor } from '../../helpers/wait.js';
import { KikipounamuDouble } from '../../interop/kikipounamu-double.js';
import { TestClient, type Message } from '../../src-gateway/support/test-client.js';
import { startWebFixture, type WebFixture } from './web-fixture.js';

const TOKEN = 'lookup-test-token';
let fx: WebFixture;
let double: KikipounamuDouble;
let gateway: TestGateway;
let downUrl: string;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function tone(seconds: number): Uint8Array {
  const pcm = new Int16Array(Math.round(seconds * 16_000));
  for (let i = 0; i < pcm.length; i++) pcm[i] = Math.round(5000 * Math.sin(i / 9));
  return encodeWav(pcm);
}

/** A finished session of `chunks` chunks; the failed ones (double only) get no result. */
async function finishedSession(url: string, chunks: number, headers: Record<string, string> = {}) {
  const client = await TestClient.connect(url, { headers });
  const id = randomUUID();
  client.start(id);
  await client.nextOfType('ack', id);
  for (let index = 0; index < chunks; index++) client.chunk(id, index, tone(0.3));
  client.finish(id);
  const final: Message = await client.nextOfType('final_result', id, 20_000);
  await client.close();
  return { id, final };
}

const host = (url: string) => new URL(url).host;

beforeAll(async () => {
  await ensureBuilt();
  [double, gateway, downUrl] = await Promise.all([
    KikipounamuDouble.start({ phrase: 'charlie', failChunk: (index) => index === 1 }),
    startGateway(['--token', TOKEN, '--synthetic-phrase', 'delta']),
    freePort().then((port) => `ws://127.0.0.1:${port}/ws/asr`),
  ]);
  fx = await startWebFixture({});
});

afterAll(async () => {
  await fx?.close();
  await Promise.all([double?.close(), gateway?.stop()]);
});

async function useGateways(urls: string[], token: string | null): Promise<void> {
  const saved = await fx.api.call('settings.set', { gatewayUrls: urls, token });
  expect(saved.ok).toBe(true);
}

describe('status.lookupSession', () => {
  it('refuses an id that is empty, too long, not printable, or a call with other fields', async () => {
    for (const input of [
      { sessionId: '' },
      { sessionId: '   ' },
      { sessionId: 'x'.repeat(129) },
      { sessionId: 'a\nb' },
      { sessionId: 'a\u202eb' },
      { sessionId: 'ok', url: 'ws://elsewhere.example/ws/asr' },
    ]) {
      const call = fx.api.call('status.lookupSession', input as { sessionId: string });
      await expect(call).rejects.toBeInstanceOf(ApiError);
      await expect(call).rejects.toMatchObject({ code: 'bad_input', message: /status.lookupSession/ });
    }
  });

  it('asks no gateway when none is configured', async () => {
    const saved = await fx.api.call('settings.set', { gatewayUrls: [], useEmbeddedGateway: false });
    expect(saved.ok).toBe(true);
    await waitFor(
      'the embedded gateway to stop',
      async () => ((await fx.api.call('status.get', {})).endpoints.length === 0 ? true : undefined),
      30_000,
    );
    expect(await fx.api.call('status.lookupSession', { sessionId: randomUUID() })).toEqual({
      found: false,
      attempts: [],
    });
  });

  it('finds a session on the kikipounamu handler after a gateway that is down, in its base shape', async () => {
    const { id, final } = await finishedSession(double.url, 3);
    await useGateways([downUrl, double.url], null);
    const answer = await fx.api.call('status.lookupSession', { sessionId: ` ${id} ` });
    expect(answer).toEqual({
      found: true,
      from: { gatewayUrl: double.url, label: host(double.url), message: `found on ${host(double.url)}` },
      session: {
        id,
        userId: 'anonymous',
        status: 'done',
        chunkCount: 3,
        // Chunk 1 failed: their worker records it done with no text.
        chunks: [
          { index: 0, recognised: true, text: 'charlie' },
          { index: 1, recognised: true, text: '' },
          { index: 2, recognised: true, text: 'charlie' },
        ],
        finalText: final.text,
        duration: expect.any(Number),
        createdAt: expect.any(String),
        completedAt: expect.any(String),
      },
    });
    expect(final.text).toBe('charliecharlie');
  });

  it('answers with what each gateway said when none has the session', async () => {
    const unknown = randomUUID();
    const answer = await fx.api.call('status.lookupSession', { sessionId: unknown });
    expect(answer).toEqual({
      found: false,
      attempts: [
        {
          gatewayUrl: downUrl,
          label: host(downUrl),
          failure: 'unreachable',
          message: 'cannot reach the gateway (ECONNREFUSED)',
        },
        {
          gatewayUrl: double.url,
          label: host(double.url),
          failure: 'not_found',
          message: `no session ${unknown} on this gateway`,
        },
      ],
    });
  });

  it('sends the stored token: refused without the right one, found with it', async () => {
    const { id, final } = await finishedSession(gateway.url, 2, { authorization: `Bearer ${TOKEN}` });
    await useGateways([gateway.url], null);
    expect(await fx.api.call('status.lookupSession', { sessionId: id })).toMatchObject({
      found: false,
      attempts: [{ failure: 'unauthorized', message: 'the gateway wants a token and none is set' }],
    });
    await useGateways([gateway.url], 'not-the-token');
    expect(await fx.api.call('status.lookupSession', { sessionId: id })).toMatchObject({
      found: false,
      attempts: [{ failure: 'unauthorized', message: 'the gateway refused the token' }],
    });
    await useGateways([gateway.url], TOKEN);
    const answer = await fx.api.call('status.lookupSession', { sessionId: id });
    expect(answer).toMatchObject({
      found: true,
      session: {
        id,
        status: 'done',
        chunkCount: 2,
        chunks: [
          { index: 0, recognised: true, text: 'delta' },
          { index: 1, recognised: true, text: 'delta' },
        ],
        finalText: final.text,
        audioSeconds: expect.any(Number),
        partial: false,
      },
    });
    expect(JSON.stringify(answer)).not.toContain(TOKEN);
  });
});
