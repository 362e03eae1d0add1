// 200 concurrent sessions on the synthetic engine: every one completes with its final
// result and none is refused (the gateway queues, it does not wall clients off).
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

it('completes 200 concurrent sessions, refusing none', async () => {
  const sessions = 200;
  const audio = wavBase64(0.5);
  const clients = await Promise.all(Array.from({ length: sessions }, () => TestClient.connect(gateway.url)));
  const health = (await (await fetch(`${gateway.httpUrl}/api/v1/health`)).json()) as Record<string, number>;
  expect(health.connections).toBe(sessions);

  const finals = await Promise.all(
    clients.map(async (client) => {
      const id = sessionId('c');
      client.start(id);
      await client.nextOfType('ack', id, 60_000);
      client.chunk(id, 0, audio);
      client.chunk(id, 1, audio);
      client.finish(id);
      const final = await client.nextOfType('final_result', id, 90_000);
      return { id, final, errors: client.all((m) => m.type === 'error') };
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
  expect(metrics).not.toMatch(/earshot_protocol_errors_total\{/);
});
