import { describe, expect, it } from 'vitest';
import { ThroughputMeter, admitChunk } from '../../../../src-gateway/queue/memory/backlog.js';

const bound = { maxBacklogSeconds: 10, workers: 2 };

describe('admitChunk', () => {
  it('admits up to the bound, and always when the queue is idle', () => {
    const meter = new ThroughputMeter();
    expect(admitChunk(0, 500, bound, meter)).toEqual({ ok: true });
    expect(admitChunk(9, 1, bound, meter)).toEqual({ ok: true });
    expect(admitChunk(9, 1.5, bound, meter).ok).toBe(false);
  });

  it('estimates retry_after from the measured drain rate, spread over [1x, 2x)', () => {
    const meter = new ThroughputMeter();
    const t0 = 1_000_000;
    // 4 audio seconds completed per wall second, by an engine that runs at real time: the
    // workers were saturated, so what completed is what they can do.
    for (let i = 0; i <= 8; i++) meter.record(0.5, 500, t0 + i * 125);
    const rate = meter.audioSecondsPerSecond(2, t0 + 1000);
    expect(rate).toBeGreaterThan(3.5);
    expect(rate).toBeLessThan(5);
  });

  it('clamps retry_after between 250 ms and 60 s', () => {
    const fast = new ThroughputMeter();
    fast.record(1000, 1); // an engine 1,000,000x faster than real time
    const quick = admitChunk(10, 1, bound, fast);
    expect(quick).toMatchObject({ ok: false, retryAfterMs: 250 });
    const slow = new ThroughputMeter();
    slow.record(0.001, 10_000);
    const late = admitChunk(10, 1_000, bound, slow);
    expect(late).toMatchObject({ ok: false, retryAfterMs: 60_000, backlogSeconds: 10 });
  });

  it('assumes real time per worker (less the share for message passing) before anything was measured', () => {
    const meter = new ThroughputMeter();
    expect(meter.audioSecondsPerSecond(2)).toBeCloseTo(1.6, 5);
    const refusal = admitChunk(10, 4, bound, meter); // 4 s over, 1.6 s/s -> 2.5 s .. 5 s
    expect(refusal.ok).toBe(false);
    if (!refusal.ok) {
      expect(refusal.retryAfterMs).toBeGreaterThanOrEqual(2_500);
      expect(refusal.retryAfterMs).toBeLessThan(5_000);
    }
  });

  it('under a light load takes the engine speed, not the load, as what the workers can do', () => {
    const meter = new ThroughputMeter();
    const t0 = 1_000_000;
    // One 1-second chunk per second, each recognised in 50 ms: 20x real time per worker.
    for (let i = 0; i < 5; i++) meter.record(1, 50, t0 + i * 1000);
    expect(meter.audioSecondsPerSecond(2, t0 + 4500)).toBeCloseTo(32, 0); // 20 x 2 workers x 0.8
  });

  it("measures an engine that sleeps on one chunk in ten at its sums' speed, not ten times slower", () => {
    // synthetic.ts's CostPacer at rtf 0.0001: nine 1 s chunks decoded at once, the tenth
    // sleeping the 1 ms they owed together (and a little more, as timers do).
    const meter = new ThroughputMeter();
    for (let i = 0; i < 200; i++) meter.record(1, i % 10 === 9 ? 1.1 : 0.01);
    const msPerAudioSecond = meter.engineMsPerAudioSecond()!;
    expect(msPerAudioSecond).toBeGreaterThan(0.08);
    expect(msPerAudioSecond).toBeLessThan(0.16);
  });

  it('follows an engine that slows down within a few dozen decodes', () => {
    const meter = new ThroughputMeter();
    for (let i = 0; i < 100; i++) meter.record(1, 10);
    expect(meter.engineMsPerAudioSecond()).toBeCloseTo(10, 6);
    for (let i = 0; i < 100; i++) meter.record(1, 100);
    expect(meter.engineMsPerAudioSecond()).toBeGreaterThan(90);
  });

  it('keeps the rate over the last 5 s exact while thousands of completions come and go', () => {
    // A storm's worth: 20,000 completions over 20 s, the window sliding over them (the
    // running sum and the compaction of the arrays must agree with a plain recount).
    const meter = new ThroughputMeter();
    const t0 = 1_000_000;
    const done: { at: number; seconds: number }[] = [];
    for (let i = 0; i < 20_000; i++) {
      const at = t0 + i;
      const seconds = 0.5 + (i % 7) * 0.25;
      done.push({ at, seconds });
      meter.record(seconds, 1_000_000, at); // a slow engine: the measured rate, not its floor, wins
      if (i % 4_999 === 0 || i === 19_999) {
        const inWindow = done.filter((d) => at - d.at <= 5_000);
        const sum = inWindow.reduce((total, d) => total + d.seconds, 0);
        const span = Math.max(at - inWindow[0].at, 250);
        if (inWindow.length >= 2)
          expect(meter.audioSecondsPerSecond(2, at)).toBeCloseTo((sum / span) * 1000, 6);
      }
    }
    // After a quiet spell the window is empty: back to the engine's own speed.
    const engineRate = 1000 / meter.engineMsPerAudioSecond()!;
    expect(meter.audioSecondsPerSecond(2, t0 + 60_000)).toBeCloseTo(engineRate * 2 * 0.8, 9);
  });
});
