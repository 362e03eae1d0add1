// Turns raw WebSocket frames into typed messages, or into a typed ProtocolError whose
// `code` is the one docs/protocol.md prescribes. Both sides use it: the gateway to decode
// client frames strictly, clients to decode server frames leniently.
import {
  BASE_ERROR_MESSAGES,
  CLIENT_ACTIONS,
  clientMessageSchema,
  serverMessageSchema,
  sessionIdSchema,
  type ClientMessage,
  type ErrorCode,
  type GatewayFeature,
  type ServerMessage,
} from './messages.js';
import { describeZodError } from '../zod-error.js';

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly sessionId?: string,
    readonly chunkIndex?: number,
    /** The frame's action, when it named a known one: a bad `provisional` is answered in kind. */
    readonly action?: string,
  ) {
    super(message);
  }
}

export type Decoded<T> = { ok: true; message: T } | { ok: false; error: ProtocolError };

/** Frames are text; `ws` hands them over as Buffer/ArrayBuffer/string depending on setup. */
export type RawFrame = string | Uint8Array | ArrayBuffer | ArrayBuffer[];

/** Stateless between calls (no `stream` option), so one serves every frame. */
const decoder = new TextDecoder('utf-8', { fatal: false });

function frameToText(frame: RawFrame): string {
  if (typeof frame === 'string') return frame;
  if (Array.isArray(frame)) return frame.map((part) => decoder.decode(part)).join('');
  return decoder.decode(frame);
}

function pickString(value: unknown, key: string): string | undefined {
  if (value && typeof value === 'object' && typeof (value as Record<string, unknown>)[key] === 'string') {
    return (value as Record<string, string>)[key];
  }
  return undefined;
}

function pickIndex(value: unknown): number | undefined {
  if (value && typeof value === 'object') {
    const index = (value as Record<string, unknown>).chunk_index;
    // Safe integers only: an error echoes it back, and the server message schema (like any
    // client) reads chunk_index as one; 2 ** 53 made the error itself unreadable.
    if (typeof index === 'number' && Number.isSafeInteger(index) && index >= 0) return index;
  }
  return undefined;
}

export interface DecodeOptions {
  /**
   * 'base' reads a frame the way the base gateway does (a Go struct filled by
   * json.Unmarshal): a missing field is its zero value, so a missing action is the
   * unknown action "" and a chunk or finish without session_id names the session "",
   * which does not exist. 'earshot' (the default) refuses missing fields as bad_json.
   */
  dialect?: 'earshot' | 'base';
  /**
   * Extensions this gateway announces (docs/protocol.md, "Extensions"). An extension's
   * action is accepted only when announced; otherwise it is an unknown action, exactly as
   * a gateway that does not know it would answer.
   */
  features?: readonly GatewayFeature[];
}

/** A missing field read as the base gateway's zero value (see DecodeOptions). */
function zeroFill(message: Record<string, unknown>): Record<string, unknown> {
  const filled = { ...message };
  filled.action ??= '';
  if (filled.action === 'chunk' || filled.action === 'finish') filled.session_id ??= '';
  if (filled.action === 'chunk') {
    filled.chunk_index ??= 0;
    filled.audio_data ??= '';
  }
  return filled;
}

/**
 * Decodes one client frame. `isBinary` frames are refused: the protocol is text-only.
 * Never throws.
 */
export function decodeClientMessage(
  frame: RawFrame,
  isBinary = false,
  options: DecodeOptions = {},
): Decoded<ClientMessage> {
  if (isBinary) {
    return fail(
      'bad_json',
      `${BASE_ERROR_MESSAGES.badJson}: binary frames are not supported, send JSON text`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(frameToText(frame));
  } catch {
    return fail('bad_json', `${BASE_ERROR_MESSAGES.badJson}: not valid JSON`);
  }
  const base = options.dialect === 'base';
  // json.Unmarshal of `null` into a struct leaves every field at its zero value.
  if (base && parsed === null) parsed = {};
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return fail('bad_json', `${BASE_ERROR_MESSAGES.badJson}: expected a JSON object`);
  }
  if (base) parsed = zeroFill(parsed as Record<string, unknown>);
  // Echoed back in an error only when it is a valid id (never control or bidi characters).
  const rawSessionId = pickString(parsed, 'session_id');
  const sessionId = sessionIdSchema.safeParse(rawSessionId).success ? rawSessionId : undefined;
  const chunkIndex = pickIndex(parsed);
  const action = (parsed as Record<string, unknown>).action;
  if (typeof action !== 'string') {
    return fail('bad_json', `${BASE_ERROR_MESSAGES.badJson}: missing "action"`, sessionId, chunkIndex);
  }
  const known =
    CLIENT_ACTIONS.includes(action) ||
    (action === 'provisional' && !base && (options.features ?? []).includes('provisional'));
  if (!known) {
    return fail('unknown_action', BASE_ERROR_MESSAGES.unknownAction(action), sessionId, chunkIndex);
  }
  if (base && action !== 'start' && rawSessionId === '') {
    return fail('session_not_found', BASE_ERROR_MESSAGES.sessionNotFound(''), '', chunkIndex);
  }
  const result = clientMessageSchema.safeParse(parsed);
  if (!result.success) {
    // A bad session_id has its own code, and is not echoed back (it is the bad part).
    const badSessionId = result.error.issues.some(
      (issue) => issue.path[0] === 'session_id' && issue.code !== 'invalid_type',
    );
    return fail(
      badSessionId ? 'bad_session_id' : 'bad_json',
      `${BASE_ERROR_MESSAGES.badJson}: ${describeZodError(result.error)}`,
      badSessionId ? undefined : sessionId,
      chunkIndex,
      action,
    );
  }
  return { ok: true, message: result.data };
}

type FieldKind = 'string' | 'int' | 'number' | 'boolean' | 'ints' | 'strings' | 'stream';

/**
 * Each server message's fields as serverMessageSchema reads them (messages.ts): the kind of
 * value, and whether it is required. The schema stays the definition: the test suite
 * checks that this table reads every message as the schema does.
 */
const SERVER_FIELDS: Record<ServerMessage['type'], Record<string, [FieldKind, boolean]>> = {
  ack: {
    status: ['string', true],
    session_id: ['string', false],
    chunk_index: ['int', false],
    received: ['ints', false],
    features: ['strings', false],
    stream: ['stream', false],
  },
  chunk_result: {
    chunk_index: ['int', true],
    session_id: ['string', false],
    text: ['string', false],
    code: ['string', false],
    message: ['string', false],
  },
  final_result: {
    session_id: ['string', false],
    text: ['string', false],
    duration: ['number', false],
    chunk_count: ['int', false],
    audio_seconds: ['number', false],
    partial: ['boolean', false],
  },
  error: {
    message: ['string', true],
    code: ['string', false],
    session_id: ['string', false],
    chunk_index: ['int', false],
    retry_after_ms: ['number', false],
  },
  provisional_result: {
    chunk_index: ['int', false],
    session_id: ['string', false],
    text: ['string', false],
    code: ['string', false],
    message: ['string', false],
  },
};

function isKind(value: unknown, kind: FieldKind): boolean {
  switch (kind) {
    case 'string':
      return typeof value === 'string';
    case 'int':
      return Number.isSafeInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'ints':
      return Array.isArray(value) && value.every((v) => Number.isSafeInteger(v));
    case 'strings':
      return Array.isArray(value) && value.every((v) => typeof v === 'string');
    case 'stream':
      return Number.isSafeInteger(value) && (value as number) >= 1 && (value as number) <= 0xffff_ffff;
  }
}

/**
 * The common case without the schema: a message whose every known field is well formed
 * comes out exactly as serverMessageSchema would make it (known fields only). Anything
 * else (a missing or malformed field, an unknown type) is undefined and left to the
 * schema, which says what is wrong or reads a malformed extension field as absent. A
 * client reads ~9 messages per session; the schema took ~30 us of each (profile of
 * `earshot stress`, docs/benchmarks.md).
 */
function wellFormedServerMessage(parsed: unknown): ServerMessage | undefined {
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  const input = parsed as Record<string, unknown>;
  const type = input.type;
  if (typeof type !== 'string' || !Object.hasOwn(SERVER_FIELDS, type)) return undefined;
  const out: Record<string, unknown> = { type };
  for (const [name, [kind, required]] of Object.entries(SERVER_FIELDS[type as ServerMessage['type']])) {
    const value = Object.hasOwn(input, name) ? input[name] : undefined;
    if (value === undefined) {
      if (required) return undefined;
      continue;
    }
    if (!isKind(value, kind)) return undefined;
    out[name] = Array.isArray(value) ? [...(value as unknown[])] : value;
  }
  return out as ServerMessage;
}

/** Decodes one server frame; unknown fields are dropped, missing extensions tolerated. */
export function decodeServerMessage(frame: RawFrame): Decoded<ServerMessage> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(frameToText(frame));
  } catch {
    return fail('bad_json', 'server sent a frame that is not JSON');
  }
  const message = wellFormedServerMessage(parsed);
  if (message) return { ok: true, message };
  const result = serverMessageSchema.safeParse(parsed);
  if (!result.success) {
    return fail('bad_json', `server sent an unexpected message: ${describeZodError(result.error)}`);
  }
  return { ok: true, message: result.data };
}

export function encodeMessage(message: ClientMessage | ServerMessage): string {
  return JSON.stringify(message);
}

function fail(
  code: ErrorCode,
  message: string,
  sessionId?: string,
  chunkIndex?: number,
  action?: string,
): { ok: false; error: ProtocolError } {
  return { ok: false, error: new ProtocolError(code, message, sessionId, chunkIndex, action) };
}
