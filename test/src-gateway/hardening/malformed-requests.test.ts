// Issue 10, item 1: no request can kill the gateway. Request lines that Node's HTTP
// parser lets through but `new URL()` refuses (`GET //[`, `GET http://[`) used to throw
// out of the HTTP routes and out of the upgrade check (which runs before the token
// check), killing the process with one unauthenticated request. Every malformed request
// now gets a 4xx, is counted and sampled in the summary log line, and the gateway serves on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../../helpers/build.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { rawRequest, upgradeRequest } from '../../helpers/raw-http.js';
import { waitFor } from '../../helpers/wait.js';

const TOKEN = 'tok-malformed-4b1e';
let gateway: TestGateway;

beforeAll(async () => {
  await ensureBuilt();
  gateway = await startGateway(['--workers', '1', '--token', TOKEN, '--log-summary-ms', '200']);
}, 300_000);

afterAll(async () => {
  await gateway?.stop();
});

async function stillServing(): Promise<void> {
  expect(gateway.process.exitCode).toBeNull();
  const health = await fetch(`${gateway.httpUrl}/api/v1/health`);
  expect(health.status).toBe(200);
}

describe('malformed request targets', () => {
  it('answers GET //[ with a 4xx, plain and as an upgrade, and keeps serving', async () => {
    const plain = await rawRequest(gateway.port, 'GET //[ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    expect(plain.status).toBeGreaterThanOrEqual(400);
    expect(plain.status).toBeLessThan(500);
    const upgrade = await rawRequest(gateway.port, upgradeRequest('//['));
    expect(upgrade.status).toBeGreaterThanOrEqual(400);
    expect(upgrade.status).toBeLessThan(500);
    await stillServing();
  });

  it('answers targets no URL parser accepts with 400, samples them in the log with the token masked', async () => {
    for (const target of ['http://[', `http://[::1/ws/asr?token=${TOKEN}`, '*', 'ftp://x/ws/asr']) {
      const plain = await rawRequest(gateway.port, `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
      expect(plain.status, target).toBe(400);
      expect(plain.text).toContain('malformed request target');
      const upgrade = await rawRequest(gateway.port, upgradeRequest(target));
      expect(upgrade.status, target).toBe(400);
    }
    await stillServing();
    const summary = await waitFor('a summary line with samples', () =>
      gateway
        .stderr()
        .split('\n')
        .find((line) => line.includes('"refused_bad_request_target"') && line.includes('"samples"')),
    );
    expect(JSON.parse(summary).samples.refused_bad_request_target).toMatch(/^(http:\/\/\[|\*|ftp:)/);
    expect(gateway.stderr()).not.toContain(TOKEN);
  });

  // Found by the gateway fuzz: Node hands CONNECT to a 'connect' listener and, with none,
  // closed the connection without an answer.
  it('answers CONNECT with 405 instead of silence, whatever the target', async () => {
    for (const target of ['127.0.0.1:1', '/ws/asr', `/ws/asr?token=${TOKEN}`, '//[']) {
      const reply = await rawRequest(gateway.port, `CONNECT ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
      expect(reply.status, target).toBe(405);
      expect(reply.text).toMatch(/\r\nAllow: GET, HEAD, DELETE\r\n/);
    }
    await stillServing();
  });

  it('answers what the HTTP parser itself refuses with a 4xx instead of silence', async () => {
    for (const bytes of [
      'GET foo HTTP/1.1\r\n\r\n',
      'GARBAGE\r\n\r\n',
      'GET / HTTP/1.1\r\nBad Header\r\n\r\n',
    ]) {
      const reply = await rawRequest(gateway.port, bytes);
      expect(reply.status, JSON.stringify(bytes)).toBe(400);
    }
    const hugeHeader = `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`;
    expect((await rawRequest(gateway.port, hugeHeader)).status).toBe(431);
    await stillServing();
  });
});
