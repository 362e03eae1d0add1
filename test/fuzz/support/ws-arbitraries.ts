// Generators of hostile WebSocket traffic on an open connection: the messages a server
// understands (given by the caller, mutated), and frames no client library would send:
// fragmented messages (valid and broken), invalid UTF-8 in text frames and close
// reasons, reserved opcodes and RSV bits, unmasked client frames, control frames that
// are too long or fragmented, close frames with invalid codes, frames over the payload
// limit (declared and real), frames that lie about their length, and raw garbage.
import fc from 'fast-check';
import { OPCODE, type FrameSpec } from '../../helpers/raw-ws.js';

export interface WsProfile {
  /** Text payloads the server understands, mutated (e.g. protocol messages, API calls). */
  text: fc.Arbitrary<string>;
  /** Whole conversations (e.g. start, chunks, finish of one session), one message per frame. */
  conversation?: fc.Arbitrary<string[]>;
  /** Binary payloads. */
  binary: fc.Arbitrary<Uint8Array>;
  /** The server's payload limit, so oversized frames are just over it. */
  maxPayload: number;
}

export interface WsCase {
  kind: 'ws';
  frames: FrameSpec[];
  /**
   * True when a frame claims more bytes than it carries: the server is still reading that
   * frame, so nothing sent after it can be answered; the client half-closes instead.
   */
  leavesFrameOpen: boolean;
}

const INVALID_UTF8 = [
  [0xc3, 0x28],
  [0xa0, 0xa1],
  [0xe2, 0x28, 0xa1],
  [0xed, 0xa0, 0x80], // a UTF-16 surrogate, encoded
  [0xf0, 0x28, 0x8c, 0xbc],
  [0xf8, 0xa1, 0xa1, 0xa1, 0xa1],
  [0xc0, 0xaf], // overlong "/"
  [0xe2, 0x82], // truncated
  [0xff],
].map((b) => Uint8Array.from(b));

/** `text` with invalid UTF-8 spliced in at `at`. */
function withInvalidUtf8(text: string, bad: Uint8Array, at: number): Uint8Array {
  const bytes = Buffer.from(text);
  const cut = bytes.length === 0 ? 0 : at % bytes.length;
  return Buffer.concat([bytes.subarray(0, cut), bad, bytes.subarray(cut)]);
}

function splitInto(payload: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => (payload.length === 0 ? 0 : c % (payload.length + 1))))].sort(
    (a, b) => a - b,
  );
  const parts: Uint8Array[] = [];
  let from = 0;
  for (const point of points) {
    parts.push(payload.subarray(from, point));
    from = point;
  }
  parts.push(payload.subarray(from));
  return parts;
}

/** A message sent in fragments: first frame with the opcode, continuations after it. */
function fragments(opcode: number, payload: Uint8Array, cuts: number[], pingAfter?: number): FrameSpec[] {
  const parts = splitInto(payload, cuts);
  const frames: FrameSpec[] = parts.map((part, i) => ({
    opcode: i === 0 ? opcode : OPCODE.continuation,
    payload: part,
    fin: i === parts.length - 1,
  }));
  // Control frames may come between fragments (RFC 6455 section 5.4).
  if (pingAfter !== undefined && frames.length > 1)
    frames.splice(1 + (pingAfter % (frames.length - 1)), 0, { opcode: OPCODE.ping, payload: 'between' });
  return frames;
}

const closePayload = fc.oneof(
  fc.constant(new Uint8Array(0)),
  fc.constant(Uint8Array.of(0x03)), // one byte: no room for a code
  fc
    .tuple(
      fc.oneof(
        fc.constantFrom(1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 4000, 4999),
        fc.constantFrom(0, 999, 1004, 1005, 1006, 1012, 1014, 1015, 1016, 2000, 2999, 5000, 65535),
        fc.integer({ min: 0, max: 65535 }),
      ),
      fc.oneof(
        fc.string({ maxLength: 40 }).map((s) => Buffer.from(s)),
        fc.constantFrom(...INVALID_UTF8),
        fc.constant(Buffer.from('r'.repeat(124))), // 2 + 124 bytes: a control frame over 125
      ),
    )
    .map(([code, reason]) => {
      const out = Buffer.alloc(2 + reason.length);
      out.writeUInt16BE(code, 0);
      Buffer.from(reason).copy(out, 2);
      return new Uint8Array(out);
    }),
);

function frameGroup(profile: WsProfile): fc.Arbitrary<{ frames: FrameSpec[]; open: boolean }> {
  const one = (frame: FrameSpec) => ({ frames: [frame], open: false });
  const text = profile.text;
  const textBytes = text.map((t) => new Uint8Array(Buffer.from(t)));
  const conversation = profile.conversation ?? fc.constant<string[]>([]);
  return fc.oneof(
    // Messages the server understands, whole, alone or as a conversation.
    { weight: 12, arbitrary: text.map((payload) => one({ opcode: OPCODE.text, payload })) },
    {
      weight: profile.conversation ? 4 : 0,
      arbitrary: conversation.map((texts) => ({
        frames: texts.map((payload) => ({ opcode: OPCODE.text, payload })),
        open: false,
      })),
    },
    { weight: 3, arbitrary: profile.binary.map((payload) => one({ opcode: OPCODE.binary, payload })) },
    // Fragmented, correctly (with a ping between fragments now and then).
    {
      weight: 3,
      arbitrary: fc
        .tuple(
          fc.oneof(
            textBytes.map((p) => [OPCODE.text, p] as const),
            profile.binary.map((p) => [OPCODE.binary, p] as const),
          ),
          fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
          fc.option(fc.nat(), { nil: undefined }),
        )
        .map(([[opcode, payload], cuts, ping]) => ({
          frames: fragments(opcode, payload, cuts, ping),
          open: false,
        })),
    },
    // Fragmentation broken: a continuation with nothing to continue, a new message in the
    // middle of one, a fragmented control frame, a message that never ends.
    {
      weight: 2,
      arbitrary: fc.tuple(textBytes, fc.nat({ max: 3 }), fc.nat()).map(([payload, how, cut]) => {
        const [a, b] = splitInto(payload, [cut]);
        switch (how) {
          case 0:
            return one({ opcode: OPCODE.continuation, payload: a });
          case 1:
            return {
              frames: [
                { opcode: OPCODE.text, payload: a, fin: false },
                { opcode: OPCODE.text, payload: b },
              ],
              open: false,
            };
          case 2:
            return one({ opcode: OPCODE.ping, payload: a.subarray(0, 100), fin: false });
          default:
            return one({ opcode: OPCODE.text, payload: a, fin: false });
        }
      }),
    },
    // Invalid UTF-8 in a text message (whole or in its second fragment).
    {
      weight: 2,
      arbitrary: fc
        .tuple(text, fc.constantFrom(...INVALID_UTF8), fc.nat(), fc.boolean())
        .map(([t, bad, at, fragmented]) => {
          const payload = withInvalidUtf8(t, bad, at);
          return {
            frames: fragmented ? fragments(OPCODE.text, payload, [at]) : [{ opcode: OPCODE.text, payload }],
            open: false,
          };
        }),
    },
    // Reserved opcodes, RSV bits, unmasked frames.
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.constantFrom(3, 4, 5, 6, 7, 11, 12, 13, 14, 15), fc.uint8Array({ maxLength: 20 }))
        .map(([opcode, payload]) => one({ opcode, payload })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.integer({ min: 1, max: 7 }), text)
        .map(([rsv, payload]) => one({ opcode: OPCODE.text, payload, rsv })),
    },
    { weight: 2, arbitrary: text.map((payload) => one({ opcode: OPCODE.text, payload, mask: false })) },
    // Control frames: pings (too long ones too), unsolicited pongs, close frames of every kind.
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.constantFrom(OPCODE.ping, OPCODE.pong), fc.uint8Array({ maxLength: 140 }))
        .map(([opcode, payload]) => one({ opcode, payload })),
    },
    { weight: 2, arbitrary: closePayload.map((payload) => one({ opcode: OPCODE.close, payload })) },
    // Over the payload limit: declared (a few bytes follow) or real.
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.integer({ min: 1, max: 2 ** 40 }), fc.constantFrom(OPCODE.text, OPCODE.binary))
        .map(([over, opcode]) => one({ opcode, payload: 'x', declaredLength: profile.maxPayload + over })),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.integer({ min: 1, max: 4096 }), fc.boolean()).map(([over, fragmented]) => {
        const payload = new Uint8Array(profile.maxPayload + over).fill(0x41);
        return {
          frames: fragmented
            ? fragments(OPCODE.text, payload, [profile.maxPayload >> 1])
            : [{ opcode: OPCODE.text, payload }],
          open: false,
        };
      }),
    },
    // A frame that claims more than it carries (within the limit): the server waits.
    {
      weight: 1,
      arbitrary: fc.tuple(text, fc.integer({ min: 1, max: 1000 })).map(([payload, extra]) => ({
        frames: [{ opcode: OPCODE.text, payload, declaredLength: Buffer.byteLength(payload) + extra }],
        open: true,
      })),
    },
  );
}

export function wsCase(profile: WsProfile): fc.Arbitrary<WsCase> {
  return fc.array(frameGroup(profile), { minLength: 1, maxLength: 6 }).map((groups) => ({
    kind: 'ws' as const,
    frames: groups.flatMap((g) => g.frames),
    leavesFrameOpen: groups.some((g) => g.open),
  }));
}

/** Mutations of a JSON text: the value is valid JSON more often than not. */
export function mutatedJsonText(valid: fc.Arbitrary<unknown>): fc.Arbitrary<string> {
  const text = valid.map((v) => JSON.stringify(v));
  return fc.oneof(
    { weight: 8, arbitrary: text },
    {
      weight: 2,
      arbitrary: fc
        .tuple(text, fc.nat(), fc.string({ unit: 'binary', maxLength: 4 }), fc.nat({ max: 3 }))
        .map(([t, at, insert, how]) => {
          const i = t.length === 0 ? 0 : at % t.length;
          if (how === 0) return t.slice(0, i); // truncated
          if (how === 1) return t.slice(0, i) + insert + t.slice(i);
          if (how === 2) return t.slice(0, i) + t.slice(i + 1);
          return t + t;
        }),
    },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 100, max: 5000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth)),
    },
  );
}

/** A JSON object mutated at the field level: a field removed, replaced or added. */
export function mutatedObject(valid: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<unknown> {
  const anyValue = fc.oneof(
    fc.jsonValue({ maxDepth: 2 }),
    fc.constantFrom(
      -1,
      1.5,
      1e308,
      -0,
      2 ** 53,
      Number.MAX_SAFE_INTEGER + 2,
      '',
      '\u0000',
      '\u202e',
      null,
      [],
      {},
    ),
    fc.string({ unit: 'binary', maxLength: 30 }),
  );
  return fc.oneof(
    { weight: 6, arbitrary: valid },
    {
      weight: 4,
      arbitrary: fc
        .tuple(valid, fc.nat(), fc.nat({ max: 2 }), anyValue, fc.string({ maxLength: 10 }))
        .map(([object, pick, how, value, key]) => {
          const keys = Object.keys(object);
          const copy: Record<string, unknown> = { ...object };
          const chosen = keys[pick % Math.max(1, keys.length)];
          if (how === 0 && chosen !== undefined) delete copy[chosen];
          else if (how === 1 && chosen !== undefined) copy[chosen] = value;
          else copy[key] = value;
          return copy;
        }),
    },
  );
}
