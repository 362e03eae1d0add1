// AudioWorklet processor: turns whatever the microphone gives (the Chromium fake device
// is 44.1 kHz stereo; the AudioContext is asked for 16 kHz so Chromium resamples) into
// 16 kHz mono PCM16 blocks of BLOCK_SAMPLES, posted to the main thread with the level of
// each block. Runs on the audio thread: no allocation-heavy work, no DOM.
import { LinearResampler, TARGET_RATE, downmix, floatToPcm16, measureLevel } from './pcm.js';

// The AudioWorkletGlobalScope is not in TypeScript's DOM lib; declare what we use.
declare const sampleRate: number;
declare function registerProcessor(name: string, ctor: unknown): void;
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
}

export interface CaptureBlockMessage {
  type: 'block';
  pcm: Int16Array;
  peak: number;
  rms: number;
}

const BLOCK_SAMPLES = 800; // 50 ms at 16 kHz: a fine-grained meter; main batches further.

class CaptureProcessor extends AudioWorkletProcessor {
  private readonly resampler = new LinearResampler(sampleRate, TARGET_RATE);
  private pending = new Float32Array(BLOCK_SAMPLES);
  private filled = 0;

  process(inputs: Float32Array[][]): boolean {
    const input = inputs[0];
    if (!input || input.length === 0) return true; // no device right now: keep the node alive
    const mono = this.resampler.process(downmix(input));
    let offset = 0;
    while (offset < mono.length) {
      const take = Math.min(BLOCK_SAMPLES - this.filled, mono.length - offset);
      this.pending.set(mono.subarray(offset, offset + take), this.filled);
      this.filled += take;
      offset += take;
      if (this.filled === BLOCK_SAMPLES) this.flush();
    }
    return true;
  }

  private flush(): void {
    const block = this.pending;
    const { peak, rms } = measureLevel(block);
    const pcm = floatToPcm16(block);
    const message: CaptureBlockMessage = { type: 'block', pcm, peak, rms };
    this.port.postMessage(message, [pcm.buffer]);
    this.pending = new Float32Array(BLOCK_SAMPLES);
    this.filled = 0;
  }
}

registerProcessor('earshot-capture', CaptureProcessor);
