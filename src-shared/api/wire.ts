// Web-mode wire format of EarshotApi over one WebSocket. Text frames carry JSON
// (calls, results, events); binary frames carry audio batches. Byte arrays inside JSON
// (a recording's WAV) travel as {"$bytes": base64} and are revived on the other side.
import { z } from 'zod';
import { base64Decode, base64Encode } from '../audio/base64.js';
import { apiErrorSchema } from './common.js';
import { MAX_BATCH_SAMPLES, type AudioBatch } from './dictation.js';

/** Path of the API socket on the web host; the token goes in `?token=`. */
export const WEB_API_PATH = '/api/ws';

export const wireCallSchema = z.object({
  type: z.literal('call'),
  id: z.number().int().nonnegative(),
  channel: z.string().max(100),
  input: z.unknown().optional(),
});

export const wireResultSchema = z.discriminatedUnion('ok', [
  z.object({ type: z.literal('result'), id: z.number().int(), ok: z.literal(true), output: z.unknown() }),
  z.object({
    type: z.literal('result'),
    id: z.number().int(),
    ok: z.literal(false),
    error: apiErrorSchema,
  }),
]);
export const wireEventSchema = z.object({
  type: z.literal('event'),
  event: z.string(),
  payload: z.unknown(),
});
export const wireServerMessageSchema = z.union([wireResultSchema, wireEventSchema]);

// ---- JSON with bytes ----------------------------------------------------------------

export function encodeJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v instanceof Uint8Array ? { $bytes: base64Encode(v) } : v,
  );
}

export function decodeJson(text: string): unknown {
  return JSON.parse(text, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const keys = Object.keys(v);
      const bytes = (v as { $bytes?: unknown }).$bytes;
      if (keys.length === 1 && typeof bytes === 'string') return base64Decode(bytes);
    }
    return v;
  });
}

// ---- binary audio batches -------------------------------------------------------------
// Layout (little-endian): u8 version=1, u8 idLength, u16 reserved=0, u32 seq,
// id (UTF-8, idLength bytes), zero padding to an even offset, PCM16 samples.

const AUDIO_FRAME_VERSION = 1;
const HEADER_BYTES = 8;

export function encodeAudioBatch(batch: AudioBatch): Uint8Array {
  const id = new TextEncoder().encode(batch.dictationId);
  if (id.length === 0 || id.length > 255) throw new RangeError('dictationId must be 1..255 bytes');
  const pcmOffset = HEADER_BYTES + id.length + ((HEADER_BYTES + id.length) % 2);
  const out = new Uint8Array(pcmOffset + batch.pcm.length * 2);
  const view = new DataView(out.buffer);
  view.setUint8(0, AUDIO_FRAME_VERSION);
  view.setUint8(1, id.length);
  view.setUint32(4, batch.seq >>> 0, true);
  out.set(id, HEADER_BYTES);
  for (let i = 0; i < batch.pcm.length; i++) view.setInt16(pcmOffset + i * 2, batch.pcm[i], true);
  return out;
}

/** Throws RangeError with the reason when the frame is not a valid audio batch. */
export function decodeAudioBatch(frame: Uint8Array): AudioBatch {
  if (frame.length < HEADER_BYTES) throw new RangeError('audio frame shorter than its header');
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const version = view.getUint8(0);
  if (version !== AUDIO_FRAME_VERSION)
    throw new RangeError(`audio frame version ${version} is not supported`);
  const idLength = view.getUint8(1);
  const seq = view.getUint32(4, true);
  const pcmOffset = HEADER_BYTES + idLength + ((HEADER_BYTES + idLength) % 2);
  if (idLength === 0 || frame.length < pcmOffset) throw new RangeError('audio frame has no dictation id');
  const dictationId = new TextDecoder('utf-8', { fatal: true }).decode(
    frame.subarray(HEADER_BYTES, HEADER_BYTES + idLength),
  );
  const pcmBytes = frame.length - pcmOffset;
  if (pcmBytes % 2 !== 0) throw new RangeError('audio frame has an odd number of PCM bytes');
  const samples = pcmBytes / 2;
  if (samples === 0 || samples > MAX_BATCH_SAMPLES)
    throw new RangeError(`audio frame holds ${samples} samples; expected 1..${MAX_BATCH_SAMPLES}`);
  const pcm = new Int16Array(samples);
  for (let i = 0; i < samples; i++) pcm[i] = view.getInt16(pcmOffset + i * 2, true);
  return { dictationId, seq, pcm };
}
