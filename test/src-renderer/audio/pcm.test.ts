import { describe, expect, it } from 'vitest';
import {
  LinearResampler,
  downmix,
  floatToPcm16,
  measureLevel,
  pcm16ToBytes,
} from '../../../src-renderer/audio/pcm.js';
import { FrameBatcher } from '../../../src-renderer/audio/batcher.js';

function sine(freq: number, rate: number, seconds: number): Float32Array {
  return Float32Array.from(
    { length: Math.round(rate * seconds) },
    (_, i) => 0.5 * Math.sin((2 * Math.PI * freq * i) / rate),
  );
}

function zeroCrossings(samples: ArrayLike<number>): number {
  let n = 0;
  for (let i = 1; i < samples.length; i++) if (samples[i - 1] < 0 !== samples[i] < 0) n++;
  return n;
}

describe('pcm conversion', () => {
  it('downmixes stereo by averaging', () => {
    expect(Array.from(downmix([Float32Array.of(1, 0.5), Float32Array.of(0, -0.5)]))).toEqual([0.5, 0]);
  });

  it('clamps and scales float to PCM16, little-endian on the wire', () => {
    expect(Array.from(floatToPcm16(Float32Array.of(-2, -1, 0, 0.5, 1, 3)))).toEqual([
      -32768, -32768, 0, 16384, 32767, 32767,
    ]);
    expect(Array.from(pcm16ToBytes(Int16Array.of(1, -2)))).toEqual([1, 0, 0xfe, 0xff]);
  });

  it('measures peak and rms', () => {
    const { peak, rms } = measureLevel(Float32Array.of(0.5, -0.5, 0.5, -0.5));
    expect(peak).toBe(0.5);
    expect(rms).toBeCloseTo(0.5);
  });

  it('resamples 44.1 kHz to 16 kHz in blocks, keeping the length and the pitch', () => {
    const input = sine(440, 44_100, 1);
    const resampler = new LinearResampler(44_100, 16_000);
    const parts: Float32Array[] = [];
    for (let i = 0; i < input.length; i += 128) parts.push(resampler.process(input.subarray(i, i + 128)));
    const out = Float32Array.from(parts.flatMap((p) => Array.from(p)));
    expect(Math.abs(out.length - 16_000)).toBeLessThanOrEqual(2);
    // 440 Hz crosses zero 880 times a second, whatever the rate.
    expect(Math.abs(zeroCrossings(out) - 880)).toBeLessThanOrEqual(2);
  });
});

describe('frame batcher', () => {
  const block = (n: number, v: number) => new Int16Array(n).fill(v);

  it('keeps only the pre-roll while idle, and sends it as the head of the first batch', () => {
    const batches: Int16Array[] = [];
    const batcher = new FrameBatcher((b) => batches.push(b), {
      sampleRate: 16_000,
      preRollMs: 100,
      batchMs: 200,
    });
    for (let i = 0; i < 10; i++) batcher.push(block(800, i)); // 500 ms idle
    expect(batcher.bufferedSamples).toBe(1600);
    expect(batches).toHaveLength(0);
    batcher.start();
    batcher.push(block(800, 10));
    batcher.push(block(800, 11)); // 1600 + 1600 >= 3200: one batch
    expect(batches).toHaveLength(1);
    expect(batches[0].length).toBe(3200);
    expect([batches[0][0], batches[0][800], batches[0][1600], batches[0][2400]]).toEqual([8, 9, 10, 11]);
    batcher.push(block(100, 12));
    batcher.stop(); // the tail is flushed
    expect(batches.map((b) => b.length)).toEqual([3200, 100]);
    expect(batcher.isRecording).toBe(false);
    expect(batcher.bufferedSamples).toBe(0);
  });

  it('trims a block that straddles the pre-roll edge', () => {
    const batches: Int16Array[] = [];
    const batcher = new FrameBatcher((b) => batches.push(b), {
      sampleRate: 1000,
      preRollMs: 150,
      batchMs: 1000,
    });
    batcher.push(Int16Array.from({ length: 100 }, (_, i) => i));
    batcher.push(Int16Array.from({ length: 100 }, (_, i) => 100 + i));
    batcher.start();
    batcher.stop();
    expect(batches[0].length).toBe(150);
    expect(batches[0][0]).toBe(50);
    expect(batches[0][149]).toBe(199);
  });
});
