// The server's messages, in the two dialects the gateway speaks: the Earshot protocol
// (every extension field) and `--base-protocol`, which reproduces the base gateway's
// quirks byte for byte where a client could notice (docs/protocol.md, "Dialects").
import {
  BASE_ERROR_MESSAGES,
  type ErrorCode,
  type GatewayFeature,
} from '../../src-shared/protocol/messages.js';
import type { ChunkOutcome, SessionRecord } from './session-store.js';

export type Reply = Record<string, unknown> & { type: string };
export type FinalSummary = NonNullable<SessionRecord['final']>;

export interface ErrorDetails {
  sessionId?: string;
  chunkIndex?: number;
  retryAfterMs?: number;
}

/** A provisional request's outcome (extension `provisional`). */
export type ProvisionalOutcome = { text: string } | { error: { code: ErrorCode; message: string } };

export interface Replies {
  readonly base: boolean;
  /** Extensions announced on the start ack (none in the base dialect). */
  readonly features: readonly GatewayFeature[];
  /** `stream`: the session's binary_audio handle on this connection, when it asked for one. */
  started(sessionId: string, stream?: number): Reply;
  resumed(sessionId: string, received: number[], stream?: number): Reply;
  received(sessionId: string, chunkIndex: number): Reply;
  duplicate(sessionId: string, chunkIndex: number): Reply;
  /** Nothing at all for a failed chunk in the base protocol. */
  chunkResult(sessionId: string, chunkIndex: number, outcome: ChunkOutcome): Reply | undefined;
  finalResult(sessionId: string, final: FinalSummary): Reply;
  /** Extension `provisional`: never sent in the base dialect, which does not announce it. */
  provisionalResult(
    sessionId: string | undefined,
    chunkIndex: number | undefined,
    outcome: ProvisionalOutcome,
  ): Reply;
  error(code: ErrorCode, message: string, details?: ErrorDetails): Reply;
  /** How chunk texts become one transcript. */
  join(texts: (string | undefined)[]): string;
}

const round3 = (value: number) => Math.round(value * 1000) / 1000;

const provisionalResult: Replies['provisionalResult'] = (sessionId, chunkIndex, outcome) => ({
  type: 'provisional_result',
  ...(sessionId !== undefined ? { session_id: sessionId } : {}),
  ...(chunkIndex !== undefined ? { chunk_index: chunkIndex } : {}),
  ...('error' in outcome
    ? { text: '', code: outcome.error.code, message: outcome.error.message }
    : { text: outcome.text }),
});

export function earshotReplies(
  joinTexts: (texts: (string | undefined)[]) => string,
  features: readonly GatewayFeature[] = [],
): Replies {
  // Announced only when there is something to announce: an empty list says nothing new.
  const announce = features.length ? { features: [...features] } : {};
  return {
    base: false,
    features,
    started: (sessionId, stream) => ({
      type: 'ack',
      status: 'session_started',
      session_id: sessionId,
      ...announce,
      ...(stream !== undefined ? { stream } : {}),
    }),
    resumed: (sessionId, received, stream) => ({
      type: 'ack',
      status: 'session_resumed',
      session_id: sessionId,
      received,
      ...announce,
      ...(stream !== undefined ? { stream } : {}),
    }),
    received: (sessionId, chunkIndex) => ({
      type: 'ack',
      status: 'received',
      session_id: sessionId,
      chunk_index: chunkIndex,
    }),
    duplicate: (sessionId, chunkIndex) => ({
      type: 'ack',
      status: 'duplicate',
      session_id: sessionId,
      chunk_index: chunkIndex,
    }),
    chunkResult: (sessionId, chunkIndex, outcome) =>
      outcome.error
        ? {
            type: 'chunk_result',
            session_id: sessionId,
            chunk_index: chunkIndex,
            text: '',
            code: outcome.error.code,
            message: outcome.error.message,
          }
        : { type: 'chunk_result', session_id: sessionId, chunk_index: chunkIndex, text: outcome.text ?? '' },
    finalResult: (sessionId, final) => ({
      type: 'final_result',
      session_id: sessionId,
      text: final.text,
      duration: round3(final.duration),
      chunk_count: final.chunkCount,
      audio_seconds: round3(final.audioSeconds),
      ...(final.partial ? { partial: true } : {}),
    }),
    provisionalResult,
    error: (code, message, details = {}) => ({
      type: 'error',
      code,
      message,
      ...(details.sessionId !== undefined ? { session_id: details.sessionId } : {}),
      ...(details.chunkIndex !== undefined ? { chunk_index: details.chunkIndex } : {}),
      ...(details.retryAfterMs !== undefined ? { retry_after_ms: details.retryAfterMs } : {}),
    }),
    join: joinTexts,
  };
}

/**
 * The base gateway: a Go struct without `omitempty` on chunk_index (so it is always
 * there, 0 where meaningless), `omitempty` on text, no session_id on chunk acks, no
 * codes, texts concatenated without a separator.
 */
export function baseReplies(): Replies {
  const withText = (text: string | undefined) => (text ? { text } : {});
  return {
    base: true,
    features: [],
    started: (sessionId) => ({
      type: 'ack',
      session_id: sessionId,
      chunk_index: 0,
      status: 'session_started',
    }),
    resumed: (sessionId) => ({
      type: 'ack',
      session_id: sessionId,
      chunk_index: 0,
      status: 'session_started',
    }),
    received: (_sessionId, chunkIndex) => ({ type: 'ack', chunk_index: chunkIndex, status: 'received' }),
    duplicate: (_sessionId, chunkIndex) => ({ type: 'ack', chunk_index: chunkIndex, status: 'received' }),
    // The base gateway sends nothing for a chunk its recognizer failed on.
    chunkResult: (sessionId, chunkIndex, outcome) =>
      outcome.error
        ? undefined
        : { type: 'chunk_result', session_id: sessionId, chunk_index: chunkIndex, ...withText(outcome.text) },
    finalResult: (sessionId, final) => ({
      type: 'final_result',
      session_id: sessionId,
      chunk_index: 0,
      ...withText(final.text),
      duration: round3(final.duration),
      // omitempty in the base gateway's struct: a session without chunks has no chunk_count.
      ...(final.chunkCount ? { chunk_count: final.chunkCount } : {}),
    }),
    provisionalResult,
    error: (code, message) => ({ type: 'error', chunk_index: 0, message: baseMessage(code, message) }),
    join: (texts) => texts.map((text) => (text ?? '').trim()).join(''),
  };
}

function baseMessage(code: ErrorCode, message: string): string {
  if (code === 'busy') return BASE_ERROR_MESSAGES.busy;
  if (code === 'bad_json') return BASE_ERROR_MESSAGES.badJson;
  return message;
}
