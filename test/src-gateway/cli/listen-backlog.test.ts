// --listen-backlog: validated like every flag, and the value reaches listen(). The
// kernel's view of the listening socket (`ss -ltn`: Send-Q is the backlog of a LISTEN
// socket) is checked on a real gateway process; the somaxconn cap is read from a file.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenBacklog } from '../../../src-gateway/listen-backlog.js';
import { ensureBuilt } from '../../helpers/build.js';
import { GATEWAY_SCRIPT, startGateway } from '../../helpers/gateway.js';

const run = promisify(execFile);

beforeAll(() => ensureBuilt(), 300_000);

function hasSs(): boolean {
  try {
    execFileSync('ss', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Send-Q of the LISTEN socket on `port`, as the kernel reports it. */
function listenSendQ(port: number): number | undefined {
  const out = execFileSync('ss', ['-Hltn', `sport = :${port}`], { encoding: 'utf8' });
  const fields = out.trim().split(/\s+/);
  return fields.length >= 3 ? Number(fields[2]) : undefined;
}

function readyLine(stderr: string): { listen_backlog?: number } {
  const line = stderr.split('\n').find((l) => l.includes('"event":"listening"'));
  if (!line) throw new Error(`no listening log line; stderr: ${stderr.slice(-2000)}`);
  return JSON.parse(line) as { listen_backlog?: number };
}

describe('--listen-backlog', () => {
  for (const [value, message] of [
    ['0', '--listen-backlog must be > 0 (got "0")'],
    ['12.5', '--listen-backlog must be a whole number (got "12.5")'],
    ['lots', '--listen-backlog must be a number (got "lots")'],
  ]) {
    it(`refuses ${value} with one line, exit 2`, async () => {
      const failure = await run(process.execPath, [
        GATEWAY_SCRIPT,
        '--port',
        '0',
        '--listen-backlog',
        value,
      ]).then(
        () => undefined,
        (error: { code: number; stderr: string }) => error,
      );
      expect(failure?.code).toBe(2);
      expect(failure?.stderr).toBe(`earshot gateway: ${message}\n`);
    });
  }

  it('reaches listen(): the kernel holds the requested backlog and the ready line names it', async () => {
    const requested = 1234; // below somaxconn here (4096 by default), and not Node's 511
    const gateway = await startGateway(['--listen-backlog', String(requested), '--log-level', 'info']);
    try {
      const cap = listenBacklog(requested).effective;
      expect(readyLine(gateway.stderr()).listen_backlog).toBe(cap);
      if (hasSs()) expect(listenSendQ(gateway.port)).toBe(cap);
    } finally {
      await gateway.stop();
    }
  }, 60_000);

  it('says once when net.core.somaxconn caps the request, and listens with the cap', async () => {
    const somaxconn = listenBacklog(1).somaxconn;
    if (somaxconn === undefined || somaxconn >= 1_048_576) return; // no cap to exceed on this system
    const gateway = await startGateway(['--listen-backlog', String(somaxconn + 1), '--log-level', 'info']);
    try {
      const warnings = gateway
        .stderr()
        .split('\n')
        .filter((l) => l.includes('"event":"listen_backlog_capped"'));
      expect(warnings).toHaveLength(1);
      expect(JSON.parse(warnings[0])).toMatchObject({ listen_backlog: somaxconn + 1, somaxconn });
      expect(readyLine(gateway.stderr()).listen_backlog).toBe(somaxconn);
      if (hasSs()) expect(listenSendQ(gateway.port)).toBe(somaxconn);
    } finally {
      await gateway.stop();
    }
  }, 60_000);

  it('defaults to 4096 instead of Node 511', async () => {
    const gateway = await startGateway(['--log-level', 'info']);
    try {
      const cap = listenBacklog(4096).effective;
      expect(readyLine(gateway.stderr()).listen_backlog).toBe(cap);
      if (hasSs()) expect(listenSendQ(gateway.port)).toBe(cap);
    } finally {
      await gateway.stop();
    }
  }, 60_000);
});

describe('listenBacklog()', () => {
  const dir = mkdtempSync(join(tmpdir(), 'earshot-somaxconn-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is capped by somaxconn when that is lower', () => {
    const path = join(dir, 'low');
    writeFileSync(path, '128\n');
    expect(listenBacklog(4096, path)).toEqual({ requested: 4096, somaxconn: 128, effective: 128 });
  });

  it('keeps the request when somaxconn is higher or unreadable', () => {
    const path = join(dir, 'high');
    writeFileSync(path, '65535\n');
    expect(listenBacklog(4096, path)).toEqual({ requested: 4096, somaxconn: 65535, effective: 4096 });
    expect(listenBacklog(4096, join(dir, 'missing'))).toEqual({
      requested: 4096,
      somaxconn: undefined,
      effective: 4096,
    });
  });
});
