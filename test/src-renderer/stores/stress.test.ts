import { describe, expect, it } from 'vitest';
import {
  appendSnapshot,
  createStressStore,
  emptySeries,
  validateStressConfig,
} from '../../../src-renderer/stores/stress.js';
import type { StressSnapshot } from '../../../src-shared/api/stress.js';
import { parseStages } from '../../../src-shared/stress/config.js';
import { FakeMain } from '../support/fake-api.js';

const snap = (runId: string, elapsedSec: number, completed = 0): StressSnapshot => ({
  runId,
  elapsedSec,
  phase: 'running',
  openConnections: 10,
  peakConnections: 12,
  inFlight: 3,
  sessionsPerSec: 5,
  completedPerSec: 4,
  errorsPerSec: 0,
  attempted: completed + 2,
  accepted: completed + 2,
  completed,
  timedOut: 0,
  failed: 0,
  refused: { busy: 1, 'rejected:503': 2 },
  outcomes: { ok: completed },
  latencyMs: completed > 150 ? null : { p50: 100, p99: 300 },
  runLatencyMs: {
    final: { count: 10, p50: 100, p90: 200, p99: 300, max: 400 },
    session: { count: 10, p50: 150, p90: 250, p99: 350, max: 450 },
  },
});

describe('stress store', () => {
  it('applies snapshots at most once per throttle window and keeps every point', async () => {
    const main = new FakeMain().handle('stress.start', () => ({ runId: 'run1' }));
    const store = createStressStore(main, { throttleMs: 30 });
    expect(await store.getState().start({ ratePerSecond: 50, durationMs: 10_000 })).toBe(true);
    let renders = 0;
    store.subscribe(() => renders++);
    for (let i = 1; i <= 20; i++) main.emit('stress.snapshot', snap('run1', i, i * 10));
    expect(renders).toBe(0);
    await new Promise((r) => setTimeout(r, 60));
    expect(renders).toBe(1);
    const { series, latest } = store.getState();
    expect(series.t).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(series.refused.at(-1)).toBe(3);
    expect(series.p50.at(0)).toBe(100);
    expect(series.p99.at(-1)).toBeNull(); // a second without a final result: a gap, not a zero
    expect(latest?.completed).toBe(200);
    store.getState().dispose();
  });

  it('bounds the series', () => {
    let series = emptySeries();
    for (let i = 0; i < 25; i++) series = appendSnapshot(series, snap('r', i), 10);
    expect(series.t).toEqual([15, 16, 17, 18, 19, 20, 21, 22, 23, 24]);
  });

  it('rejects an invalid config at its field without calling main', async () => {
    const main = new FakeMain();
    const store = createStressStore(main);
    expect(await store.getState().start({ concurrency: 0, durationMs: 10_000 })).toBe(false);
    expect(store.getState().fieldErrors.concurrency).toMatch(/>= 1/);
    expect(await store.getState().start({ concurrency: 5, ratePerSecond: 5, durationMs: 1000 })).toBe(false);
    expect(store.getState().fieldErrors.ratePerSecond).toMatch(/exclusive/);
    expect(main.calls).toHaveLength(0);
    expect(validateStressConfig({ concurrency: 5 })).toEqual({
      ok: false,
      errors: { durationMs: 'give a duration (-d 30s) or ramp stages (--stage 30s:100)' },
    });
    // The one stage grammar: what `earshot stress --stage` takes, the form takes.
    expect(validateStressConfig({ stages: parseStages('2m:100, 30s:0') })).toEqual({ ok: true });
    expect(validateStressConfig({ url: 'http://10.0.0.5/ws/asr', concurrency: 5, durationMs: 1000 })).toEqual(
      {
        ok: false,
        errors: { url: 'url must be a ws:// or wss:// URL' },
      },
    );
    // A remote target is allowed (QA tests deployed gateways); a bad threshold is named at its field.
    expect(validateStressConfig({ url: 'wss://10.0.0.5/ws/asr', concurrency: 5, durationMs: 1000 })).toEqual({
      ok: true,
    });
    expect(
      validateStressConfig({
        concurrency: 5,
        durationMs: 1000,
        thresholds: ['error_rate<0.01', 'p99_final_ms'],
      }),
    ).toEqual({
      ok: false,
      errors: { thresholds: 'threshold "p99_final_ms" needs a comparison like p99_final_ms<5000' },
    });
  });

  it('follows run state events and asks main for the report of the current run', async () => {
    const main = new FakeMain()
      .handle('stress.start', () => ({ runId: 'run7' }))
      .handle('stress.report', (input) => ({
        filename: `r.${input.format}`,
        mimeType: 'text/markdown',
        content: `# ${input.runId}`,
      }));
    const store = createStressStore(main);
    await store.getState().start({ concurrency: 5, durationMs: 1000 });
    main.emit('stress.state', {
      state: 'finished',
      runId: 'run7',
      reportReady: true,
      last: snap('run7', 1, 5),
    });
    expect(store.getState().status.state).toBe('finished');
    expect(store.getState().latest?.completed).toBe(5);
    const file = await store.getState().report('md');
    expect(file.content).toBe('# run7');
  });
});
