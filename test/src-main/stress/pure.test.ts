// The stress engine's pure parts: config parsing, ramp arithmetic, thresholds,
// observations and the report renderers, on hand-made inputs.
import { describe, expect, it } from 'vitest';
import { parseDuration, parseRate, parseStage } from '../../../src-shared/stress/config.js';
import { planStressRun } from '../../../src-main/stress/config.js';
import { ArrivalClock, shareOf, targetAt } from '../../../src-main/stress/load-model.js';
import { decodeFromCompressedBase64, encodeIntoCompressedBase64 } from 'hdr-histogram-js';
import { StressAggregator } from '../../../src-main/stress/aggregate.js';
import { Tally, newHistogram, summarize } from '../../../src-main/stress/metrics.js';
import { buildReport, type ReportInput } from '../../../src-main/stress/report.js';
import { renderCsv } from '../../../src-main/stress/report-writers/csv.js';
import { renderHtml } from '../../../src-main/stress/report-writers/html.js';
import { renderJunit } from '../../../src-main/stress/report-writers/junit.js';
import { renderThresholdSummary } from '../../../src-main/stress/report-writers/threshold-summary.js';
import { renderMarkdown } from '../../../src-main/stress/report-writers/markdown.js';
import { evaluateThresholds, parseThreshold } from '../../../src-main/stress/thresholds.js';
import { parseProcessMetrics } from '../../../src-main/stress/resources.js';

const base = { url: 'ws://127.0.0.1:8081/ws/asr', audioPath: 'x.wav' };

describe('config', () => {
  it('parses durations, rates and stages', () => {
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('1.5m')).toBe(90_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('2')).toBe(2000);
    expect(() => parseDuration('soon')).toThrow(/not a duration/);
    expect(parseRate('50/s')).toBe(50);
    expect(parseRate('600/m')).toBe(10);
    expect(parseStage('30s:100')).toEqual({ durationMs: 30_000, target: 100 });
    expect(() => parseStage('30s')).toThrow(/DURATION:TARGET/);
  });

  it('resolves models and defaults', () => {
    const closed = planStressRun({ ...base, concurrency: 500, durationMs: 30_000 }, 2);
    expect(closed).toMatchObject({
      model: 'closed',
      concurrency: 500,
      threads: 1,
      pacing: 'ack',
      mode: 'short',
    });
    const open = planStressRun({ ...base, stages: [parseStage('30s:100'), parseStage('60s:500')] }, 8);
    expect(open).toMatchObject({ model: 'open', durationMs: 90_000, threads: 7 });
    expect(planStressRun({ ...base, concurrency: 2, durationMs: 1000, mode: 'long' }, 2).pacing).toBe(
      'realtime',
    );
    expect(() => planStressRun({ ...base, concurrency: 5, ratePerSecond: 3, durationMs: 1000 }, 2)).toThrow(
      /one load model/,
    );
    expect(() => planStressRun({ ...base, concurrency: 5 }, 2)).toThrow(/give a duration/);
    // Any host: QA tests deployed gateways (planning sends nothing anywhere).
    expect(
      planStressRun({ ...base, url: 'wss://asr.staging.example/ws/asr', concurrency: 5, durationMs: 1000 }, 2)
        .url,
    ).toBe('wss://asr.staging.example/ws/asr');
    expect(() =>
      planStressRun({ ...base, url: 'http://127.0.0.1/ws/asr', concurrency: 5, durationMs: 1000 }, 2),
    ).toThrow(/url must be a ws:\/\/ or wss:\/\/ URL/);
    expect(() => planStressRun({ ...base, insecure: true, concurrency: 5, durationMs: 1000 }, 2)).toThrow(
      /insecure: skipping certificate checks must go with a wss:\/\/ URL/,
    );
    expect(() => planStressRun({ ...base, caFile: 'ca.pem', concurrency: 5, durationMs: 1000 }, 2)).toThrow(
      /caFile: ca file must go with a wss:\/\/ URL/,
    );
    expect(() =>
      planStressRun(
        { ...base, thresholds: ['error_rate<0.1', 'p42_final_ms<3'], concurrency: 5, durationMs: 1000 },
        2,
      ),
    ).toThrow(/^thresholds\.1: threshold "p42_final_ms<3": unknown metric "p42_final_ms"/);
    expect(() => planStressRun({ ...base, ratePerSecond: 5, durationMs: 1000, mode: 'storm' }, 2)).toThrow(
      /short only/,
    );
  });
});

describe('load model', () => {
  it('ramps linearly between stages and holds the last target', () => {
    const stages = [parseStage('10s:100'), parseStage('10s:500')];
    expect(targetAt(stages, 0, 0)).toBe(0);
    expect(targetAt(stages, 5000, 0)).toBe(50);
    expect(targetAt(stages, 15_000, 0)).toBe(300);
    expect(targetAt(stages, 60_000, 0)).toBe(500);
    expect(targetAt([], 1234, 42)).toBe(42);
  });

  it('splits work across threads without losing any', () => {
    for (const total of [0, 1, 7, 500, 5001]) {
      let sum = 0;
      for (let i = 0; i < 3; i++) sum += shareOf(total, i, 3);
      expect(sum).toBe(total);
    }
  });

  it('carries fractional arrivals over', () => {
    const clock = new ArrivalClock();
    let started = 0;
    for (let i = 0; i < 100; i++) started += clock.due(2.5, 20); // 2 s at 2.5/s
    expect(started).toBe(5);
    // 0.1 added a thousand times falls just short of 100 in floating point: still 100 arrivals.
    let tenths = 0;
    for (let i = 0; i < 1000; i++) tenths += clock.due(10, 10);
    expect(tenths).toBe(100);
  });

  it('splits one arrival sequence across threads without rounding any away', () => {
    const clocks = [new ArrivalClock(0, 2), new ArrivalClock(1, 2)];
    let started = 0;
    for (let i = 0; i < 75; i++) for (const clock of clocks) started += clock.due(30, 20); // 1.5 s at 30/s
    expect(started).toBe(45);
  });
});

describe('metrics', () => {
  it('ships the latencies recorded since the last report, clamped to the histograms range', () => {
    const tally = new Tally();
    for (let v = 1; v <= 100; v++) tally.record('final', v * 10);
    tally.record('connect', 0.2);
    tally.record('connect', 7_200_000);
    tally.end('rejected', 503);
    const drained = tally.drainLatencies();
    expect(drained.final).toHaveLength(100);
    expect(drained.connect).toEqual([1, 3_600_000]);
    expect(tally.drainLatencies()).toEqual({}); // afresh after draining
    expect(tally.counters).toEqual({ rejected: 1, 'rejected:503': 1 });
  });

  it('summarizes what the threads recorded exactly as histograms shipped and merged would', () => {
    // Values across several HDR buckets, above 2,048 ms too (where a bucket holds more than one ms).
    const values = [1, 2, 17, 250, 2047, 2048, 2049, 4097, 9_999, 65_537, 123_457, 3_599_999];
    const ticks = [new Tally(), new Tally()];
    const merged = newHistogram();
    values.forEach((v, i) => {
      const tally = ticks[i % 2];
      tally.record('final', v);
      tally.record('final', v + 1);
    });
    const aggregator = new StressAggregator(2);
    ticks.forEach((tally, workerIndex) => {
      // The way worker threads used to ship them: a histogram of the interval, compressed.
      const own = newHistogram();
      for (const v of tally.drainLatencies().final ?? []) {
        own.recordValue(v);
        tally.record('final', v);
      }
      merged.add(decodeFromCompressedBase64(encodeIntoCompressedBase64(own), 32, false));
      aggregator.accept({
        type: 'tick',
        workerIndex,
        counters: {},
        latencies: tally.drainLatencies(),
        inFlight: 0,
        phase: 'running',
      });
    });
    expect(summarize(aggregator.totals.get('final'))).toEqual(summarize(merged));
    expect(summarize(merged)).toMatchObject({ count: 24, max: 3_600_383 });
    const second = aggregator.snapshot(1, { current: 0, peak: 0 }, { cpuPercent: 0, rssBytes: 0 }, undefined);
    expect(second.p99_final_ms).toBe(merged.getValueAtPercentile(99));
    // The next second starts empty.
    expect(
      aggregator.snapshot(2, { current: 0, peak: 0 }, { cpuPercent: 0, rssBytes: 0 }, undefined).p99_final_ms,
    ).toBe(0);
  });

  it('reads prom-client process metrics with any prefix', () => {
    expect(
      parseProcessMetrics(
        'earshot_gateway_process_cpu_seconds_total 1.5\nearshot_gateway_process_resident_memory_bytes 1048576\n',
      ),
    ).toEqual({ cpuSeconds: 1.5, rssBytes: 1048576 });
    expect(parseProcessMetrics('nothing here')).toBeUndefined();
  });
});

function cappedRunInput(): ReportInput {
  const config = planStressRun({ ...base, concurrency: 500, durationMs: 30_000 }, 2);
  const histograms = new Map([['final', newHistogram()]] as const);
  histograms.get('final')!.recordValue(1200);
  const snapshot = {
    t: 1,
    phase: 'running' as const,
    sessions: 400,
    attempts: 600,
    started: 100,
    completed: 100,
    errors: 500,
    chunks_sent: 300,
    bytes_sent: 1,
    open_connections: 100,
    peak_connections: 100,
    in_flight: 500,
    p50_final_ms: 1200,
    p99_final_ms: 1200,
    p99_connect_ms: 3,
    p99_chunk_ack_ms: 2,
    client_cpu_percent: 40,
    client_rss_mb: 120,
    gateway_cpu_percent: 60,
    gateway_rss_mb: 150,
    gateway_lag_p99_ms: null,
    totals: {},
  };
  return {
    config,
    audio: { totalSeconds: 2.8, chunks: 3 },
    startedAt: new Date('2026-01-01T10:00:00Z'),
    finishedAt: new Date('2026-01-01T10:00:35Z'),
    counters: {
      sessions: 2600,
      attempts: 2600,
      started: 2000,
      completed: 2000,
      ok: 2000,
      rejected: 600,
      'rejected:503': 600,
      connections_opened: 2000,
    },
    histograms: histograms as ReportInput['histograms'],
    series: [snapshot, { ...snapshot, t: 2 }],
    connections: { peak: 100, atEnd: 0 },
    clientCpuSeconds: 10,
    gatewayCpuSeconds: null,
    gatewayWatch: 'pid 1 (/proc)',
    loadavgStart: [0.5, 0.5, 0.5],
  };
}

describe('report', () => {
  it('derives rates and observations from the numbers', () => {
    const report = buildReport(cappedRunInput());
    expect(report.sessions).toMatchObject({ attempted: 2600, completed: 2000, ended: 2600 });
    expect(report.rates.error_rate).toBeCloseTo(600 / 2600, 4);
    expect(report.rates.completed_per_client_cpu_second).toBe(200);
    expect(report.observations.join('\n')).toMatch(
      /Peak open connections stopped at 100 while 500 sessions were asked for, and 600 upgrades were rejected \(HTTP 503 x600\): a connection cap\?/,
    );
    expect(report.latency_ms.final).toMatchObject({ count: 1, p50: 1200, p99: 1200, max: 1200 });
  });

  it("calls the seed's numbers a retry spin and a backed-off run not", () => {
    const seed = cappedRunInput();
    seed.counters = { sessions: 111_510, attempts: 111_510, rejected: 111_510, 'rejected:503': 111_510 };
    expect(buildReport(seed).observations.join('\n')).toMatch(
      /111510 of them failed: 7\.43 failed attempts per client per second \(that looks like a retry spin\)/,
    );
    expect(buildReport(cappedRunInput()).observations.join('\n')).toMatch(
      /600 of them failed: 0\.04 failed attempts per client per second \(retries stayed under the backoff\)/,
    );
  });

  it('leads with what users waited: session latency, then busy replies, before the success rate', () => {
    const input = cappedRunInput();
    input.counters = {
      ...input.counters,
      rejected: 0,
      'rejected:503': 0,
      busy_replies: 11_026,
      busy_at_start: 11_000,
      chunks_refused: 26,
    };
    const session = newHistogram();
    session.recordValue(68_000);
    input.histograms.set('session', session);
    const [first, second, third] = buildReport(input).observations;
    expect(first).toMatch(
      /^Sessions took p50 68\.\d s \/ p99 68\.\d s \/ max 68\.\d s from connect to final_result/,
    );
    expect(second).toBe(
      'The gateway sent 11026 "busy" replies (11000 to starts, 26 to chunks): clients waited and retried before being served.',
    );
    expect(third).toMatch(/success 100%/);
    expect(renderMarkdown(buildReport(input))).toMatch(
      /## Test result overview\n- \*\*Session latency \(connect -> final_result\):\*\* p50 68\d{3} ms.*\n- \*\*Busy replies:\*\* 11026/,
    );
  });

  it('calls a 401 an authentication failure, not a connection cap', () => {
    const input = cappedRunInput();
    input.counters = { ...input.counters, 'rejected:503': 0, 'rejected:401': 600 };
    const text = buildReport(input).observations.join('\n');
    expect(text).toMatch(
      /600 upgrades were refused as unauthorized \(HTTP 401\/403\).*authentication failure/,
    );
    expect(text).not.toMatch(/connection cap/);
  });

  it('zombie mode claims no final results', () => {
    const input = cappedRunInput();
    input.config = planStressRun({ ...base, mode: 'zombie', concurrency: 8, durationMs: 1500 }, 2);
    input.counters = { sessions: 8, attempts: 8, ok: 8, connections_opened: 8 };
    input.histograms = new Map();
    input.connections = { peak: 8, atEnd: 0 };
    const text = buildReport(input).observations.join('\n');
    expect(text).toMatch(/8 of 8 idle connections were held to the end \(zombie mode sends no audio/);
    expect(text).not.toMatch(/completed with a final_result/);
  });

  it('evaluates thresholds against the report', () => {
    const report = buildReport(cappedRunInput());
    const results = evaluateThresholds(report, [
      parseThreshold('p99_final_ms<5000'),
      parseThreshold('error_rate < 0.01'),
      parseThreshold('rejected_count<=600'),
    ]);
    expect(results.map((r) => [r.value, r.passed])).toEqual([
      [1200, true],
      [report.rates.error_rate, false],
      [600, true],
    ]);
    expect(() => parseThreshold('p99_final_ms')).toThrow(/needs a comparison/);
    expect(() => parseThreshold('error_rate<abc')).toThrow(/not a number/);
  });

  it('renders markdown tables and a self-contained html with charts', () => {
    const report = buildReport(cappedRunInput(), [
      {
        expression: 'error_rate<0.01',
        metric: 'error_rate',
        operator: '<',
        limit: 0.01,
        value: 0.23,
        passed: false,
      },
    ]);
    const markdown = renderMarkdown(report);
    expect(markdown).toContain('| rejected | 600 | 23.08% | 503: 600 |');
    expect(markdown).toContain('| final | `finish` sent -> `final_result` | 1 | 1200 | 1200 | 1200 | 1200 |');
    expect(markdown).toContain('**breached**');
    const html = renderHtml(report);
    expect(html.match(/<svg/g)?.length).toBeGreaterThanOrEqual(5);
    expect(html).not.toContain('<script');
  });

  it('writes an unmeasured figure as an empty CSV cell and a run without thresholds as an empty suite', () => {
    const input = cappedRunInput();
    input.series = input.series.map((s) => ({ ...s, gateway_cpu_percent: null, gateway_rss_mb: null }));
    const report = buildReport(input);
    const [header, first] = renderCsv(report).split('\n');
    const columns = header.split(',');
    const cells = first.split(',');
    expect(cells[columns.indexOf('gateway_rss_mb')]).toBe('');
    expect(cells[columns.indexOf('client_rss_mb')]).toBe(String(report.timeseries[0].client_rss_mb));
    expect(renderJunit(report)).toMatch(/<testsuite [^>]*tests="0" failures="0"/);
    expect(renderJunit(report)).not.toContain('<testcase');
    expect(renderThresholdSummary([])).toBe('');
  });
});
