// `earshot status` as a user runs it: the compiled CLI against a real gateway process,
// with an outbox folder written through the real store.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboxStore } from '../../../src-main/outbox/store.js';
import { ensureBuilt } from '../../helpers/build.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { addRecording, freePort } from '../upload/helpers.js';
import { runEarshot, type CliResult } from '../../helpers/earshot-cli.js';
import { TestClient, wavBase64 } from '../../src-gateway/support/test-client.js';

function earshot(args: string[]): Promise<CliResult> {
  return runEarshot(args);
}

let gateway: TestGateway;
let dataDir: string;

beforeAll(async () => {
  await ensureBuilt();
  gateway = await startGateway(['--token', 'status-secret-42'], { skipBuild: true });
  dataDir = mkdtempSync(join(tmpdir(), 'earshot-status-'));
  const store = OutboxStore.open(dataDir);
  addRecording(store, 'short-01-rms.wav');
  addRecording(store, 'short-02-kal16.wav');
  const failed = addRecording(store, 'short-03-awb.wav');
  store.markFailed(failed.id, 'bad_audio: test');
  store.close();
});

afterAll(async () => {
  await gateway?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('earshot status', () => {
  it('--json reports state, RTT, health and queue depth, with the token redacted', async () => {
    const output = await earshot([
      'status',
      '--url',
      `${gateway.url}?token=status-secret-42`,
      '--json',
      '--data-dir',
      dataDir,
    ]);
    expect(output.code).toBe(0);
    expect(output.stdout).not.toContain('status-secret-42');
    const lines = output.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const status = JSON.parse(lines[0]);
    expect(status.state).toBe('idle'); // connected, measured, and closed again
    expect(status.counters.connects).toBe(1);
    expect(typeof status.rttMs).toBe('number');
    expect(status.health).toMatchObject({
      ok: true,
      status: 'ready',
      engine: 'synthetic',
      // The gateway main thread's event-loop lag, over its last window.
      event_loop_lag_ms: { p50: expect.any(Number), p99: expect.any(Number), max: expect.any(Number) },
    });
    expect(status.queue).toEqual({ waiting: 2, byState: { queued: 2 }, failed: 1 });
    expect(status.url).toContain('token=REDACTED');
  });

  it('prints readable lines, with the token from --token', async () => {
    const output = await earshot([
      'status',
      '--url',
      gateway.url,
      '--token',
      'status-secret-42',
      '--data-dir',
      dataDir,
    ]);
    expect(output.code).toBe(0);
    expect(output.stdout).toMatch(/^gateway +ws:\/\/127\.0\.0\.1:\d+\/ws\/asr$/m);
    expect(output.stdout).toMatch(/^rtt +\d+\.\d+ ms$/m);
    expect(output.stdout).toMatch(/^health +ready \(engine synthetic/m);
    expect(output.stdout).toMatch(/, expected wait \d+\.\d s, throughput \d+\.\d audio-s\/s,/);
    expect(output.stdout).toMatch(/, event-loop lag p99 \d+\.\d ms \(max \d+\.\d ms\),/);
    expect(output.stdout).toMatch(/^outbox +2 waiting \(2 queued\), 1 failed$/m);
  });

  it('--session looks a session up on the gateway (GET /api/v1/session/:id, with the token)', async () => {
    const client = await TestClient.connect(gateway.url, {
      headers: { authorization: 'Bearer status-secret-42' },
    });
    const id = randomUUID();
    client.send({ action: 'start', session_id: id, user_id: 'support-case-9' });
    await client.nextOfType('ack');
    client.chunk(id, 0, wavBase64(0.2));
    client.finish(id);
    await client.nextOfType('final_result', id);
    await client.close();

    const human = await earshot([
      'status',
      '--url',
      gateway.url,
      '--token',
      'status-secret-42',
      '--session',
      id,
    ]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^protocol +Earshot extensions$/m);
    expect(human.stdout).toMatch(new RegExp(`^session +${id}$`, 'm'));
    expect(human.stdout).toMatch(/^user +support-case-9$/m);
    expect(human.stdout).toMatch(/^status +done$/m);
    expect(human.stdout).toMatch(/^chunks +1 \(1 of 1 recognised\)$/m);
    expect(human.stdout).toMatch(/^text +synthetic transcript$/m);

    const json = await earshot([
      'status',
      '--url',
      `${gateway.url}?token=status-secret-42`,
      '--json',
      '--session',
      id,
    ]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      protocol: 'earshot',
      session: { id, status: 'done', chunk_count: 1, final_text: 'synthetic transcript', partial: false },
    });

    const unknown = await earshot([
      'status',
      '--url',
      gateway.url,
      '--token',
      'status-secret-42',
      '--session',
      'nobody',
    ]);
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toMatch(/^session +no session nobody on this gateway$/m);
  });

  it('exits 1 and says why when the gateway refuses the token or is down', async () => {
    const refused = await earshot(['status', '--url', gateway.url, '--json']);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout).state).toBe('unauthorized');

    const down = await earshot(['status', '--url', `ws://127.0.0.1:${await freePort()}/ws/asr`]);
    expect(down.code).toBe(1);
    expect(down.stdout).toMatch(/^state +offline$/m);
    expect(down.stdout).toMatch(/^error +cannot reach gateway .*ECONNREFUSED/m);

    const bad = await earshot(['status', '--url', 'nonsense']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });
});
