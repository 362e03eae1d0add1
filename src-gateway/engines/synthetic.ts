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
    const delay = this.costMs(pcm.length, sampleRate);
    if (delay > 0) await sleep(delay);
    return { text: this.options.phrase };
  }

  close(): void {
    this.closed = true;
  }
}

function stripUndefined<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}
