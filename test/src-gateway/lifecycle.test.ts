// The gateway process's life: flags, engine load failure, heartbeat, idle-session sweep
// and graceful shutdown (finish in-flight work, finals out, close 1001, exit 0).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import WebSocket from 'ws';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../helpers/build.js';
import { GATEWAY_SCRIPT, startGateway } from '../helpers/gateway.js';
import { freePort } from '../helpers/redis.js';
import { TestClient, sessionId, wavBase64 } from './support/test-client.js';

const run = promisify(execFile);

beforeAll(() => ensureBuilt(), 300_000);

async function runGateway(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [GATEWAY_SCRIPT, ...args], {
      env: { ...process.env, ...env },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('command line', () => {
  it.each([
    [['--port', 'abc'], /--port/],
    [['--port', '70000'], /--port must be <= 65535/],
    [['--workers', '0'], /--workers must be > 0/],
    [['--engine', 'whisper'], /--engine/],
    [['--merge-timeout-ms', '-5'], /--merge-timeout-ms/],
    [['--redis', 'not a url'], /--redis/],
    [['--bogus'], /unknown option '--bogus'/],
    [['extra-argument'], /too many arguments|unexpected/i],
  ])('%j -> exit 2 with one line', async (args, reason) => {
    const result = await runGateway(args);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(reason);
  });

  it('an engine that cannot load -> exit 1 with the reason, no stack trace', async () => {
    const result = await runGateway(['--port', '0', '--engine', 'pocketsphinx', '--workers', '1'], {
      EARSHOT_PS_MODEL_DIR: '/nonexistent/earshot-model',
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^earshot gateway: engine "pocketsphinx" failed to load: /);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('a Redis that cannot be reached -> exit 1 with one line naming it, password masked', async () => {
    const port = await freePort(); // nothing listens there
    const result = await runGateway(['--port', '0', '--redis', `redis://:s3cret@127.0.0.1:${port}`]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toEqual([
      `earshot gateway: cannot reach Redis at redis://:***@127.0.0.1:${port}: connection refused`,
    ]);
    expect(result.stderr).not.toContain('s3cret');
  });
});

describe('heartbeat', () => {
  it('drops a peer that does not answer pings, keeps one that does', async () => {
    const gateway = await startGateway([
      '--workers',
      '1',
      '--heartbeat-interval-ms',
      '300',
      '--heartbeat-timeout-ms',
      '1500',
    ]);
    try {
      const silent = await TestClient.connect(gateway.url, { autoPong: false } as WebSocket.ClientOptions);
      const healthy = await TestClient.connect(gateway.url);
      let pings = 0;
      healthy.socket.on('ping', () => pings++);
      const code = await Promise.race([
        silent.closed,
        new Promise<string>((r) => setTimeout(() => r('still open'), 10_000)),
      ]);
      expect(code).toBe(1006); // terminated, no close frame
      expect(pings).toBeGreaterThanOrEqual(2);
      expect(healthy.socket.readyState).toBe(WebSocket.OPEN);
      healthy.start(sessionId());
      expect(await healthy.nextOfType('ack')).toMatchObject({ status: 'session_started' });
      await healthy.close();
    } finally {
      await gateway.stop();
    }
  });
});

describe('idle sessions', () => {
  it('sweeps a session left without a connection past --session-idle-ms', async () => {
    const gateway = await startGateway(['--workers', '1', '--session-idle-ms', '2000']);
    try {
      const client = await TestClient.connect(gateway.url);
      const id = sessionId();
      client.start(id);
      await client.nextOfType('ack');
      client.chunk(id, 0, wavBase64(0.1));
      await client.nextOfType('chunk_result');
      await client.close();
      const active = async () =>
        ((await (await fetch(`${gateway.httpUrl}/api/v1/health`)).json()) as { sessions_active: number })
          .sessions_active;
      expect(await active()).toBe(1);
      const deadline = Date.now() + 10_000;
      while ((await active()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      expect(await active()).toBe(0);
      const again = await TestClient.connect(gateway.url);
      // On an open connection too (issue 10): a finished session is swept after the idle
      // time, and so is an unfinished one, whose client is told.
      const done = sessionId('done');
      again.start(done);
      await again.nextOfType('ack', done);
      again.finish(done);
      await again.nextOfType('final_result', done);
      again.start(id);
      expect(await again.nextOfType('ack', id)).toMatchObject({ status: 'session_started' });
      const expired = await again.next((m) => m.type === 'error' && m.session_id === id, 15_000);
      expect(expired).toMatchObject({ code: 'session_not_found' });
      // `done` was idle longer: the same sweep or an earlier one took it.
      again.chunk(id, 0, wavBase64(0.1));
      expect(await again.next((m) => m.chunk_index === 0 && m.session_id === id)).toMatchObject({
        type: 'error',
        code: 'session_not_found',
      });
      again.start(done);
      expect(await again.nextOfType('ack', done)).toMatchObject({ status: 'session_started' });
      await again.close();
    } finally {
      await gateway.stop();
    }
  });
});

describe('graceful shutdown', () => {
  it('on SIGTERM stops accepting, lets in-flight chunks finish, sends the final, closes with 1001, exits 0', async () => {
    const gateway = await startGateway([
      '--workers',
      '1',
      '--synthetic-cost-ms',
      '700',
      '--shutdown-grace-ms',
      '20000',
    ]);
    const client = await TestClient.connect(gateway.url);
    const id = sessionId();
    client.start(id);
    await client.nextOfType('ack');
    client.chunk(id, 0, wavBase64(0.2));
    client.chunk(id, 1, wavBase64(0.2));
    await client.next((m) => m.chunk_index === 1 && m.type === 'ack');
    client.finish(id);
    gateway.process.kill('SIGTERM');
    // The listener closes first: new connections are turned away.
    let refused = false;
    for (let attempt = 0; attempt < 40 && !refused; attempt++) {
      const probe = await TestClient.connect(gateway.url).catch(() => undefined);
      if (probe) {
        await probe.close();
        await new Promise((r) => setTimeout(r, 25));
      } else refused = true;
    }
    expect(refused).toBe(true);
    const final = await client.nextOfType('final_result', id, 20_000);
    expect(final).toMatchObject({ chunk_count: 2, text: 'synthetic transcript synthetic transcript' });
    expect(final.partial).toBeUndefined();
    expect(await client.closed).toBe(1001);
    expect(await gateway.exited).toBe(0);
  });

  it('past the grace period sends a partial final, then closes with 1001 and exits 0', async () => {
    const gateway = await startGateway([
      '--workers',
      '1',
      '--synthetic-cost-ms',
      '5000',
      '--shutdown-grace-ms',
      '300',
    ]);
    const client = await TestClient.connect(gateway.url);
    const id = sessionId();
    client.start(id);
    await client.nextOfType('ack');
    client.chunk(id, 0, wavBase64(0.2));
    await client.next((m) => m.status === 'received');
    client.finish(id);
    await new Promise((r) => setTimeout(r, 100));
    await gateway.stop('SIGINT');
    expect(await gateway.exited).toBe(0);
    const final = await client.nextOfType('final_result', id, 1_000);
    expect(final).toMatchObject({ partial: true, chunk_count: 1 });
    expect(await client.closed).toBe(1001);
  });
});
