// Who gets in, and who is told to come back: backlog-based `busy` for chunks, the
// optional connection cap (503 + Retry-After), tokens (401), and that a flood of
// refusals costs a handful of log lines, not one per refusal (the seed's lesson).
import { request as httpRequest } from 'node:http';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../helpers/build.js';
import { startGateway } from '../helpers/gateway.js';
import { expectRefusal } from './support/refusal.js';
import { TestClient, sessionId, wavBase64 } from './support/test-client.js';

// The first build of a run can be slow on a busy machine: give it room.
beforeAll(() => ensureBuilt(), 300_000);

describe('backlog admission', () => {
  it('refuses a chunk over the queued-audio bound with busy + retry_after_ms, and nothing else', async () => {
    const gateway = await startGateway([
      '--workers',
      '1',
      '--synthetic-cost-ms',
      '1500',
      '--max-backlog-seconds',
      '2',
      // The ceiling is the subject: admission by wait is turned off (its tests: admission-by-wait.test.ts).
      '--max-queue-wait-ms',
      '0',
    ]);
    try {
      const client = await TestClient.connect(gateway.url);
      const id = sessionId();
      client.start(id);
      await client.nextOfType('ack');
      client.chunk(id, 0, wavBase64(1));
      client.chunk(id, 1, wavBase64(1));
      client.chunk(id, 2, wavBase64(1)); // 3 s queued > 2 s bound
      expect(await client.next((m) => m.chunk_index === 0)).toMatchObject({
        type: 'ack',
        status: 'received',
      });
      expect(await client.next((m) => m.chunk_index === 1)).toMatchObject({
        type: 'ack',
        status: 'received',
      });
      const busy = await client.next((m) => m.chunk_index === 2);
      expect(busy).toMatchObject({ type: 'error', code: 'busy', session_id: id, chunk_index: 2 });
      expect(busy.retry_after_ms).toBeGreaterThan(0);

      // Connections and sessions are still welcome while the backlog is full.
      const other = await TestClient.connect(gateway.url);
      const otherId = sessionId();
      other.start(otherId);
      expect(await other.nextOfType('ack')).toMatchObject({ status: 'session_started' });
      const queue = (await (await fetch(`${gateway.httpUrl}/api/v1/asr/queue/status`)).json()) as Record<
        string,
        number
      >;
      expect(queue.queued + queue.processing).toBe(2);
      await other.close();

      // Once the backlog drains, the refused chunk is accepted.
      await client.next((m) => m.type === 'chunk_result' && m.chunk_index === 1, 20_000);
      client.chunk(id, 2, wavBase64(1));
      expect(await client.next((m) => m.chunk_index === 2 && m.type === 'ack')).toMatchObject({
        status: 'received',
      });
      client.finish(id);
      const final = await client.nextOfType('final_result', id, 20_000);
      expect(final).toMatchObject({
        chunk_count: 3,
        text: 'synthetic transcript synthetic transcript synthetic transcript',
      });
      expect(final.partial).toBeUndefined();
      await client.close();
      const metrics = await (await fetch(`${gateway.httpUrl}/metrics`)).text();
      expect(metrics).toMatch(/^earshot_protocol_errors_total\{code="busy"\} 1$/m);
    } finally {
      await gateway.stop();
    }
  });
});

describe('connection cap', () => {
  it('is off by default and, with --max-connections, answers 503 JSON with Retry-After', async () => {
    const gateway = await startGateway(['--workers', '1', '--max-connections', '2']);
    try {
      // Malformed handshakes (no Sec-WebSocket-Key) are answered 400 and hold no slot.
      for (let i = 0; i < 5; i++) {
        const status = await new Promise<number>((resolve, reject) => {
          const request = httpRequest(`${gateway.httpUrl}/ws/asr`, {
            headers: { connection: 'Upgrade', upgrade: 'websocket' },
          });
          request.on('response', (response) => resolve(response.statusCode ?? 0));
          request.on('upgrade', () => reject(new Error('upgraded without a key')));
          request.on('error', reject);
          request.end();
        });
        expect(status).toBe(400);
      }
      const a = await TestClient.connect(gateway.url);
      const b = await TestClient.connect(gateway.url);
      const refusal = await expectRefusal(gateway.url);
      expect(refusal.status).toBe(503);
      expect(refusal.headers['retry-after']).toMatch(/^\d+$/);
      expect(refusal.body).toMatchObject({ code: 'busy' });
      expect(typeof refusal.body.error).toBe('string');
      await a.close();
      // The freed slot is usable again (the close reaches the gateway asynchronously).
      let c: TestClient | undefined;
      for (let attempt = 0; attempt < 50 && !c; attempt++) {
        c = await TestClient.connect(gateway.url).catch(() => undefined);
        if (!c) await new Promise((r) => setTimeout(r, 50));
      }
      expect(c).toBeDefined();
      await c?.close();
      await b.close();
    } finally {
      await gateway.stop();
    }
  });
});

describe('token', () => {
  const token = 'tok-7f3a9c-never-logged';

  it('refuses a missing or wrong token with 401 and accepts Bearer or ?token=, never logging it', async () => {
    const gateway = await startGateway(['--workers', '1', '--token', token, '--log-level', 'trace']);
    expect(gateway.stderr()).toContain('"auth":true');
    try {
      const missing = await expectRefusal(gateway.url);
      expect(missing.status).toBe(401);
      expect(missing.body).toMatchObject({ code: 'unauthorized' });
      expect((await expectRefusal(`${gateway.url}?token=wrong`)).status).toBe(401);
      expect((await expectRefusal(gateway.url, { headers: { authorization: 'Bearer wrong' } })).status).toBe(
        401,
      );
      expect(
        (await expectRefusal(gateway.url, { headers: { authorization: `Bearer ${token}x` } })).status,
      ).toBe(401);

      const bearer = await TestClient.connect(gateway.url, { headers: { authorization: `Bearer ${token}` } });
      const id = sessionId();
      bearer.start(id);
      expect(await bearer.nextOfType('ack')).toMatchObject({ status: 'session_started' });
      await bearer.close();
      const query = await TestClient.connect(`${gateway.url}?token=${token}`);
      query.start(sessionId());
      expect(await query.nextOfType('ack')).toMatchObject({ status: 'session_started' });
      await query.close();
      // HTTP routes stay open for monitoring.
      expect((await fetch(`${gateway.httpUrl}/api/v1/health`)).status).toBe(200);
    } finally {
      await gateway.stop();
    }
    // argv carries the token, but no log line may: stderr is the log (trace level, after stop).
    expect(gateway.stderr()).not.toContain(token);
  });

  it('a flood of 2,000 refused connections produces a handful of log lines, with the counts', async () => {
    const gateway = await startGateway(['--workers', '1', '--token', token, '--log-summary-ms', '2000']);
    try {
      const linesBefore = gateway.stderr().split('\n').filter(Boolean).length;
      const total = 2000;
      const parallel = 50;
      let refused = 0;
      for (let sent = 0; sent < total; sent += parallel) {
        const batch = Array.from({ length: Math.min(parallel, total - sent) }, () =>
          expectRefusal(gateway.url),
        );
        for (const refusal of await Promise.all(batch)) if (refusal.status === 401) refused++;
      }
      expect(refused).toBe(total);
      // Wait (bounded) for the summary window to close.
      const deadline = Date.now() + 10_000;
      const counted = () =>
        gateway
          .stderr()
          .split('\n')
          .filter((line) => line.includes('"repeated_events"'))
          .reduce(
            (sum, line) =>
              sum +
              ((JSON.parse(line) as { counts: Record<string, number> }).counts.refused_unauthorized ?? 0),
            0,
          );
      while (counted() < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(counted()).toBe(total);
      const newLines = gateway.stderr().split('\n').filter(Boolean).length - linesBefore;
      // One summary line per 2 s window, whatever the number of refusals (the flood takes a few seconds).
      expect(newLines).toBeLessThanOrEqual(12);
    } finally {
      await gateway.stop();
    }
    expect(gateway.stderr()).not.toContain(token);
  });
});
