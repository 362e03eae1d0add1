// What CI reads from `earshot stress`, from a real run against a real gateway: the k6-style
// threshold summary at the end of the console output, junit.xml (one testcase per
// threshold, a failure carrying the measured value) and timeseries.csv (the per-second
// series), in the report folder and where --junit / --csv say. Each figure is checked
// against report.json of the same run, so none of them can be made up.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, ensureBuilt } from '../../helpers/build.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { runEarshot } from '../../helpers/earshot-cli.js';

const AUDIO = join(REPO_ROOT, 'test', 'fixtures', 'short-01-rms.wav');

let gateway: TestGateway;
let scratch: string;
beforeAll(async () => {
  await ensureBuilt();
  gateway = await startGateway(['--synthetic-rtf', '0.01', '--log-level', 'warn']);
  scratch = mkdtempSync(join(tmpdir(), 'earshot-stress-ci-'));
});
afterAll(async () => {
  await gateway?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

interface ReportThreshold {
  expression: string;
  metric: string;
  value: number;
  passed: boolean;
}

describe('earshot stress output for CI', () => {
  it('prints a threshold summary, writes junit.xml and timeseries.csv, and still exits 99 on a breach', async () => {
    const dir = join(scratch, 'run');
    const junit = join(scratch, 'ci', 'stress-junit.xml');
    const csv = join(scratch, 'ci', 'series.csv');
    const result = await runEarshot(
      [
        'stress',
        '--url',
        gateway.url,
        '-c',
        '3',
        '-d',
        '2s',
        '--audio',
        AUDIO,
        '--threads',
        '1',
        '--report-dir',
        dir,
        '--junit',
        junit,
        '--csv',
        csv,
        '--threshold',
        'p99_final_ms<1',
        '--threshold',
        'error_rate<0.01',
        '--threshold',
        'completed>=3',
      ],
      120_000,
    );
    expect(result.code).toBe(99);
    expect(result.stderr).toMatch(/^earshot: threshold breached: p99_final_ms<1 \(was \d+\)\n$/);

    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as {
      thresholds: ReportThreshold[];
      timeseries: Record<string, number | string | null>[];
    };
    const [latency, errors, completed] = report.thresholds;
    expect([latency.passed, errors.passed, completed.passed]).toEqual([false, true, true]);

    // The summary is the console's last lines, one per threshold, each with its measured value.
    const tail = result.stdout.trimEnd().split('\n').slice(-4);
    expect(tail[0]).toBe('thresholds: 2 of 3 passed');
    const value = (v: number) => v.toLocaleString('en-US', { maximumFractionDigits: 1 });
    expect(tail[1]).toMatch(new RegExp(`^  ✗ p99_final_ms<1 +p99_final_ms=${value(latency.value)}$`));
    expect(tail[2]).toMatch(new RegExp(`^  ✓ error_rate<0\\.01 +error_rate=${errors.value}$`));
    expect(tail[3]).toMatch(new RegExp(`^  ✓ completed>=3 +completed=${value(completed.value)}$`));

    // JUnit: the same file in the report folder and at --junit; one testcase per threshold.
    const xml = readFileSync(join(dir, 'junit.xml'), 'utf8');
    expect(readFileSync(junit, 'utf8')).toBe(xml);
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ')).toBe(true);
    expect(xml).toMatch(/<testsuite name="earshot stress short c3" tests="3" failures="1" errors="0"/);
    const cases = [...xml.matchAll(/<testcase [^>]*name="([^"]*)"[^>]*?(\/?)>/g)];
    expect(cases.map((c) => c[1])).toEqual(['p99_final_ms&lt;1', 'error_rate&lt;0.01', 'completed&gt;=3']);
    expect(cases.map((c) => c[2])).toEqual(['', '/', '/']); // only the breached one has a body
    const failure = /<failure type="threshold" message="([^"]*)">/.exec(xml)?.[1];
    expect(failure).toBe(`p99_final_ms was ${value(latency.value)} (must be &lt; 1)`);
    // Every < and > outside markup is escaped: the expression holds them.
    expect(xml.replace(/<\/?[a-z?][^<>]*>/g, '')).not.toMatch(/[<>]/);

    // CSV: a header, then one row per second of report.json's series, the same numbers.
    const text = readFileSync(join(dir, 'timeseries.csv'), 'utf8');
    expect(readFileSync(csv, 'utf8')).toBe(text);
    const [header, ...rows] = text.trimEnd().split('\n');
    const columns = header.split(',');
    expect(columns.slice(0, 3)).toEqual(['t', 'phase', 'attempts']);
    expect(rows).toHaveLength(report.timeseries.length);
    expect(rows.length).toBeGreaterThanOrEqual(2);
    rows.forEach((row, i) => {
      const cells = row.split(',');
      expect(cells).toHaveLength(columns.length);
      columns.forEach((column, c) => {
        const expected = report.timeseries[i][column];
        expect(cells[c], `${column} at row ${i}`).toBe(expected === null ? '' : String(expected));
      });
    });
    const sum = (column: string) =>
      rows.reduce((n, row) => n + Number(row.split(',')[columns.indexOf(column)]), 0);
    expect(sum('attempts')).toBeGreaterThanOrEqual(3);
  });

  it('refuses a --junit or --csv path it cannot write before any traffic', async () => {
    const folder = join(scratch, 'a-folder');
    mkdirSync(folder, { recursive: true });
    for (const flag of ['--junit', '--csv']) {
      const result = await runEarshot(
        ['stress', '--url', 'ws://127.0.0.1:1/ws/asr', '-c', '1', '-d', '1s', flag, folder],
        60_000,
      );
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(`earshot: ${flag} ${folder} is a folder; give a file name\n`);
    }
  });
});
