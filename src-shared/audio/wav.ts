// RIFF WAV for the protocol's one audio format: PCM signed 16-bit little-endian, mono,
// 16 kHz. `decodeWav` reads any PCM WAV and says exactly what it found; `toProtocolPcm`
// accepts 16-bit PCM at other rates or with more channels and converts it, and rejects
// everything else (8-bit, float, compressed) with the reason.
//
// A WAV whose "data" header claims more bytes than follow (a truncated file) is refused
// by the gateway (decodeProtocolWav): a chunk must arrive whole. A file handed to the CLI
// is read as far as it goes and the caller is told (toProtocolPcm's onNote). A size of 0
// or 0xFFFFFFFF is how streaming recorders leave it unknown: that is read to the end.

export const PROTOCOL_SAMPLE_RATE = 16_000;
export const WAV_HEADER_BYTES = 44;

export class WavError extends Error {
  override readonly name = 'WavError';
}

export interface WavInfo {
  format: number; // 1 = PCM, 3 = IEEE float, 0xfffe = extensible
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  /** Interleaved sample bytes of the data chunk. */
  data: Uint8Array;
  /** Set when the data chunk's header declared more bytes than the file holds. */
  declaredDataBytes?: number;
}

function ascii(bytes: Uint8Array, offset: number, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += String.fromCharCode(bytes[offset + i] ?? 0);
  return s;
}

/** Parses the RIFF structure; does not judge the format. Throws WavError. */
export function decodeWav(bytes: Uint8Array): WavInfo {
  if (bytes.length < 12 || ascii(bytes, 0, 4) !== 'RIFF' || ascii(bytes, 8, 4) !== 'WAVE') {
    throw new WavError('not a WAV file (no RIFF/WAVE header)');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 12;
  let fmt: Omit<WavInfo, 'data'> | undefined;
  while (offset + 8 <= bytes.length) {
    const id = ascii(bytes, offset, 4);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > bytes.length) throw new WavError('WAV "fmt " chunk is truncated');
      let format = view.getUint16(body, true);
      const bitsPerSample = view.getUint16(body + 14, true);
      if (format === 0xfffe && size >= 26 && body + 26 <= bytes.length) {
        format = view.getUint16(body + 24, true); // sub-format GUID starts with the real format tag
      }
      fmt = {
        format,
        channels: view.getUint16(body + 2, true),
        sampleRate: view.getUint32(body + 4, true),
        bitsPerSample,
      };
    } else if (id === 'data') {
      if (!fmt) throw new WavError('WAV "data" chunk comes before "fmt "');
      const available = bytes.length - body;
      if (size === 0 || size === 0xffffffff) return { ...fmt, data: bytes.subarray(body) };
      if (size > available) return { ...fmt, data: bytes.subarray(body), declaredDataBytes: size };
      return { ...fmt, data: bytes.subarray(body, body + size) };
    }
    offset = body + size + (size % 2); // chunks are word-aligned
  }
  throw new WavError(fmt ? 'WAV has no "data" chunk' : 'WAV has no "fmt " chunk');
}

function describe(info: Omit<WavInfo, 'data'>): string {
  const kind =
    info.format === 1
      ? `${info.bitsPerSample}-bit PCM`
      : info.format === 3
        ? `${info.bitsPerSample}-bit float`
        : `format tag ${info.format}`;
  return `${kind}, ${info.channels} channel(s), ${info.sampleRate} Hz`;
}

/** The reason a WAV is not exactly protocol audio, or undefined when it is. */
export function protocolMismatch(info: Omit<WavInfo, 'data'>): string | undefined {
  if (
    info.format !== 1 ||
    info.bitsPerSample !== 16 ||
    info.channels !== 1 ||
    info.sampleRate !== PROTOCOL_SAMPLE_RATE
  ) {
    return `expected 16-bit PCM, mono, 16000 Hz; got ${describe(info)}`;
  }
  return undefined;
}

function truncation(info: WavInfo): string {
  return `the WAV header declares ${info.declaredDataBytes} bytes of audio but only ${info.data.length} follow (truncated file)`;
}

function samplesOf(info: WavInfo): Int16Array {
  const count = Math.floor(info.data.length / 2);
  // Copy so the samples are aligned and own their memory.
  const out = new Int16Array(count);
  const view = new DataView(info.data.buffer, info.data.byteOffset, info.data.byteLength);
  for (let i = 0; i < count; i++) out[i] = view.getInt16(i * 2, true);
  return out;
}

/** Strict: the gateway accepts only protocol audio. Throws WavError with the reason. */
export function decodeProtocolWav(bytes: Uint8Array): Int16Array {
  const info = decodeWav(bytes);
  const mismatch = protocolMismatch(info);
  if (mismatch) throw new WavError(mismatch);
  if (info.declaredDataBytes !== undefined) throw new WavError(truncation(info));
  if (info.data.length % 2 !== 0)
    throw new WavError('WAV data has an odd number of bytes for 16-bit samples');
  return samplesOf(info);
}

/**
 * Lenient, for files users hand to the CLI: 16-bit PCM of any rate and channel count is
 * down-mixed and resampled to 16 kHz mono. Anything else is refused with the reason.
 */
export function toProtocolPcm(bytes: Uint8Array, onNote?: (note: string) => void): Int16Array {
  const info = decodeWav(bytes);
  if (info.declaredDataBytes !== undefined) onNote?.(`${truncation(info)}; read the ${info.data.length}`);
  if (info.format !== 1 || info.bitsPerSample !== 16) {
    throw new WavError(`only 16-bit PCM WAV is supported; got ${describe(info)}`);
  }
  if (info.channels < 1) throw new WavError('WAV declares 0 channels');
  if (info.sampleRate < 4000 || info.sampleRate > 192_000) {
    throw new WavError(`unsupported sample rate ${info.sampleRate} Hz`);
  }
  let samples = samplesOf(info);
  if (info.channels > 1) samples = downmix(samples, info.channels);
  if (info.sampleRate !== PROTOCOL_SAMPLE_RATE)
    samples = resample(samples, info.sampleRate, PROTOCOL_SAMPLE_RATE);
  return samples;
}

export function downmix(interleaved: Int16Array, channels: number): Int16Array {
  const frames = Math.floor(interleaved.length / channels);
  const out = new Int16Array(frames);
  for (let f = 0; f < frames; f++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += interleaved[f * channels + c];
    out[f] = Math.round(sum / channels);
  }
  return out;
}

/**
 * Linear-interpolation resampler with a simple box pre-filter when downsampling.
 * Good enough for speech recognition input; not a mastering-grade converter.
 */
export function resample(samples: Int16Array, fromRate: number, toRate: number): Int16Array {
  if (fromRate === toRate) return samples.slice();
  let source: Int16Array | Float32Array = samples;
  const ratio = fromRate / toRate;
  if (ratio > 1) {
    // Average over the decimation window to limit aliasing.
    const width = Math.max(1, Math.round(ratio));
    const smoothed = new Float32Array(samples.length);
    let acc = 0;
    for (let i = 0; i < samples.length; i++) {
      acc += samples[i];
      if (i >= width) acc -= samples[i - width];
      smoothed[i] = acc / Math.min(i + 1, width);
    }
    source = smoothed;
  }
  const outLength = Math.floor(samples.length / ratio);
  const out = new Int16Array(outLength);
  for (let i = 0; i < outLength; i++) {
    const pos = i * ratio;
    const i0 = Math.floor(pos);
    const i1 = Math.min(i0 + 1, source.length - 1);
    const frac = pos - i0;
    const value = source[i0] * (1 - frac) + source[i1] * frac;
    out[i] = Math.max(-32768, Math.min(32767, Math.round(value)));
  }
  return out;
}

/** A complete 44-byte-header WAV of PCM16 mono samples. */
export function encodeWav(samples: Int16Array, sampleRate = PROTOCOL_SAMPLE_RATE): Uint8Array {
  const dataBytes = samples.length * 2;
  const out = new Uint8Array(WAV_HEADER_BYTES + dataBytes);
  const view = new DataView(out.buffer);
  const writeAscii = (offset: number, text: string) => {
    for (let i = 0; i < text.length; i++) out[offset + i] = text.charCodeAt(i);
  };
  writeAscii(0, 'RIFF');
  view.setUint32(4, 36 + dataBytes, true);
  writeAscii(8, 'WAVE');
  writeAscii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * 2, true); // byte rate
  view.setUint16(32, 2, true); // block align
  view.setUint16(34, 16, true);
  writeAscii(36, 'data');
  view.setUint32(40, dataBytes, true);
  for (let i = 0; i < samples.length; i++) view.setInt16(WAV_HEADER_BYTES + i * 2, samples[i], true);
  return out;
}

/** True when `bytes` start like a RIFF WAV file (whatever its format). */
export function hasRiffHeader(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && ascii(bytes, 0, 4) === 'RIFF';
}

/**
 * Headerless audio, read as the protocol's format (PCM signed 16-bit little-endian, mono,
 * 16 kHz): the base system's own scripts send it this way. Nothing in the bytes can
 * confirm the assumption, so only the one thing that can be checked is: whole samples.
 */
export function decodeRawPcm16(bytes: Uint8Array): Int16Array {
  if (bytes.length % 2 !== 0)
    throw new WavError(
      `no RIFF header, and ${bytes.length} bytes is not a whole number of 16-bit samples for raw PCM`,
    );
  return samplesOf({
    format: 1,
    channels: 1,
    sampleRate: PROTOCOL_SAMPLE_RATE,
    bitsPerSample: 16,
    data: bytes,
  });
}
