// 200 concurrent sessions on the synthetic engine: every one completes with its final
// result. The gateway admits by expected wait (docs/gateway.md, "Admission"): sessions
// beyond what it can serve within the target wait at the door, told when to come back,
// like our real clients do; no chunk is ever refused after it was sent.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ensureBuilt } from '../helpers/build.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { TestClient, sessionId, wavBase64 } from './support/test-client.js';

let gateway: TestGateway;

beforeAll(async () => {
  await ensureBuilt();
  gateway = await startGateway(['--workers', '2']);
}, 300_000);

afterAll(async () => {
  await gateway?.stop();
});

/** `start`, waiting at the door (retry_after_ms with jitter) while the gateway says busy. */
async function startWhenAdmitted(client: TestClient, id: string): Promise<number> {
  for (let refusals = 0; refusals < 200; refusals++) {
    client.start(id);
    const answer = await client.next(
      (m) => m.session_id === id && (m.type === 'ack' || m.type === 'error'),
      60_000,
    );
    if (answer.type === 'ack') return refusals;
    expect(answer).toMatchObject({ code: 'busy' });
    expect(answer.chunk_index).toBeUndefined();
    await sleep(Number(answer.retry_after_ms) * (1 + Math.random()));
  }
  throw new Error(`session ${id} was never admitted`);
}

it('completes 200 concurrent sessions; refusals happen at the door only, never to a chunk', async () => {
  const sessions = 200;
  const audio = wavBase64(0.5);
  // 200 connects at once are a burst: some may be told to come back (503 + Retry-After).
  const clients = await Promise.all(
    Array.from({ length: sessions }, () => TestClient.connectRetrying(gateway.url)),
  );
  const health = (await (await fetch(`${gateway.httpUrl}/api/v1/health`)).json()) as Record<string, number>;
  expect(health.connections).toBe(sessions);

  const finals = await Promise.all(
    clients.map(async (client) => {
      const id = sessionId('c');
      await startWhenAdmitted(client, id);
      client.chunk(id, 0, audio);
      client.chunk(id, 1, audio);
      client.finish(id);
      const final = await client.nextOfType('final_result', id, 90_000);
      return { id, final, errors: client.all((m) => m.type === 'error' && m.chunk_index !== undefined) };
    }),
  );
  for (const { id, final, errors } of finals) {
    expect(errors).toEqual([]);
    expect(final).toMatchObject({
      session_id: id,
      chunk_count: 2,
      audio_seconds: 1,
      text: 'synthetic transcript synthetic transcript',
    });
    expect(final.partial).toBeUndefined();
  }
  await Promise.all(clients.map((client) => client.close()));
  const metrics = await (await fetch(`${gateway.httpUrl}/metrics`)).text();
  expect(metrics).toMatch(/^earshot_chunks_received_total 400$/m);
  expect(metrics).toMatch(/^earshot_final_results_total\{partial="false"\} 200$/m);
  // Only door refusals, if any: no other error went out.
  expect(metrics).not.toMatch(/earshot_protocol_errors_total\{code="(?!busy")/);
  const doorRefusals = Number(/^earshot_sessions_busy_at_start_total (\d+)$/m.exec(metrics)?.[1]);
  const busyErrors = Number(/^earshot_protocol_errors_total\{code="busy"\} (\d+)$/m.exec(metrics)?.[1] ?? 0);
  expect(busyErrors).toBe(doorRefusals);
});
