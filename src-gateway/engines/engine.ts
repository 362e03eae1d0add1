// One interface for every recognizer. An engine is created once per worker (model
// loading is expensive) and then transcribes chunk after chunk on that worker.

import type { ModelInfo } from '../../src-shared/models/manifest.js';

export interface TranscribeResult {
  text: string;
  /** How many pieces the engine decoded a long chunk in (engines that split long input). */
  segments?: number;
}

export interface Engine {
  /** Reported by /api/v1/health as `engine`. */
  readonly name: string;
  /** The model it recognises with, where it has one (health and the Status view show it). */
  readonly model?: ModelInfo;
  /** PCM16 mono samples; the gateway only ever passes 16 kHz. */
  transcribe(pcm: Int16Array, sampleRate: number): Promise<TranscribeResult>;
  /** Frees the model. */
  close(): void;
}

export { DEFAULT_ENGINE, ENGINE_NAMES, isEngineName, type EngineName } from '../../src-shared/engines.js';

export interface SyntheticEngineOptions {
  /** Seconds of processing per second of audio (0.05 = 20x faster than real time). */
  realTimeFactor: number;
  /** Fixed per-chunk cost in ms, added to the real-time-factor cost. */
  fixedCostMs: number;
  phrase: string;
}

export interface PocketsphinxEngineOptions {
  /** Folder with the acoustic model, `en-us.lm.bin` and `cmudict-en-us.dict`. */
  modelDir?: string;
}

export interface MoonshineEngineOptions {
  /** Folder holding moonshine-tiny-en/ and silero-vad/ (default: the installed models/). */
  modelsDir?: string;
  /** ONNX Runtime intra-op threads per session (default 1: one per worker thread). */
  threads?: number;
}

export interface EngineOptions {
  synthetic?: Partial<SyntheticEngineOptions>;
  pocketsphinx?: PocketsphinxEngineOptions;
  moonshine?: MoonshineEngineOptions;
}

/** Why `pcm` is not input an engine at `rate` Hz can decode, or undefined when it is. */
export function invalidInput(
  engine: string,
  pcm: unknown,
  sampleRate: number,
  rate: number,
): Error | undefined {
  if (sampleRate !== rate) return new RangeError(`${engine} needs ${rate} Hz audio, got ${sampleRate} Hz`);
  if (!(pcm instanceof Int16Array)) return new TypeError(`${engine} needs PCM16 samples in an Int16Array`);
  return undefined;
}

/** Raised when an engine cannot be used here (library or model missing): a clear reason, never a crash. */
export class EngineUnavailableError extends Error {
  override readonly name = 'EngineUnavailableError';
}
