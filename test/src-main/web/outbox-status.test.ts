// The Status view while the gateway is down: the recording stays queued in the outbox,
// the endpoint shows the backoff in its timeline, discard removes a queued item, and
// "retry now" after the gateway is back delivers at once instead of after the backoff.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeProtocolWav } from '../../../src-shared/audio/wav.js';
import { REPO_ROOT, ensureBuilt } from '../../helpers/build.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { startWebFixture, type WebFixture } from './web-fixture.js';

const pcm = decodeProtocolWav(readFileSync(join(REPO_ROOT, 'assets', 'sample.wav')));
let fx: WebFixture;
let gateway: TestGateway | undefined;
let port = 0;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port: p } = server.address() as { port: number };
      server.close(() => resolve(p));
    });
  });
}

async function dictate(): Promise<string> {
  const { dictationId, recordingId } = await fx.api.call('dictation.start', {});
  let seq = 0;
  for (let offset = 0; offset < pcm.length; offset += 1600)
    fx.api.sendAudio({ dictationId, seq: seq++, pcm: pcm.subarray(offset, offset + 1600) });
  await fx.api.call('dictation.stop', { dictationId });
  return recordingId;
}

beforeAll(async () => {
  await ensureBuilt();
  port = await freePort();
  fx = await startWebFixture({ gatewayUrl: `ws://127.0.0.1:${port}/ws/asr` });
});

afterAll(async () => {
  await fx?.close();
  await gateway?.stop();
});

describe('status while the gateway is away', () => {
  let kept = '';

  it('keeps dictations queued and shows the endpoint backing off', async () => {
    kept = await dictate();
    const dropped = await dictate();
    await expect
      .poll(async () => (await fx.api.call('status.get', {})).endpoints[0]?.timeline.map((t) => t.state), {
        timeout: 30_000,
        interval: 250,
      })
      .toContainEqual(expect.stringMatching(/backing_off|offline/));
    const status = await fx.api.call('status.get', {});
    expect(status.queue.items.map((i) => i.recordingId).sort()).toEqual([kept, dropped].sort());
    expect(status.queue.depth).toBe(2);
    const failure = status.endpoints[0].timeline.find(
      (t) => t.state === 'backing_off' || t.state === 'offline',
    )!;
    expect(failure.reason).toBeTruthy();
    // Reasons belong to failures; a connect attempt does not repeat the previous one.
    expect(status.endpoints[0].timeline.filter((t) => t.state === 'connecting' && t.reason)).toEqual([]);
    // Per item: the attempts made, when the next is, why the last failed; and the errors list.
    await expect
      .poll(
        async () =>
          (await fx.api.call('status.get', {})).queue.items.find((i) => i.recordingId === kept)?.attempts ??
          0,
        { timeout: 30_000, interval: 250 },
      )
      .toBeGreaterThan(0);
    const item = (await fx.api.call('status.get', {})).queue.items.find((i) => i.recordingId === kept)!;
    expect(item.nextAttemptAt).toBeGreaterThan(0);
    expect(item.lastError).toMatch(/ECONNREFUSED|health probe failed/);
    expect(
      (await fx.api.call('status.get', {})).errors.some(
        (e) => e.source === 'connection' && /ECONNREFUSED/.test(e.message),
      ),
    ).toBe(true);
    expect(status.endpoints[0].health?.ok ?? false).toBe(false);
    for (const item of status.queue.items) expect(['queued', 'uploading', 'recording']).toContain(item.state);

    expect(await fx.api.call('status.discard', { recordingId: dropped })).toEqual({ ok: true });
    expect((await fx.api.call('status.get', {})).queue.items.map((i) => i.recordingId)).toEqual([kept]);
    await expect(fx.api.call('history.get', { recordingId: dropped })).rejects.toMatchObject({
      code: 'not_found',
    });
  });

  it('delivers on "retry now" once the gateway is back', async () => {
    gateway = await startGateway(
      ['--engine', 'synthetic', '--port', String(port), '--synthetic-phrase', 'back again'],
      { skipBuild: true },
    );
    expect(await fx.api.call('status.retryNow', { recordingId: kept })).toEqual({ ok: true });
    await expect
      .poll(async () => (await fx.api.call('history.get', { recordingId: kept })).state, {
        timeout: 30_000,
        interval: 250,
      })
      .toBe('done');
    expect((await fx.api.call('history.get', { recordingId: kept })).text).toContain('back again');
    const status = await fx.api.call('status.get', {});
    expect(status.queue.items).toEqual([]);
    expect(status.endpoints[0].timeline.map((t) => t.state)).toContain('connected');
    await expect(fx.api.call('status.retryNow', { recordingId: kept })).rejects.toMatchObject({
      code: 'conflict',
    });
    const diagnostics = JSON.parse((await fx.api.call('status.diagnostics', {})).content);
    expect(diagnostics.status.endpoints[0].url).toBe(`ws://127.0.0.1:${port}/ws/asr`);
    const connection = diagnostics.connections.find(
      (c: { url: string }) => c.url === `ws://127.0.0.1:${port}/ws/asr`,
    );
    expect(connection.counters.failures).toBeGreaterThan(0);
    expect(connection.events.map((e: { kind: string }) => e.kind)).toContain('connected');
  });
});
