// In-process pocketsphinx workers decode on libuv's threadpool, shared by all of them and
// sized once per process (4 by default). A gateway with more workers than that runs with
// UV_THREADPOOL_SIZE >= workers: checked in the environment of the process that serves
// (what libuv reads when the pool starts), with real engines and a real chunk decoded.
import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../../helpers/build.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { TestClient, sessionId, wavBase64 } from '../support/test-client.js';

const WORKERS = 5; // one more than libuv's default pool

beforeAll(() => ensureBuilt(), 300_000);

/** The pid the gateway reports in its ready log line (the process running the engines). */
function servingPid(gateway: TestGateway): number {
  for (const line of gateway.stderr().split('\n')) {
    if (!line.includes('"event":"listening"')) continue;
    const pid = (JSON.parse(line) as { pid?: number }).pid;
    if (typeof pid === 'number') return pid;
  }
  throw new Error(`no listening log line with a pid; stderr: ${gateway.stderr().slice(-2000)}`);
}

function environment(pid: number): Map<string, string> {
  const entries = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
  return new Map(
    entries.map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]),
  );
}

async function gone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!existsSync(`/proc/${pid}`)) return true;
    await sleep(100);
  }
  return false;
}

async function startPocketsphinxGateway(): Promise<TestGateway> {
  return startGateway(
    ['--engine', 'pocketsphinx', '--workers', String(WORKERS), '--shutdown-grace-ms', '2000'],
    {
      skipBuild: true,
      timeoutMs: 240_000,
      env: { UV_THREADPOOL_SIZE: '' }, // whatever the test runner has, the gateway starts from libuv's default
    },
  );
}

describe(`gateway --engine pocketsphinx --workers ${WORKERS}`, () => {
  it('serves from a process whose libuv threadpool has a thread per worker; SIGTERM reaches it, exit 0', async () => {
    const gateway = await startPocketsphinxGateway();
    const pid = servingPid(gateway);
    try {
      expect(environment(pid).get('UV_THREADPOOL_SIZE')).toBe(String(WORKERS));
      const client = await TestClient.connect(gateway.url);
      const id = sessionId();
      client.start(id);
      await client.nextOfType('ack', id);
      client.chunk(id, 0, wavBase64(0.5));
      expect(await client.nextOfType('chunk_result', id, 120_000)).toMatchObject({ chunk_index: 0 });
      await client.close();
    } finally {
      await gateway.stop('SIGTERM');
    }
    expect(await gateway.exited).toBe(0);
    expect(await gone(pid, 10_000)).toBe(true);
  }, 300_000);

  it('the serving process stops by itself when the process that was started is SIGKILLed', async () => {
    const gateway = await startPocketsphinxGateway();
    const pid = servingPid(gateway);
    gateway.kill();
    await gateway.exited;
    expect(await gone(pid, 30_000)).toBe(true);
  }, 300_000);
});
