// `earshot stress` as a real process against a real gateway: a small closed-model run
// completes every session and writes the report folder; thresholds set the exit code;
// bad flags fail with one line before any traffic.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, ensureBuilt } from '../../helpers/build.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { runEarshot, type CliResult } from '../../helpers/earshot-cli.js';

const AUDIO = join(REPO_ROOT, 'test', 'fixtures', 'short-01-rms.wav');

function earshot(args: string[]): Promise<CliResult> {
  return runEarshot(args, 120_000);
}

let gateway: TestGateway;
let scratch: string;
beforeAll(async () => {
  await ensureBuilt();
  gateway = await startGateway(['--synthetic-rtf', '0.01', '--log-level', 'warn']);
  scratch = mkdtempSync(join(tmpdir(), 'earshot-stress-cli-'));
});
afterAll(async () => {
  await gateway?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('earshot stress', () => {
  it('completes every session of a small closed-model run and writes report.json/md/html', async () => {
    const dir = join(scratch, 'small');
    const result = await earshot([
      'stress',
      '--url',
      gateway.url,
      '-c',
      '4',
      '-d',
      '2s',
      '--audio',
      AUDIO,
      '--threads',
      '1',
      '--report-dir',
      dir,
      '--json',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.at(-1)).toMatchObject({ type: 'summary', report_dir: dir });
    // Every report says what the client cost per session (the summary line too).
    expect(lines.at(-1)!.client_cpu_ms_per_session).toBeGreaterThan(0);
    expect(lines.length).toBeGreaterThan(2); // per-second snapshots came first

    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    expect(report.sessions.attempted).toBeGreaterThanOrEqual(4);
    expect(report.sessions.completed).toBe(report.sessions.attempted);
    expect(report.sessions.completed_partial).toBe(0);
    expect(report.outcomes.ok).toBe(report.sessions.attempted);
    for (const outcome of [
      'refused',
      'rejected',
      'busy',
      'timeout',
      'protocol_error',
      'server_error',
      'closed_early',
    ]) {
      expect(report.outcomes[outcome]).toBe(0);
    }
    expect(report.connections.peak).toBe(4);
    for (const metric of ['connect', 'first_ack', 'chunk_ack', 'first_chunk_result', 'final', 'session']) {
      const latency = report.latency_ms[metric];
      for (const key of ['p50', 'p90', 'p99', 'max']) expect(typeof latency[key]).toBe('number');
      expect(latency.count).toBeGreaterThan(0);
      expect(latency.p50).toBeLessThanOrEqual(latency.max);
    }
    expect(report.traffic.chunks_sent).toBe(report.traffic.chunks_acked);
    expect(report.timeseries.length).toBeGreaterThanOrEqual(2);
    expect(report.resources.gateway.rss_mb_peak).toBeGreaterThan(0); // read from the gateway's /metrics

    const markdown = readFileSync(join(dir, 'report.md'), 'utf8');
    expect(markdown).toContain('## Outcomes');
    expect(markdown).toContain(`**Attempted sessions:** ${report.sessions.attempted}`);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/<script[^>]+src=|https?:\/\/(?!127\.0\.0\.1)/); // self-contained
  });

  it('exits 99 when a threshold is breached and 0 when all hold', async () => {
    const breached = await earshot([
      'stress',
      '--url',
      gateway.url,
      '-c',
      '2',
      '-d',
      '1s',
      '--audio',
      AUDIO,
      '--threads',
      '1',
      '--report-dir',
      join(scratch, 't1'),
      '--json',
      '--threshold',
      'p99_final_ms<1',
      '--threshold',
      'error_rate<0.01',
    ]);
    expect(breached.code).toBe(99);
    expect(breached.stderr).toMatch(/^earshot: threshold breached: p99_final_ms<1 \(was \d+\)\n$/);
    const held = await earshot([
      'stress',
      '--url',
      gateway.url,
      '-c',
      '2',
      '-d',
      '1s',
      '--audio',
      AUDIO,
      '--threads',
      '1',
      '--report-dir',
      join(scratch, 't2'),
      '--json',
      '--threshold',
      'error_rate<0.01',
      '--threshold',
      'completed>=2',
    ]);
    expect(held.code).toBe(0);
    const report = JSON.parse(readFileSync(join(scratch, 't2', 'report.json'), 'utf8'));
    expect(report.thresholds.map((t: { passed: boolean }) => t.passed)).toEqual([true, true]);
  });

  it.each([
    [['-c', 'many'], /-c\/--concurrency must be a whole number/],
    [['-c', '5'], /give a duration/],
    [['-c', '5', '-d', 'soon'], /-d\/--duration "soon" is not a duration/],
    [['-c', '5', '-d', '1s', '--rate', '10'], /choose one load model/],
    [['-c', '5', '-d', '1s', '--mode', 'party'], /--mode must be one of/],
    [['-c', '5', '-d', '1s', '--threshold', 'p42_final_ms<3'], /unknown metric "p42_final_ms"/],
    [
      ['-c', '5', '-d', '1s', '--url', 'http://127.0.0.1:1/ws/asr'],
      /--url must be a ws:\/\/ or wss:\/\/ URL/,
    ],
    [['-c', '5', '-d', '1s', '--insecure'], /--insecure must go with a wss:\/\/ URL/],
    [['-c', '5', '-d', '1s', '--audio', '/nonexistent/x.wav'], /cannot read audio file/],
  ])('refuses %j with one line', async (args, reason) => {
    const result = await earshot(['stress', '--url', gateway.url, ...args]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(reason);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('starts an embedded synthetic gateway when no --url is given', async () => {
    const dir = join(scratch, 'embedded');
    const result = await earshot([
      'stress',
      '-c',
      '2',
      '-d',
      '1s',
      '--audio',
      AUDIO,
      '--threads',
      '1',
      '--report-dir',
      dir,
      '--json',
    ]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/embedded gateway at ws:\/\/127\.0\.0\.1:\d+\/ws\/asr/);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    expect(report.sessions.completed).toBeGreaterThanOrEqual(2);
    expect(report.environment.gateway_watch).toMatch(/^pid \d+/);
    expect(existsSync(join(dir, 'report.html'))).toBe(true);
  });
});
