// Moonshine Tiny on ONNX Runtime: the encoder turns audio into hidden states once, then
// the merged decoder writes one token per step, greedily, reusing its key/value cache:
// each step feeds only the newest token and the cache of the steps before it. On the
// first step the merged graph's no-cache branch also computes the cross-attention cache
// from the encoder states; later steps reuse that part unchanged.
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { MOONSHINE_TINY_EN } from '../../../src-shared/models/manifest.js';
import { readModelFile } from '../../../src-node/models/model-files.js';
import { createSession, loadOrt, type Ort } from '../../../src-node/onnx/session.js';
import { END_TOKEN, START_TOKEN, repetitionLoopEnd } from './tokens.js';

/** Shape of Moonshine Tiny's decoder cache: 6 layers, 8 heads of 36 dimensions. */
const LAYERS = 6;
const HEADS = 8;
const HEAD_DIM = 36;
/** The encoder needs this many samples to produce its first frame. */
export const MIN_ENCODER_SAMPLES = 1024;

type CacheName = `${'decoder' | 'encoder'}.${'key' | 'value'}`;
const CACHE_PARTS: readonly CacheName[] = ['decoder.key', 'decoder.value', 'encoder.key', 'encoder.value'];

export interface MoonshineLoadOptions {
  modelsDir: string;
  /** ONNX Runtime intra-op threads per session. */
  threads?: number;
}

export class MoonshineModel {
  private readonly emptyCache: Tensor;

  private constructor(
    private readonly ort: Ort,
    private readonly encoder: InferenceSession,
    private readonly decoder: InferenceSession,
  ) {
    this.emptyCache = new ort.Tensor('float32', new Float32Array(0), [1, HEADS, 0, HEAD_DIM]);
  }

  /** Reads both graphs (each verified by sha256 first) and creates their sessions. */
  static async load(options: MoonshineLoadOptions): Promise<MoonshineModel> {
    const encoderBytes = readModelFile(MOONSHINE_TINY_EN, 'encoder_model.onnx', options.modelsDir);
    const decoderBytes = readModelFile(MOONSHINE_TINY_EN, 'decoder_model_merged.onnx', options.modelsDir);
    const ort = await loadOrt();
    const sessionOptions = { threads: options.threads };
    const encoder = await createSession(encoderBytes, sessionOptions);
    const decoder = await createSession(decoderBytes, sessionOptions);
    return new MoonshineModel(ort, encoder, decoder);
  }

  /** Token ids for `audio` (16 kHz, -1..1), without the start and end tokens. */
  async generate(audio: Float32Array, maxTokens: number): Promise<number[]> {
    const { ort } = this;
    const encoded = await this.encoder.run({
      input_values: new ort.Tensor('float32', audio, [1, audio.length]),
    });
    const hiddenStates = encoded.last_hidden_state;

    const cache: Record<string, Tensor> = {};
    for (let layer = 0; layer < LAYERS; layer++) {
      for (const part of CACHE_PARTS) cache[`past_key_values.${layer}.${part}`] = this.emptyCache;
    }
    const tokens: number[] = [];
    let previous = START_TOKEN;
    for (let step = 0; step < maxTokens; step++) {
      const out = await this.decoder.run({
        input_ids: new ort.Tensor('int64', BigInt64Array.of(BigInt(previous)), [1, 1]),
        encoder_hidden_states: hiddenStates,
        use_cache_branch: new ort.Tensor('bool', [step > 0], [1]),
        ...cache,
      });
      const next = argMax(out.logits.data as Float32Array);
      if (next === END_TOKEN) break;
      tokens.push(next);
      const loopEnd = repetitionLoopEnd(tokens);
      if (loopEnd >= 0) {
        tokens.length = loopEnd;
        break;
      }
      for (let layer = 0; layer < LAYERS; layer++) {
        for (const part of CACHE_PARTS) {
          // The cross-attention cache depends only on the audio: taken from the first step.
          if (step > 0 && part.startsWith('encoder')) continue;
          cache[`past_key_values.${layer}.${part}`] = out[`present.${layer}.${part}`];
        }
      }
      previous = next;
    }
    return tokens;
  }

  close(): void {
    void this.encoder.release();
    void this.decoder.release();
  }
}

function argMax(values: Float32Array): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}
