// A stand-in recognizer for measuring gateway capacity apart from recognition: it
// "costs" a fixed time plus a share of the audio's duration, then returns a fixed phrase.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Engine, SyntheticEngineOptions, TranscribeResult } from './engine.js';

export const SYNTHETIC_DEFAULTS: SyntheticEngineOptions = {
  realTimeFactor: 0.05,
  fixedCostMs: 0,
  phrase: 'synthetic transcript',
};

export class SyntheticEngine implements Engine {
  readonly name = 'synthetic';
  readonly options: SyntheticEngineOptions;
  private closed = false;
  private readonly pacer = new CostPacer();

  constructor(options: Partial<SyntheticEngineOptions> = {}) {
    const merged = { ...SYNTHETIC_DEFAULTS, ...stripUndefined(options) };
    if (!Number.isFinite(merged.realTimeFactor) || merged.realTimeFactor < 0) {
      throw new RangeError(
        `synthetic realTimeFactor must be a number >= 0, got ${String(merged.realTimeFactor)}`,
      );
    }
    if (!Number.isFinite(merged.fixedCostMs) || merged.fixedCostMs < 0) {
      throw new RangeError(`synthetic fixedCostMs must be a number >= 0, got ${String(merged.fixedCostMs)}`);
    }
    if (typeof merged.phrase !== 'string') {
      throw new TypeError('synthetic phrase must be a string');
    }
    this.options = merged;
  }

  /** The delay this engine waits for a chunk of `sampleCount` samples. */
  costMs(sampleCount: number, sampleRate: number): number {
    const audioSeconds = sampleRate > 0 ? sampleCount / sampleRate : 0;
    return this.options.fixedCostMs + audioSeconds * this.options.realTimeFactor * 1000;
  }

  async transcribe(pcm: Int16Array, sampleRate: number): Promise<TranscribeResult> {
    if (this.closed) throw new Error('synthetic engine is closed');
    if (!Number.isFinite(sampleRate) || sampleRate <= 0) {
      throw new RangeError(`sampleRate must be a positive number, got ${String(sampleRate)}`);
    }
    const wait = this.pacer.owe(this.costMs(pcm.length, sampleRate));
    if (wait > 0) {
      const started = performance.now();
      await sleep(wait);
      this.pacer.slept(performance.now() - started);
    }
    return { text: this.options.phrase };
  }

  close(): void {
    this.closed = true;
  }
}

/**
 * Keeps the engine's average cost honest when a chunk costs less than a timer can wait.
 * Node's timers wait at least 1 ms, so sleeping 0.1 ms per chunk really sleeps 1 ms or
 * more and caps a worker near 1,000 chunks a second whatever the real-time factor says.
 * Costs below that floor are carried as a debt and slept once they add up to it; time
 * overslept is credited against the next chunks, so the long-run average matches the cost.
 */
export class CostPacer {
  /** The shortest wait worth asking a timer for. */
  static readonly FLOOR_MS = 1;
  /** Oversleeping is credited up to this much, so one long stall cannot buy many free chunks. */
  static readonly MAX_CREDIT_MS = 5;
  private owedMs = 0;

  /** Adds a chunk's cost; returns how long to sleep now (0 while the debt is under the floor). */
  owe(costMs: number): number {
    this.owedMs += costMs;
    return this.owedMs >= CostPacer.FLOOR_MS ? this.owedMs : 0;
  }

  /** Settles a sleep that took `actualMs`. */
  slept(actualMs: number): void {
    this.owedMs = Math.max(-CostPacer.MAX_CREDIT_MS, this.owedMs - actualMs);
  }
}

function stripUndefined<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}
