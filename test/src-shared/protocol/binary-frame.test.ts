// The binary_audio frame layout (docs/protocol.md, "binary_audio"): what the encoder writes
// the decoder reads back, byte for byte, and every malformed header is refused as
// bad_frame with its reason, never thrown.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BINARY_HEADER_BYTES,
  decodeBinaryFrame,
  encodeBinaryFrame,
} from '../../../src-shared/protocol/binary-frame.js';

describe('binary audio frames', () => {
  it('round-trips stream, chunk index, flag and PCM', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 0xffff_ffff }),
        fc.integer({ min: 0, max: 0xffff_ffff }),
        fc.boolean(),
        fc.uint8Array({ maxLength: 256 }),
        (stream, chunkIndex, provisional, pcm) => {
          const frame = encodeBinaryFrame({ stream, chunkIndex, provisional }, pcm);
          expect(frame.byteLength).toBe(BINARY_HEADER_BYTES + pcm.byteLength);
          const decoded = decodeBinaryFrame(frame);
          expect(decoded).toEqual({ ok: true, header: { stream, chunkIndex, provisional }, pcm });
        },
      ),
    );
  });

  it('writes the documented bytes', () => {
    const frame = encodeBinaryFrame(
      { stream: 0x0102_0304, chunkIndex: 5, provisional: true },
      Uint8Array.of(9, 8),
    );
    expect([...frame]).toEqual([0x45, 0x41, 1, 1, 4, 3, 2, 1, 5, 0, 0, 0, 9, 8]);
  });

  it('reads a frame inside a larger buffer at an odd offset (ws hands out pooled slices)', () => {
    const inner = encodeBinaryFrame(
      { stream: 3, chunkIndex: 7, provisional: false },
      Uint8Array.of(1, 2, 3, 4),
    );
    const pool = new Uint8Array(inner.byteLength + 5);
    pool.set(inner, 3);
    const decoded = decodeBinaryFrame(pool.subarray(3, 3 + inner.byteLength));
    expect(decoded).toEqual({
      ok: true,
      header: { stream: 3, chunkIndex: 7, provisional: false },
      pcm: Uint8Array.of(1, 2, 3, 4),
    });
  });

  it('refuses anything else as bad_frame and never throws', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        const decoded = decodeBinaryFrame(bytes);
        if (decoded.ok) {
          expect([bytes[0], bytes[1], bytes[2]]).toEqual([0x45, 0x41, 1]);
          expect(bytes[3]! & 0xfe).toBe(0);
        } else expect(decoded.code).toBe('bad_frame');
      }),
    );
  });

  it('will not encode what a header cannot carry', () => {
    expect(() =>
      encodeBinaryFrame({ stream: 0, chunkIndex: 0, provisional: false }, new Uint8Array()),
    ).toThrow(RangeError);
    expect(() =>
      encodeBinaryFrame({ stream: 1, chunkIndex: 2 ** 32, provisional: false }, new Uint8Array()),
    ).toThrow(RangeError);
  });
});
