// The neural recognizer: Moonshine Tiny English (src-gateway/engines/moonshine/model.ts).
// One engine per worker thread holds one encoder/decoder session pair, loaded once, and
// decodes one chunk at a time. Chunks longer than LONG_INPUT_SECONDS are split at VAD
// pauses first and the segments' texts joined.
import { PROTOCOL_SAMPLE_RATE } from '../../../src-shared/audio/wav.js';
import { joinTexts } from '../../../src-shared/protocol/text-join.js';
import { MOONSHINE_TINY_EN, type ModelInfo } from '../../../src-shared/models/manifest.js';
import { modelInfo, resolveModelsDir } from '../../../src-node/models/model-files.js';
import { SILERO_FRAME_SAMPLES, SileroModel } from '../../../src-node/vad/silero-vad.js';
import { invalidInput, type Engine, type MoonshineEngineOptions, type TranscribeResult } from '../engine.js';
import { splitAtPauses } from './long-input.js';
import { MIN_ENCODER_SAMPLES, MoonshineModel } from './model.js';
import { detokenize, maxTokensFor } from './tokens.js';

/** Chunks longer than this are split inside the engine... */
export const LONG_INPUT_SECONDS = 20;
/** ...into segments of at most this long (the chunker's own maximum). */
const SEGMENT_MAX_SECONDS = 15;
const SEGMENT_MIN_SECONDS = 2;
/** A VAD frame below this speech probability is pause. */
const PAUSE_BELOW = 0.35;

export class MoonshineEngine implements Engine {
  readonly name = 'moonshine';
  readonly model: ModelInfo = modelInfo(MOONSHINE_TINY_EN);
  private closed = false;
  /** Decodes on one engine run one after another (one session pair, one cache). */
  private tail: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly moonshine: MoonshineModel,
    private readonly vad: SileroModel,
  ) {}

  static async create(options: MoonshineEngineOptions = {}): Promise<MoonshineEngine> {
    const modelsDir = resolveModelsDir(options.modelsDir);
    const moonshine = await MoonshineModel.load({ modelsDir, threads: options.threads });
    try {
      return new MoonshineEngine(moonshine, await SileroModel.load({ modelsDir }));
    } catch (error) {
      moonshine.close();
      throw error;
    }
  }

  transcribe(pcm: Int16Array, sampleRate: number): Promise<TranscribeResult> {
    const invalid = invalidInput(this.name, pcm, sampleRate, PROTOCOL_SAMPLE_RATE);
    if (invalid) return Promise.reject(invalid);
    const run = this.tail.then(() => this.decode(pcm));
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async decode(pcm: Int16Array): Promise<TranscribeResult> {
    if (this.closed) throw new Error('moonshine engine is closed');
    if (pcm.length <= LONG_INPUT_SECONDS * PROTOCOL_SAMPLE_RATE)
      return { text: await this.decodeSegment(pcm) };
    const segments = splitAtPauses({
      probabilities: await this.vad.probabilities(pcm),
      frameSamples: SILERO_FRAME_SAMPLES,
      totalSamples: pcm.length,
      maxSamples: SEGMENT_MAX_SECONDS * PROTOCOL_SAMPLE_RATE,
      minSamples: SEGMENT_MIN_SECONDS * PROTOCOL_SAMPLE_RATE,
      pauseBelow: PAUSE_BELOW,
    });
    const texts: string[] = [];
    for (const { start, end } of segments) texts.push(await this.decodeSegment(pcm.subarray(start, end)));
    return { text: joinTexts(texts), segments: segments.length };
  }

  private async decodeSegment(pcm: Int16Array): Promise<string> {
    // Too short for the encoder to produce a single frame: nothing can be said in it.
    if (pcm.length < MIN_ENCODER_SAMPLES) return '';
    const audio = new Float32Array(pcm.length);
    for (let i = 0; i < pcm.length; i++) audio[i] = pcm[i] / 32768;
    const tokens = await this.moonshine.generate(audio, maxTokensFor(pcm.length / PROTOCOL_SAMPLE_RATE));
    return detokenize(tokens);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    // After the decode in progress, if any: its sessions must outlive it.
    void this.tail.then(() => {
      this.moonshine.close();
      this.vad.close();
    });
  }
}
