// What the gateway accepts as a chunk's audio_data: strict standard base64 of either a WAV
// that is exactly PCM16 mono 16 kHz, or headerless raw PCM in that format (no RIFF header,
// an even number of bytes; docs/protocol.md, "Audio"). Anything else is refused with the reason.
import { Buffer } from 'node:buffer';
import { endianness } from 'node:os';
import { isStrictBase64 } from '../../src-shared/audio/base64.js';
import {
  WavError,
  decodeProtocolWav,
  decodeRawPcm16,
  hasRiffHeader,
  PROTOCOL_SAMPLE_RATE,
} from '../../src-shared/audio/wav.js';

export type ChunkAudio =
  | { ok: true; pcm: Int16Array; audioSeconds: number; container: 'wav' | 'raw' }
  | { ok: false; problem: 'base64' | 'wav'; reason: string };

/**
 * Audio seconds a chunk would hold, from the length of its base64 alone: cheap enough
 * to answer `busy` to a flood of retries without decoding any of them.
 */
export function estimateAudioSeconds(audioData: string): number {
  const padding = audioData.endsWith('==') ? 2 : audioData.endsWith('=') ? 1 : 0;
  const bytes = (audioData.length * 3) / 4 - padding;
  return Math.max(0, bytes - 44) / (PROTOCOL_SAMPLE_RATE * 2);
}

export function readChunkAudio(audioData: string): ChunkAudio {
  if (!isStrictBase64(audioData))
    return { ok: false, problem: 'base64', reason: 'audio_data is not valid standard base64' };
  const bytes = Buffer.from(audioData, 'base64');
  const container = hasRiffHeader(bytes) ? 'wav' : 'raw';
  try {
    const pcm = container === 'wav' ? decodeProtocolWav(bytes) : decodeRawPcm16(bytes);
    return { ok: true, pcm, audioSeconds: pcm.length / PROTOCOL_SAMPLE_RATE, container };
  } catch (error) {
    const reason = error instanceof WavError ? error.message : String(error);
    return { ok: false, problem: 'wav', reason: `audio_data is not protocol audio: ${reason}` };
  }
}

/** A chunk's audio as it came: base64 text in JSON, or raw PCM bytes of a binary frame. */
export type ChunkPayload = { base64: string } | { pcm: Uint8Array };

const LITTLE_ENDIAN_HOST = endianness() === 'LE';

/** Audio seconds a payload would hold, without decoding it (see estimateAudioSeconds). */
export function estimatePayloadSeconds(payload: ChunkPayload): number {
  return 'base64' in payload
    ? estimateAudioSeconds(payload.base64)
    : payload.pcm.byteLength / (PROTOCOL_SAMPLE_RATE * 2);
}

export function readPayload(payload: ChunkPayload): ChunkAudio {
  if ('base64' in payload) return readChunkAudio(payload.base64);
  const bytes = payload.pcm;
  if (bytes.byteLength % 2 !== 0)
    return {
      ok: false,
      problem: 'wav',
      reason: `binary audio of ${bytes.byteLength} bytes is not a whole number of 16-bit samples`,
    };
  // On a little-endian host the frame's bytes are the samples: read in place when they
  // start on a 16-bit boundary (the queue copies them on, and never transfers ws's buffer),
  // else copied once into memory of their own that is not zeroed first. Elsewhere, sample by sample.
  let pcm: Int16Array;
  if (LITTLE_ENDIAN_HOST && bytes.byteOffset % 2 === 0) {
    pcm = new Int16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2);
  } else if (LITTLE_ENDIAN_HOST) {
    const own = Buffer.allocUnsafeSlow(bytes.byteLength);
    own.set(bytes);
    pcm = new Int16Array(own.buffer, own.byteOffset, bytes.byteLength / 2);
  } else pcm = decodeRawPcm16(bytes);
  return { ok: true, pcm, audioSeconds: pcm.length / PROTOCOL_SAMPLE_RATE, container: 'raw' };
}
