// `earshot stress` against a wss:// target. The gateway speaks plain ws (TLS is terminated in
// front of it, as a deployed gateway's load balancer does), so the test puts a real TLS
// front on 127.0.0.1 (test/helpers/tls-front.ts: a certificate made by openssl for this
// test, each connection piped to the real gateway). Certificates are checked by default
// (a self-signed one fails every session, and the report says how to fix it); --ca-file
// trusts it; --insecure skips the check and says so loudly.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, ensureBuilt } from '../../helpers/build.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { runEarshot } from '../../helpers/earshot-cli.js';
import { startTlsFront, type TlsFront } from '../../helpers/tls-front.js';

const AUDIO = join(REPO_ROOT, 'test', 'fixtures', 'short-01-rms.wav');

let gateway: TestGateway;
let scratch: string;
let front: TlsFront;
let wssUrl: string;
let certFile: string;

beforeAll(async () => {
  await ensureBuilt();
  gateway = await startGateway(['--synthetic-rtf', '0.01', '--log-level', 'warn']);
  scratch = mkdtempSync(join(tmpdir(), 'earshot-stress-tls-'));
  front = await startTlsFront(gateway.port, scratch);
  ({ url: wssUrl, certFile } = front);
}, 60_000);

afterAll(async () => {
  await front?.close();
  await gateway?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

function stress(dir: string, extra: string[]) {
  return runEarshot(
    [
      'stress',
      '--url',
      wssUrl,
      '-c',
      '2',
      '-d',
      '1s',
      '--audio',
      AUDIO,
      '--threads',
      '1',
      '--report-dir',
      join(scratch, dir),
      '--json',
      ...extra,
    ],
    120_000,
  );
}

const reportOf = (dir: string) => JSON.parse(readFileSync(join(scratch, dir, 'report.json'), 'utf8'));

describe('earshot stress over wss://', () => {
  it('checks certificates by default: a self-signed one fails every session, and the report says what to do', async () => {
    const result = await stress('untrusted', ['--threshold', 'error_rate<0.01']);
    expect(result.code).toBe(99);
    const report = reportOf('untrusted');
    expect(report.sessions.attempted).toBeGreaterThan(0);
    expect(report.outcomes.ok).toBe(0);
    expect(report.outcome_details.closed_early).toEqual({
      DEPTH_ZERO_SELF_SIGNED_CERT: report.sessions.attempted,
    });
    expect(report.observations.join('\n')).toMatch(
      /connections failed the TLS handshake \(DEPTH_ZERO_SELF_SIGNED_CERT: \d+\): the gateway's certificate was not trusted\. Give its CA with --ca-file, or --insecure/,
    );
  });

  it('trusts a certificate given with --ca-file and completes every session through TLS', async () => {
    const before = front.handshakes();
    const result = await stress('ca-file', ['--ca-file', certFile]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = reportOf('ca-file');
    expect(report.sessions.attempted).toBeGreaterThanOrEqual(2);
    expect(report.outcomes.ok).toBe(report.sessions.attempted);
    expect(report.config).toMatchObject({ url: wssUrl, insecure: false });
    expect(front.handshakes() - before).toBe(report.connections.attempts);
  });

  it('skips the check only with --insecure, and says so on the console, in the report and in junit.xml', async () => {
    const before = front.handshakes();
    const result = await stress('insecure', ['--insecure']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(
      `earshot stress: WARNING: --insecure: the TLS certificate of ${new URL(wssUrl).host} is NOT verified; anyone on the path can read and alter this traffic\n`,
    );
    const report = reportOf('insecure');
    expect(report.outcomes.ok).toBe(report.sessions.attempted);
    expect(report.config.insecure).toBe(true);
    expect(report.observations[0]).toMatch(/^TLS certificate verification was OFF \(--insecure\)/);
    expect(readFileSync(join(scratch, 'insecure', 'report.md'), 'utf8')).toContain(
      'TLS certificate verification was OFF',
    );
    expect(readFileSync(join(scratch, 'insecure', 'junit.xml'), 'utf8')).toContain(
      '<property name="tls_verification" value="OFF (--insecure)"/>',
    );
    expect(front.handshakes() - before).toBe(report.connections.attempts);
  });

  it('refuses a CA file that cannot be read or holds no certificate, before any traffic', async () => {
    const before = front.handshakes();
    const missing = await stress('x', ['--ca-file', join(scratch, 'nope.pem')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`earshot: cannot read CA file ${join(scratch, 'nope.pem')}: ENOENT\n`);
    const notPem = await stress('x', ['--ca-file', AUDIO]);
    expect(notPem.code).toBe(2);
    expect(notPem.stderr).toBe(
      `earshot: CA file ${AUDIO} holds no PEM certificate (-----BEGIN CERTIFICATE-----)\n`,
    );
    expect(front.handshakes()).toBe(before);
  });
});
