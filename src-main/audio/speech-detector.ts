// What tells the chunker which frames are speech. Silero VAD (src-node/vad/) when its
// model loads: a trained detector that keeps soft words and ignores steady noise, clicks
// and breaths far better than energy does. The energy gate below is the fallback when
// the model cannot load (the caller is told why), and the deterministic detector tests
// use to assert exact cut points.
import { PROTOCOL_SAMPLE_RATE } from '../../src-shared/audio/wav.js';
import { resolveModelsDir } from '../../src-node/models/model-files.js';
import { SILERO_FRAME_SAMPLES, SileroModel, type SileroStream } from '../../src-node/vad/silero-vad.js';

export interface SpeechDetector {
  readonly kind: 'silero' | 'energy';
  /** Samples per frame it classifies. */
  readonly frameSamples: number;
  /** Whether this frame (mean square `power`, full scale 1) is speech. Frames come in stream order, once each. */
  isSpeech(frame: Int16Array, power: number): boolean | Promise<boolean>;
}

export interface EnergyDetectorOptions {
  /** Speech is energy this far above the noise floor. Default 12 dB. */
  marginDb?: number;
  /** ...and at least this loud (dBFS), so dither in digital silence is never speech. Default -55. */
  minSpeechDb?: number;
}

const ENERGY_FRAME_MS = 10;
export const FLOOR_MIN_DB = -90;
/** Assumed noise level before any audio was seen: a quiet room. */
const FLOOR_INITIAL_DB = -70;
/**
 * The noise floor is the minimum of the short-term energy over the last few seconds
 * ("minimum statistics"): speech always has dips between words that reach the noise,
 * while a steady fan or hiss lifts every frame, so the floor follows noise within
 * FLOOR_WINDOW_MS but never climbs onto speech.
 */
const FLOOR_WINDOW_MS = 3000;
const SMOOTH_FRAMES = 5;

export function powerToDb(power: number): number {
  return power > 0 ? Math.max(FLOOR_MIN_DB, 10 * Math.log10(power)) : FLOOR_MIN_DB;
}

/** Frame energy against an adaptive noise floor. */
export class EnergyDetector implements SpeechDetector {
  readonly kind = 'energy' as const;
  readonly frameSamples: number;
  private readonly marginDb: number;
  private readonly minSpeechDb: number;
  private floorDb = FLOOR_INITIAL_DB;
  private readonly floorWindowFrames = FLOOR_WINDOW_MS / ENERGY_FRAME_MS;
  /** Monotonic deque of [frameNumber, smoothedDb] for the sliding-window minimum. */
  private readonly floorCandidates: Array<[number, number]> = [];
  private readonly recentPower: number[] = [];
  private frameNumber = 0;

  constructor(options: EnergyDetectorOptions = {}, sampleRate = PROTOCOL_SAMPLE_RATE) {
    this.frameSamples = Math.round((sampleRate * ENERGY_FRAME_MS) / 1000);
    this.marginDb = options.marginDb ?? 12;
    this.minSpeechDb = options.minSpeechDb ?? -55;
    // Pretend the window before the stream held a quiet room, so speech at the very start
    // is speech; a noisy stream replaces this within one window.
    this.floorCandidates.push([-1, FLOOR_INITIAL_DB]);
  }

  /** Current noise floor estimate in dBFS. */
  get noiseFloorDb(): number {
    return this.floorDb;
  }

  isSpeech(_frame: Int16Array, power: number): boolean {
    this.updateFloor(power);
    return powerToDb(power) > Math.max(this.floorDb + this.marginDb, this.minSpeechDb);
  }

  private updateFloor(power: number): void {
    this.recentPower.push(power);
    if (this.recentPower.length > SMOOTH_FRAMES) this.recentPower.shift();
    const mean = this.recentPower.reduce((a, b) => a + b, 0) / this.recentPower.length;
    const smoothedDb = powerToDb(mean);
    const n = this.frameNumber++;
    const deque = this.floorCandidates;
    while (deque.length && deque[deque.length - 1][1] >= smoothedDb) deque.pop();
    deque.push([n, smoothedDb]);
    while (deque[0][0] <= n - this.floorWindowFrames) deque.shift();
    this.floorDb = deque[0][1];
  }
}

/** A frame turns speech at this probability, and stays speech until it falls below the lower one. */
const SPEECH_ON = 0.5;
const SPEECH_OFF = 0.35;

export class SileroDetector implements SpeechDetector {
  readonly kind = 'silero' as const;
  readonly frameSamples = SILERO_FRAME_SAMPLES;
  private speaking = false;

  constructor(private readonly stream: SileroStream) {}

  async isSpeech(frame: Int16Array): Promise<boolean> {
    const probability = await this.stream.probability(frame);
    this.speaking = probability >= (this.speaking ? SPEECH_OFF : SPEECH_ON);
    return this.speaking;
  }
}

export interface SpeechDetectors {
  kind: SpeechDetector['kind'];
  /** A fresh detector for one stream. */
  create(): SpeechDetector;
  /** Set when Silero could not load and energy is used instead: why. */
  fallbackReason?: string;
}

/** Loaded once per models folder and process: every stream shares the session. */
const loaded = new Map<string, Promise<SileroModel | Error>>();

/**
 * Silero detectors when the model loads, else energy detectors and the reason. Never
 * throws: cutting at pauses must work without the model.
 */
export async function loadSpeechDetectors(options: { modelsDir?: string } = {}): Promise<SpeechDetectors> {
  const modelsDir = resolveModelsDir(options.modelsDir);
  let loading = loaded.get(modelsDir);
  if (!loading) {
    loading = SileroModel.load({ modelsDir }).catch((error: unknown) =>
      error instanceof Error ? error : new Error(String(error)),
    );
    loaded.set(modelsDir, loading);
  }
  const model = await loading;
  if (model instanceof Error) {
    return {
      kind: 'energy',
      create: () => new EnergyDetector(),
      fallbackReason: `Silero VAD unavailable (${model.message}); cutting at pauses by loudness instead`,
    };
  }
  return { kind: 'silero', create: () => new SileroDetector(model.stream()) };
}
