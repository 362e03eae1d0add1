import { describe, expect, it } from 'vitest';
import {
  WavError,
  decodeProtocolWav,
  decodeRawPcm16,
  decodeWav,
  hasRiffHeader,
  downmix,
  encodeWav,
  resample,
  toProtocolPcm,
} from '../../../src-shared/audio/wav.js';
import { customWav } from '../../src-gateway/support/test-client.js';

const tone = (n: number) => Int16Array.from({ length: n }, (_, i) => Math.round(8000 * Math.sin(i / 5)));

describe('protocol WAV', () => {
  it('round-trips PCM16 mono 16 kHz through encodeWav / decodeProtocolWav', () => {
    const samples = tone(1600);
    samples[0] = -32768;
    samples[1] = 32767;
    const bytes = encodeWav(samples);
    expect(bytes.length).toBe(44 + 3200);
    expect(Array.from(decodeProtocolWav(bytes))).toEqual(Array.from(samples));
    const info = decodeWav(bytes);
    expect(info).toMatchObject({ format: 1, channels: 1, sampleRate: 16_000, bitsPerSample: 16 });
  });

  // Issue 10, item 7: a WAV whose header claims more data than it carries was accepted.
  it('refuses a truncated WAV at the gateway, reads it as far as it goes in the CLI, and says which', () => {
    const whole = encodeWav(tone(1600));
    const truncated = whole.subarray(0, 44 + 1000);
    expect(() => decodeProtocolWav(truncated)).toThrow(WavError);
    expect(() => decodeProtocolWav(truncated)).toThrow(
      'the WAV header declares 3200 bytes of audio but only 1000 follow (truncated file)',
    );
    const notes: string[] = [];
    expect(toProtocolPcm(truncated, (note) => notes.push(note))).toHaveLength(500);
    expect(notes).toEqual([
      'the WAV header declares 3200 bytes of audio but only 1000 follow (truncated file); read the 1000',
    ]);
    // Streaming recorders leave the size unknown (0 or 0xFFFFFFFF): read to the end, no note.
    for (const unknown of [0, 0xffffffff]) {
      const streamed = Uint8Array.from(whole);
      new DataView(streamed.buffer).setUint32(40, unknown, true);
      expect(decodeProtocolWav(streamed)).toHaveLength(1600);
      expect(toProtocolPcm(streamed, (note) => notes.push(note))).toHaveLength(1600);
    }
    expect(notes).toHaveLength(1);
  });

  it('skips unknown chunks before "data"', () => {
    const plain = encodeWav(tone(10));
    const list = new Uint8Array([...new TextEncoder().encode('LIST'), 4, 0, 0, 0, 1, 2, 3, 4]);
    const withList = new Uint8Array([...plain.subarray(0, 36), ...list, ...plain.subarray(36)]);
    expect(Array.from(decodeProtocolWav(withList))).toEqual(Array.from(tone(10)));
  });

  it.each([
    ['not RIFF', new TextEncoder().encode('hello world, not a wav file'), /not a WAV file/],
    ['44.1 kHz', customWav({ sampleRate: 44_100, channels: 1, bitsPerSample: 16 }), /44100 Hz/],
    ['stereo', customWav({ sampleRate: 16_000, channels: 2, bitsPerSample: 16 }), /2 channel/],
    ['8-bit', customWav({ sampleRate: 16_000, channels: 1, bitsPerSample: 8 }), /8-bit PCM/],
    ['float', customWav({ sampleRate: 16_000, channels: 1, bitsPerSample: 32, format: 3 }), /32-bit float/],
    [
      'odd data length',
      customWav({ sampleRate: 16_000, channels: 1, bitsPerSample: 16, dataBytes: 3 }),
      /odd number of bytes/,
    ],
    ['no data chunk', encodeWav(tone(4)).subarray(0, 36), /no "data" chunk/],
  ])('refuses %s with the reason', (_name, bytes, reason) => {
    expect(() => decodeProtocolWav(bytes)).toThrow(WavError);
    expect(() => decodeProtocolWav(bytes)).toThrow(reason);
  });
});

describe('lenient conversion for user files', () => {
  it('down-mixes stereo and resamples 44.1 kHz to 16 kHz', () => {
    expect(Array.from(downmix(Int16Array.from([100, 300, -100, -300]), 2))).toEqual([200, -200]);
    const out = resample(tone(44_100), 44_100, 16_000);
    expect(out.length).toBe(16_000);
    const same = resample(tone(100), 16_000, 16_000);
    expect(Array.from(same)).toEqual(Array.from(tone(100)));
  });

  it('converts a 16-bit stereo 44.1 kHz WAV and refuses 8-bit', () => {
    expect(
      toProtocolPcm(customWav({ sampleRate: 44_100, channels: 2, bitsPerSample: 16, dataBytes: 44_100 * 4 }))
        .length,
    ).toBe(16_000);
    expect(() => toProtocolPcm(customWav({ sampleRate: 16_000, channels: 1, bitsPerSample: 8 }))).toThrow(
      /only 16-bit PCM/,
    );
  });
});

describe('headerless raw PCM', () => {
  it('reads little-endian 16-bit samples and tells a WAV from raw bytes by its RIFF header', () => {
    const samples = tone(100);
    const raw = new Uint8Array(samples.buffer.slice(0));
    expect(hasRiffHeader(raw)).toBe(false);
    expect(hasRiffHeader(encodeWav(samples))).toBe(true);
    expect(Array.from(decodeRawPcm16(raw))).toEqual(Array.from(samples));
    expect(Array.from(decodeRawPcm16(Uint8Array.from([0x01, 0x80])))).toEqual([-32767]);
    expect(decodeRawPcm16(new Uint8Array(0)).length).toBe(0);
  });

  it('refuses an odd byte count: it cannot be whole 16-bit samples', () => {
    expect(() => decodeRawPcm16(new Uint8Array(7))).toThrow(WavError);
    expect(() => decodeRawPcm16(new Uint8Array(7))).toThrow(
      /7 bytes is not a whole number of 16-bit samples/,
    );
  });
});
