// Extension `binary_audio` (docs/protocol.md, "Extensions"): one chunk of audio in one
// binary WebSocket frame, a fixed 12-byte header and raw PCM16 LE mono 16 kHz after it. No
// base64 and no JSON: the gateway reads three integers and hands the bytes on. Both sides
// use this file: clients to build frames, the gateway to read them strictly.
import type { ErrorCode } from './messages.js';

/** "EA" (Earshot audio): a frame that does not start with it is not one of ours. */
export const BINARY_MAGIC_0 = 0x45;
export const BINARY_MAGIC_1 = 0x41;
export const BINARY_VERSION = 1;
export const BINARY_HEADER_BYTES = 12;

/** Flag bit: the audio is a provisional request for the open chunk, not the chunk itself. */
export const BINARY_FLAG_PROVISIONAL = 0x01;
/** Bits a version-1 frame may set; any other bit is refused, so a later version can use them. */
const KNOWN_FLAGS = BINARY_FLAG_PROVISIONAL;

/** The largest stream handle and chunk index a header can carry (uint32). */
export const BINARY_MAX_U32 = 0xffff_ffff;

export interface BinaryFrameHeader {
  /** The session's handle on this connection, from its start ack (`stream`). */
  stream: number;
  chunkIndex: number;
  provisional: boolean;
}

export type DecodedBinaryFrame =
  { ok: true; header: BinaryFrameHeader; pcm: Uint8Array } | { ok: false; code: ErrorCode; message: string };

/**
 * Writes header + PCM into one new buffer, ready for `ws.send`. `pcm` is the PCM16 LE
 * bytes (a WAV's data part as is). Throws RangeError for a handle or index a header
 * cannot carry: the caller sends that chunk as JSON instead.
 */
export function encodeBinaryFrame(header: BinaryFrameHeader, pcm: Uint8Array): Uint8Array {
  if (!Number.isInteger(header.stream) || header.stream < 1 || header.stream > BINARY_MAX_U32)
    throw new RangeError(`stream handle ${header.stream} does not fit a binary frame header`);
  if (!Number.isInteger(header.chunkIndex) || header.chunkIndex < 0 || header.chunkIndex > BINARY_MAX_U32)
    throw new RangeError(`chunk index ${header.chunkIndex} does not fit a binary frame header`);
  const frame = new Uint8Array(BINARY_HEADER_BYTES + pcm.byteLength);
  const view = new DataView(frame.buffer, frame.byteOffset, BINARY_HEADER_BYTES);
  frame[0] = BINARY_MAGIC_0;
  frame[1] = BINARY_MAGIC_1;
  frame[2] = BINARY_VERSION;
  frame[3] = header.provisional ? BINARY_FLAG_PROVISIONAL : 0;
  view.setUint32(4, header.stream, true);
  view.setUint32(8, header.chunkIndex, true);
  frame.set(pcm, BINARY_HEADER_BYTES);
  return frame;
}

/**
 * Reads one binary frame strictly. The PCM is a view into `frame` (no copy); whether its
 * length is a whole number of samples is the audio's check (bad_audio), not the header's.
 * Never throws.
 */
export function decodeBinaryFrame(frame: Uint8Array): DecodedBinaryFrame {
  if (frame.byteLength < BINARY_HEADER_BYTES)
    return bad(
      `binary frame of ${frame.byteLength} bytes is shorter than its ${BINARY_HEADER_BYTES}-byte header`,
    );
  if (frame[0] !== BINARY_MAGIC_0 || frame[1] !== BINARY_MAGIC_1)
    return bad('binary frame does not start with the magic "EA" (0x45 0x41)');
  if (frame[2] !== BINARY_VERSION)
    return bad(
      `binary frame version ${frame[2]} is not supported (this gateway reads version ${BINARY_VERSION})`,
    );
  const flags = frame[3]!;
  if ((flags & ~KNOWN_FLAGS) !== 0)
    return bad(`binary frame flags 0x${flags.toString(16).padStart(2, '0')} set reserved bits`);
  const view = new DataView(frame.buffer, frame.byteOffset, BINARY_HEADER_BYTES);
  const stream = view.getUint32(4, true);
  if (stream === 0) return bad('binary frame stream handle 0 is never assigned');
  return {
    ok: true,
    header: {
      stream,
      chunkIndex: view.getUint32(8, true),
      provisional: (flags & BINARY_FLAG_PROVISIONAL) !== 0,
    },
    pcm: frame.subarray(BINARY_HEADER_BYTES),
  };
}

function bad(message: string): DecodedBinaryFrame {
  return { ok: false, code: 'bad_frame', message };
}
