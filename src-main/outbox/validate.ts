// Input checks and audio conversion shared by the store's methods: every malformed
// argument is a typed OutboxError('invalid_input') with a one-line reason.
import { PROTOCOL_SAMPLE_RATE } from '../../src-shared/audio/wav.js';
import { OutboxError } from './errors.js';

/** Far above any chunk the chunker makes (15 s), low enough to refuse a runaway buffer. */
export const MAX_CHUNK_SAMPLES = PROTOCOL_SAMPLE_RATE * 120;
const MAX_TEXT_LENGTH = 1_000_000;
export const MAX_SOURCE_LENGTH = 4096;

export function requireId(id: unknown, what = 'recording id'): number {
  if (!Number.isSafeInteger(id) || (id as number) <= 0)
    throw new OutboxError('invalid_input', `${what} must be a positive integer, got ${String(id)}`);
  return id as number;
}

export function requireText(text: unknown, what: string, max = MAX_TEXT_LENGTH): string {
  if (typeof text !== 'string') throw new OutboxError('invalid_input', `${what} must be a string`);
  if (text.length > max) throw new OutboxError('invalid_input', `${what} is longer than ${max} characters`);
  return text;
}

export function pcmToBlob(pcm: Int16Array): Buffer {
  // Int16Array is host-endian; every platform Earshot targets (x64, arm64) is little-endian,
  // which is also the WAV byte order.
  return Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength);
}

export function blobToPcm(blob: Buffer): Int16Array {
  const copy = new Uint8Array(blob.byteLength); // aligned, owned memory
  copy.set(blob);
  return new Int16Array(copy.buffer);
}

export function requireIndex(index: unknown, what = 'chunk index'): number {
  if (!Number.isSafeInteger(index) || (index as number) < 0) {
    throw new OutboxError('invalid_input', `${what} must be a non-negative integer, got ${String(index)}`);
  }
  return index as number;
}

export function requireSha256(hash: unknown): string {
  if (typeof hash !== 'string' || !/^[0-9a-f]{64}$/.test(hash))
    throw new OutboxError(
      'invalid_input',
      `a content hash must be 64 lowercase hex digits (SHA-256), got ${String(hash)}`,
    );
  return hash;
}
