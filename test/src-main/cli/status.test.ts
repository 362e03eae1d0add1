// `earshot status` as a user runs it: the compiled CLI against a real gateway process,
// with an outbox folder written through the real store.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboxStore } from '../../../src-main/outbox/store.js';
import { ensureBuilt } from '../../helpers/build.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { addRecording, freePort } from '../upload/helpers.js';
import { runEarshot, type CliResult } from '../../helpers/earshot-cli.js';

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
    expect(status.health).toMatchObject({ ok: true, status: 'ready', engine: 'synthetic' });
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
    expect(output.stdout).toMatch(/^outbox +2 waiting \(2 queued\), 1 failed$/m);
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
