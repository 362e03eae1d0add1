// The audio every simulated session sends, prepared once: the file is read, converted
// to protocol PCM, cut into chunks, and each chunk encoded as a complete WAV in base64
// (JSON chunks) and kept as raw PCM bytes (binary frames, extension `binary_audio`).
// Sessions share these strings (one copy per worker thread), which is what lets one
// process hold thousands of sessions. A run builds them once: the command line checks the
// file with the same call the engine then makes, and gets the same object back.
import { readFileSync, statSync } from 'node:fs';
import {
  PROTOCOL_SAMPLE_RATE,
  WAV_HEADER_BYTES,
  WavError,
  encodeWav,
  toProtocolPcm,
} from '../../src-shared/audio/wav.js';

export interface StressAudio {
  /** base64 WAV payload of each chunk, in order. */
  chunks: string[];
  /** Raw PCM16 LE bytes of each chunk, in order: the audio of a binary frame. */
  pcm: Uint8Array[];
  /** Audio seconds of each chunk. */
  chunkSeconds: number[];
  totalSeconds: number;
}

/** The last file chunked: the same path, size, mtime and chunk length give the same payloads. */
let last: { key: string; audio: StressAudio } | undefined;

export function loadStressAudio(path: string, chunkMs: number): StressAudio {
  let bytes: Buffer;
  let key: string;
  try {
    const stat = statSync(path);
    key = `${path}\0${stat.size}\0${stat.mtimeMs}\0${chunkMs}`;
    if (last?.key === key) return last.audio;
    bytes = readFileSync(path);
  } catch (error) {
    throw new RangeError(
      `cannot read audio file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
  let samples: Int16Array;
  try {
    samples = toProtocolPcm(bytes);
  } catch (error) {
    if (error instanceof WavError) throw new RangeError(`audio file ${path}: ${error.message}`);
    throw error;
  }
  if (samples.length < PROTOCOL_SAMPLE_RATE / 10)
    throw new RangeError(`audio file ${path} holds less than 0.1 s of audio`);
  const audio = chunkAudio(samples, chunkMs);
  last = { key, audio };
  return audio;
}

export function chunkAudio(samples: Int16Array, chunkMs: number): StressAudio {
  const perChunk = Math.max(1, Math.round((PROTOCOL_SAMPLE_RATE * chunkMs) / 1000));
  const chunks: string[] = [];
  const pcm: Uint8Array[] = [];
  const chunkSeconds: number[] = [];
  // The WAV's data part: PCM16 little-endian whatever the host's byte order.
  const bytesOf = (part: Int16Array) => encodeWav(part).slice(WAV_HEADER_BYTES);
  for (let offset = 0; offset < samples.length; offset += perChunk) {
    const part = samples.subarray(offset, Math.min(samples.length, offset + perChunk));
    // A tail shorter than 100 ms joins the previous chunk rather than travel alone.
    if (part.length < PROTOCOL_SAMPLE_RATE / 10 && chunks.length > 0) {
      const start = offset - perChunk;
      chunks[chunks.length - 1] = Buffer.from(encodeWav(samples.subarray(start))).toString('base64');
      pcm[pcm.length - 1] = bytesOf(samples.subarray(start));
      chunkSeconds[chunkSeconds.length - 1] = (samples.length - start) / PROTOCOL_SAMPLE_RATE;
      break;
    }
    chunks.push(Buffer.from(encodeWav(part)).toString('base64'));
    pcm.push(bytesOf(part));
    chunkSeconds.push(part.length / PROTOCOL_SAMPLE_RATE);
  }
  return { chunks, pcm, chunkSeconds, totalSeconds: samples.length / PROTOCOL_SAMPLE_RATE };
}
