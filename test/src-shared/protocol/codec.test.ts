import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { serverMessageSchema } from '../../../src-shared/protocol/messages.js';
import {
  decodeClientMessage,
  decodeServerMessage,
  encodeMessage,
} from '../../../src-shared/protocol/codec.js';

describe('decodeClientMessage', () => {
  it('accepts the three actions, from strings and bytes', () => {
    expect(decodeClientMessage('{"action":"start","session_id":"a","user_id":"u"}')).toEqual({
      ok: true,
      message: { action: 'start', session_id: 'a', user_id: 'u' },
    });
    const chunk = new TextEncoder().encode(
      '{"action":"chunk","session_id":"a","chunk_index":3,"audio_data":"QUJD"}',
    );
    expect(decodeClientMessage(chunk)).toMatchObject({
      ok: true,
      message: { action: 'chunk', chunk_index: 3 },
    });
    expect(
      decodeClientMessage([chunk.buffer.slice(0, 10) as ArrayBuffer, chunk.buffer.slice(10) as ArrayBuffer]),
    ).toMatchObject({ ok: true });
    expect(decodeClientMessage('{"action":"finish","session_id":"a"}')).toMatchObject({
      ok: true,
      message: { action: 'finish' },
    });
  });

  it('reads a start without session_id (missing, null or empty) as "let the gateway choose"', () => {
    for (const frame of [
      '{"action":"start"}',
      '{"action":"start","session_id":null}',
      '{"action":"start","session_id":""}',
    ])
      expect(decodeClientMessage(frame)).toEqual({ ok: true, message: { action: 'start' } });
  });

  it('in the base dialect, reads missing fields as Go zero values', () => {
    const base = (frame: string) => decodeClientMessage(frame, false, { dialect: 'base' });
    expect(base('{"session_id":"a"}')).toMatchObject({
      ok: false,
      error: { code: 'unknown_action', message: 'Unknown action: ' },
    });
    expect(base('null')).toMatchObject({ ok: false, error: { message: 'Unknown action: ' } });
    expect(base('{"action":"chunk","chunk_index":2,"audio_data":""}')).toMatchObject({
      ok: false,
      error: { code: 'session_not_found', message: 'Session not found: ', chunkIndex: 2 },
    });
    expect(base('{"action":"finish"}')).toMatchObject({
      ok: false,
      error: { message: 'Session not found: ' },
    });
    expect(base('{"action":"chunk","session_id":"a"}')).toEqual({
      ok: true,
      message: { action: 'chunk', session_id: 'a', chunk_index: 0, audio_data: '' },
    });
    // A wrong type fails Go's json.Unmarshal as a whole.
    expect(base('{"action":7}')).toMatchObject({ ok: false, error: { code: 'bad_json' } });
    // The strict dialect is unchanged.
    expect(decodeClientMessage('{"action":"finish"}')).toMatchObject({
      ok: false,
      error: { code: 'bad_json' },
    });
  });

  it('ignores unknown fields', () => {
    const decoded = decodeClientMessage('{"action":"finish","session_id":"a","extra":1}');
    expect(decoded).toEqual({ ok: true, message: { action: 'finish', session_id: 'a' } });
  });

  it.each([
    ['not json', 'bad_json', /not valid JSON/],
    ['[1]', 'bad_json', /expected a JSON object/],
    ['null', 'bad_json', /expected a JSON object/],
    ['{"session_id":"a"}', 'bad_json', /missing "action"/],
    ['{"action":"jump","session_id":"a"}', 'unknown_action', /^Unknown action: jump$/],
    ['{"action":"finish","session_id":""}', 'bad_session_id', /must not be empty/],
    ['{"action":"chunk","session_id":"a","chunk_index":1.5,"audio_data":""}', 'bad_json', /integer/],
    ['{"action":"chunk","session_id":"a","chunk_index":0}', 'bad_json', /audio_data/],
  ])('%s -> %s', (frame, code, message) => {
    const decoded = decodeClientMessage(frame);
    expect(decoded.ok).toBe(false);
    if (decoded.ok) return;
    expect(decoded.error.code).toBe(code);
    expect(decoded.error.message).toMatch(message);
  });

  // Issue 10, item 7: session_id accepted control characters, NUL and bidi overrides.
  it.each([
    ['NUL', 'a\u0000b'],
    ['a newline', 'a\nb'],
    ['an escape sequence', '\u001b[31mred'],
    ['DEL', 'a\u007f'],
    ['a C1 control', 'a\u0085b'],
    ['a bidi override', 'abc\u202eevil'],
    ['a bidi isolate', '\u2066abc'],
    ['a zero-width joiner', 'a\u200db'],
    ['a lone surrogate', 'a\ud800b'],
    ['a line separator', 'a\u2028b'],
    ['129 characters', 'x'.repeat(129)],
  ])('refuses a session_id with %s as bad_session_id, without echoing it', (_name, id) => {
    for (const action of ['start', 'finish']) {
      const decoded = decodeClientMessage(JSON.stringify({ action, session_id: id }));
      expect(decoded.ok).toBe(false);
      if (decoded.ok) return;
      expect(decoded.error.code).toBe('bad_session_id');
      expect(decoded.error.message).toMatch(/session_id/);
      expect(decoded.error.sessionId).toBeUndefined();
    }
  });

  it('accepts printable session ids in any script', () => {
    for (const id of ['3f2b6c1e-8d7a-4b9e-9c1d-2a3b4c5d6e7f', 'café-ünïcode', '会话-1', 'a b c', '🎙️-1'])
      expect(decodeClientMessage(JSON.stringify({ action: 'start', session_id: id })).ok, id).toBe(true);
  });

  it('keeps session_id and chunk_index of a refused frame where it can read them', () => {
    const decoded = decodeClientMessage('{"action":"chunk","session_id":"s","chunk_index":4}');
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) expect([decoded.error.sessionId, decoded.error.chunkIndex]).toEqual(['s', 4]);
  });

  // Found by the gateway fuzz: chunk_index 2 ** 53 is an integer but not a safe one; the
  // error echoed it, and the echo broke the server message schema (errorMessageSchema's
  // chunk_index is a safe integer), so a client could not read the error.
  it('echoes only a chunk_index the server message schema accepts', () => {
    for (const index of ['9007199254740992', '1e300', '-1', '1.5']) {
      const decoded = decodeClientMessage(
        `{"action":"chunk","session_id":"s","chunk_index":${index},"audio_data":""}`,
      );
      expect(decoded.ok, index).toBe(false);
      if (decoded.ok) continue;
      expect(decoded.error.chunkIndex, index).toBeUndefined();
      const reply = {
        type: 'error',
        code: decoded.error.code,
        message: decoded.error.message,
        session_id: decoded.error.sessionId,
        chunk_index: decoded.error.chunkIndex,
      };
      expect(decodeServerMessage(JSON.stringify(reply)).ok, index).toBe(true);
    }
  });

  it('refuses binary frames', () => {
    const decoded = decodeClientMessage(
      new TextEncoder().encode('{"action":"finish","session_id":"a"}'),
      true,
    );
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) expect(decoded.error.code).toBe('bad_json');
  });
});

describe('decodeServerMessage', () => {
  it('accepts base-gateway messages without extension fields', () => {
    expect(decodeServerMessage('{"type":"ack","chunk_index":2,"status":"received"}')).toMatchObject({
      ok: true,
      message: { type: 'ack', chunk_index: 2 },
    });
    expect(decodeServerMessage('{"type":"chunk_result","session_id":"a","chunk_index":0}')).toMatchObject({
      ok: true,
    });
    expect(
      decodeServerMessage(
        '{"type":"final_result","session_id":"a","chunk_index":0,"duration":1.5,"chunk_count":2}',
      ),
    ).toMatchObject({ ok: true });
    expect(decodeServerMessage('{"type":"error","message":"System busy"}')).toMatchObject({
      ok: true,
      message: { type: 'error' },
    });
  });

  it('accepts and keeps the extension fields', () => {
    const decoded = decodeServerMessage(
      '{"type":"error","code":"busy","message":"m","session_id":"a","chunk_index":1,"retry_after_ms":500}',
    );
    expect(decoded).toEqual({
      ok: true,
      message: {
        type: 'error',
        code: 'busy',
        message: 'm',
        session_id: 'a',
        chunk_index: 1,
        retry_after_ms: 500,
      },
    });
  });

  it('reads every message exactly as the message schema does', () => {
    // Values of every kind a field can hold, well formed or not, for each known field.
    const value = fc.oneof(
      fc.string({ maxLength: 4 }),
      fc.integer({ min: -3, max: 0x1_0000_0001 }),
      fc.constantFrom(0, 1, 2 ** 53, -(2 ** 53), 0xffff_ffff, 1.5, -0.5, 1e300),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.oneof(fc.string({ maxLength: 2 }), fc.integer(), fc.constant(2 ** 53), fc.double())),
      fc.record({ a: fc.integer() }),
    );
    const fields = [
      'status',
      'session_id',
      'chunk_index',
      'received',
      'features',
      'stream',
      'text',
      'code',
      'message',
      'duration',
      'chunk_count',
      'audio_seconds',
      'partial',
      'retry_after_ms',
      'extra',
    ];
    const message = fc.record(
      {
        type: fc.oneof(
          fc.constantFrom('ack', 'chunk_result', 'final_result', 'error', 'provisional_result', 'party'),
          value,
        ),
        ...Object.fromEntries(fields.map((field) => [field, value])),
      },
      { requiredKeys: [] },
    );
    // And well-formed ones, with a field of another kind now and then.
    const text = fc.string({ maxLength: 3 });
    const int = fc.oneof(fc.nat(), fc.constant(2 ** 53));
    const recognition = { session_id: text, text, code: text, message: text };
    const wellFormed = fc.oneof(
      fc.record(
        {
          type: fc.constant('ack'),
          status: fc.constantFrom('session_started', 'received'),
          session_id: text,
          chunk_index: int,
          received: fc.array(int, { maxLength: 3 }),
          features: fc.oneof(fc.array(text, { maxLength: 2 }), value),
          stream: fc.oneof(
            fc.integer({ min: 0, max: 9 }),
            fc.constantFrom(0xffff_ffff, 0x1_0000_0000),
            value,
          ),
          extra: value,
        },
        { requiredKeys: ['type', 'status'] },
      ),
      fc.record(
        { type: fc.constant('chunk_result'), chunk_index: int, ...recognition },
        { requiredKeys: ['type', 'chunk_index'] },
      ),
      fc.record(
        { type: fc.constant('provisional_result'), chunk_index: int, ...recognition },
        { requiredKeys: ['type'] },
      ),
      fc.record(
        {
          type: fc.constant('final_result'),
          session_id: text,
          text,
          duration: fc.double({ noNaN: true, noDefaultInfinity: true }),
          chunk_count: int,
          audio_seconds: fc.double({ noNaN: true, noDefaultInfinity: true }),
          partial: fc.boolean(),
        },
        { requiredKeys: ['type'] },
      ),
      fc.record(
        {
          type: fc.constant('error'),
          message: text,
          code: text,
          session_id: text,
          chunk_index: int,
          retry_after_ms: fc.nat(),
        },
        { requiredKeys: ['type', 'message'] },
      ),
    );
    let accepted = 0;
    fc.assert(
      fc.property(fc.oneof(message, value, wellFormed), (input) => {
        const text = JSON.stringify(input);
        const expected = serverMessageSchema.safeParse(JSON.parse(text));
        const decoded = decodeServerMessage(text);
        expect(decoded.ok).toBe(expected.success);
        if (decoded.ok && expected.success) {
          accepted++;
          expect(decoded.message).toStrictEqual(expected.data);
        }
      }),
      { numRuns: 6000, seed: 13 },
    );
    expect(accepted).toBeGreaterThan(1000);
  });

  it('refuses non-JSON and unknown types', () => {
    expect(decodeServerMessage('<html>').ok).toBe(false);
    expect(decodeServerMessage('{"type":"party"}').ok).toBe(false);
  });

  it('round-trips through encodeMessage', () => {
    const message = {
      type: 'final_result' as const,
      session_id: 'a',
      text: 'hi',
      duration: 1,
      chunk_count: 1,
      audio_seconds: 0.5,
      partial: true,
    };
    expect(decodeServerMessage(encodeMessage(message))).toEqual({ ok: true, message });
  });
});

describe('extension provisional (docs/protocol.md, "Extensions")', () => {
  const frame = (fields: Record<string, unknown>) =>
    JSON.stringify({ action: 'provisional', session_id: 's', chunk_index: 2, audio_data: 'QUJD', ...fields });
  const features = ['provisional'] as const;

  it('is an unknown action unless the gateway announces it, and always in the base dialect', () => {
    expect(decodeClientMessage(frame({}))).toMatchObject({
      ok: false,
      error: { code: 'unknown_action', message: 'Unknown action: provisional' },
    });
    expect(decodeClientMessage(frame({}), false, { dialect: 'base', features })).toMatchObject({
      ok: false,
      error: { code: 'unknown_action' },
    });
    expect(decodeClientMessage(frame({}), false, { features })).toEqual({
      ok: true,
      message: { action: 'provisional', session_id: 's', chunk_index: 2, audio_data: 'QUJD' },
    });
  });

  it('refuses bad fields with their code and says the frame was a provisional request', () => {
    const refused = (fields: Record<string, unknown>) => {
      const decoded = decodeClientMessage(frame(fields), false, { features });
      if (decoded.ok) throw new Error('accepted');
      return decoded.error;
    };
    expect(refused({ chunk_index: -1 })).toMatchObject({
      code: 'bad_json',
      action: 'provisional',
      sessionId: 's',
    });
    expect(refused({ chunk_index: 'two' })).toMatchObject({ code: 'bad_json', action: 'provisional' });
    expect(refused({ audio_data: 7 })).toMatchObject({ code: 'bad_json', chunkIndex: 2 });
    expect(refused({ session_id: 'x'.repeat(129) })).toMatchObject({
      code: 'bad_session_id',
      action: 'provisional',
      sessionId: undefined,
    });
  });

  it('reads features on a start ack, and a malformed list as none', () => {
    expect(
      decodeServerMessage(
        '{"type":"ack","status":"session_started","session_id":"s","features":["provisional","later"]}',
      ),
    ).toMatchObject({ ok: true, message: { features: ['provisional', 'later'] } });
    const malformed = decodeServerMessage(
      '{"type":"ack","status":"session_started","session_id":"s","features":"all"}',
    );
    expect(malformed).toMatchObject({ ok: true });
    expect(malformed.ok && malformed.message.type === 'ack' && malformed.message.features).toBeUndefined();
  });

  it('reads provisional_result with text, or with a code and message', () => {
    expect(
      decodeServerMessage('{"type":"provisional_result","session_id":"s","chunk_index":2,"text":"so far"}'),
    ).toEqual({
      ok: true,
      message: { type: 'provisional_result', session_id: 's', chunk_index: 2, text: 'so far' },
    });
    expect(
      decodeServerMessage(
        '{"type":"provisional_result","session_id":"s","chunk_index":2,"text":"","code":"dropped","message":"busy"}',
      ),
    ).toMatchObject({ ok: true, message: { code: 'dropped', message: 'busy' } });
  });
});
