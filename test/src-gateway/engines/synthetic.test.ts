import { describe, expect, it } from 'vitest';
import { createEngine } from '../../../src-gateway/engines/index.js';
import { SyntheticEngine, CostPacer } from '../../../src-gateway/engines/synthetic.js';

const RATE = 16_000;

describe('synthetic engine', () => {
  it('returns the default phrase under its name', async () => {
    const engine = await createEngine('synthetic');
    expect(engine.name).toBe('synthetic');
    const result = await engine.transcribe(new Int16Array(RATE / 10), RATE);
    expect(result.text).toBe('synthetic transcript');
    engine.close();
  });

  it('returns the configured phrase', async () => {
    const engine = await createEngine('synthetic', {
      synthetic: { phrase: 'hello there', realTimeFactor: 0 },
    });
    expect((await engine.transcribe(new Int16Array(10), RATE)).text).toBe('hello there');
  });

  it('computes its cost from the fixed cost and the real-time factor', () => {
    const engine = new SyntheticEngine({ realTimeFactor: 0.5, fixedCostMs: 20 });
    expect(engine.costMs(RATE * 2, RATE)).toBeCloseTo(20 + 2 * 0.5 * 1000);
    expect(engine.costMs(0, RATE)).toBe(20);
  });

  it('waits at least the configured cost before answering', async () => {
    // A lower bound only: timers never fire early, so this cannot flake on a busy machine.
    const engine = new SyntheticEngine({ realTimeFactor: 0.1, fixedCostMs: 50 });
    const started = performance.now();
    await engine.transcribe(new Int16Array(RATE), RATE); // 1 s of audio -> 50 + 100 ms
    expect(performance.now() - started).toBeGreaterThanOrEqual(145);
  });

  it("carries costs below a timer's floor until they add up, and credits oversleeping", () => {
    // Quarter-millisecond chunks (exact in binary floating point): three cost nothing now,
    // the fourth sleeps the whole 1 ms they add up to.
    const pacer = new CostPacer();
    expect([0.25, 0.25, 0.25, 0.25].map((cost) => pacer.owe(cost))).toEqual([0, 0, 0, 1]);
    // The timer overslept by 0.5 ms: that is credit, so five chunks go free, not three.
    pacer.slept(1.5);
    expect(Array.from({ length: 5 }, () => pacer.owe(0.25))).toEqual(Array(5).fill(0));
    expect(pacer.owe(0.25)).toBe(1);
    // A long stall earns at most MAX_CREDIT_MS of credit: 5 ms, then 1 ms to owe again.
    pacer.slept(1000);
    const firstWait = Array.from({ length: 100 }, () => pacer.owe(0.25)).findIndex((wait) => wait > 0);
    expect(firstWait).toBe((CostPacer.MAX_CREDIT_MS + CostPacer.FLOOR_MS) / 0.25 - 1);
  });

  it('rejects invalid options and input with clear errors', async () => {
    expect(() => new SyntheticEngine({ realTimeFactor: -1 })).toThrow(/realTimeFactor/);
    expect(() => new SyntheticEngine({ fixedCostMs: Number.NaN })).toThrow(/fixedCostMs/);
    const engine = new SyntheticEngine({ realTimeFactor: 0 });
    await expect(engine.transcribe(new Int16Array(10), 0)).rejects.toThrow(/sampleRate/);
    engine.close();
    await expect(engine.transcribe(new Int16Array(10), RATE)).rejects.toThrow(/closed/);
  });

  it('rejects an unknown engine name', async () => {
    await expect(createEngine('whisper' as never)).rejects.toThrow(/unknown engine "whisper"/);
  });
});
