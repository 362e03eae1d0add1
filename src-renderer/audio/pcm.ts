// Pure sample conversions used by the capture worklet (and unit-tested in Node):
// downmix to mono, resample to 16 kHz when the browser did not, float -> PCM16, and a
// level reading for the meter.

export const TARGET_RATE = 16_000;

/** Averages every channel into one. A single channel is returned as is. */
export function downmix(channels: readonly Float32Array[]): Float32Array {
  if (channels.length === 0) return new Float32Array(0);
  if (channels.length === 1) return channels[0];
  const out = new Float32Array(channels[0].length);
  for (const channel of channels) {
    for (let i = 0; i < out.length; i++) out[i] += channel[i];
  }
  const scale = 1 / channels.length;
  for (let i = 0; i < out.length; i++) out[i] *= scale;
  return out;
}

/** Clamps to [-1, 1] and scales to signed 16-bit (asymmetric range, as WAV expects). */
export function floatToPcm16(samples: Float32Array): Int16Array {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const s = Math.max(-1, Math.min(1, samples[i]));
    out[i] = s < 0 ? Math.round(s * 0x8000) : Math.round(s * 0x7fff);
  }
  return out;
}

/** Peak and RMS of a block, both in [0, 1]. */
export function measureLevel(samples: Float32Array): { peak: number; rms: number } {
  let peak = 0;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) {
    const v = Math.abs(samples[i]);
    if (v > peak) peak = v;
    sum += samples[i] * samples[i];
  }
  return { peak: Math.min(1, peak), rms: samples.length ? Math.sqrt(sum / samples.length) : 0 };
}

/**
 * Streaming linear resampler. Only used when the browser ignored
 * `new AudioContext({ sampleRate: 16000 })`; Chromium honours it and resamples itself.
 * Keeps its fractional position and the last sample across blocks so block edges are seamless.
 */
export class LinearResampler {
  private readonly step: number;
  private position = 0; // fractional index into the (previous last sample + current block)
  private last = 0;

  constructor(
    readonly fromRate: number,
    readonly toRate: number = TARGET_RATE,
  ) {
    if (!(fromRate > 0) || !(toRate > 0)) throw new Error(`invalid sample rates ${fromRate} -> ${toRate}`);
    this.step = fromRate / toRate;
  }

  process(input: Float32Array): Float32Array {
    if (this.fromRate === this.toRate) return input;
    // Index 0 is the previous block's last sample, 1..n the current block.
    const available = input.length;
    const out: number[] = [];
    while (this.position < available) {
      const i = Math.floor(this.position);
      const frac = this.position - i;
      const a = i === 0 ? this.last : input[i - 1];
      const b = input[i];
      out.push(a + (b - a) * frac);
      this.position += this.step;
    }
    this.position -= available;
    if (available > 0) this.last = input[available - 1];
    return Float32Array.from(out);
  }
}

/** Encodes PCM16 samples as little-endian bytes (the wire and WAV order). */
export function pcm16ToBytes(samples: Int16Array): Uint8Array {
  const bytes = new Uint8Array(samples.length * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < samples.length; i++) view.setInt16(i * 2, samples[i], true);
  return bytes;
}
