// One interface for every recognizer. An engine is created once per worker (model
// loading is expensive) and then transcribes chunk after chunk on that worker.

export interface TranscribeResult {
  text: string;
}

export interface Engine {
  /** Reported by /api/v1/health as `engine`. */
  readonly name: string;
  /** PCM16 mono samples; the gateway only ever passes 16 kHz. */
  transcribe(pcm: Int16Array, sampleRate: number): Promise<TranscribeResult>;
  /** Frees the model. */
  close(): void;
}

export type EngineName = 'pocketsphinx' | 'synthetic';
export const ENGINE_NAMES: readonly EngineName[] = ['pocketsphinx', 'synthetic'];

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

export interface EngineOptions {
  synthetic?: Partial<SyntheticEngineOptions>;
  pocketsphinx?: PocketsphinxEngineOptions;
}

/** Raised when an engine cannot be used here (library or model missing): a clear reason, never a crash. */
export class EngineUnavailableError extends Error {
  override readonly name = 'EngineUnavailableError';
}
