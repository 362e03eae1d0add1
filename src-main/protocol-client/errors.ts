// What can go wrong talking to a gateway, sorted by what the caller should do about it:
// retry later (transient), give up on this recording (permanent), or resend (ack timeout).
import type { ErrorCode } from '../../src-shared/protocol/messages.js';

/** Connecting failed before the WebSocket opened. */
export class ConnectError extends Error {
  override readonly name = 'ConnectError';
  constructor(
    message: string,
    /** unreachable: TCP/DNS failure; http: the server answered the upgrade with a status. */
    readonly kind: 'unreachable' | 'timeout' | 'http' | 'unauthorized' | 'busy',
    readonly status?: number,
    /** From the Retry-After header of a 503 (ms). */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }

  get permanent(): boolean {
    return this.kind === 'unauthorized';
  }
}

/** The gateway answered with an `error` message. */
export class ServerError extends Error {
  override readonly name = 'ServerError';
  constructor(
    message: string,
    /** The extension's code, or one inferred from a base gateway's fixed message. */
    readonly code: ErrorCode | string | undefined,
    readonly chunkIndex?: number,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }

  /** Errors that retrying the same data cannot fix. */
  get permanent(): boolean {
    return (
      this.code === 'unauthorized' ||
      this.code === 'bad_audio' ||
      this.code === 'too_large' ||
      this.code === 'bad_session_id'
    );
  }
}

/** No ack in time. A base gateway drops undecodable chunks silently, so this is a failed send. */
export class AckTimeoutError extends Error {
  override readonly name = 'AckTimeoutError';
  constructor(
    message: string,
    readonly chunkIndex?: number,
  ) {
    super(message);
  }
}

/** The connection closed while something was still waiting on it. */
export class ConnectionClosedError extends Error {
  override readonly name = 'ConnectionClosedError';
  constructor(
    message: string,
    readonly code?: number,
  ) {
    super(message);
  }
}

/** Base gateways send only a message; map the fixed ones to the codes (docs/protocol.md, "Error codes"). */
export function inferErrorCode(message: string): ErrorCode | undefined {
  if (message.startsWith('Invalid message format')) return 'bad_json';
  if (message.startsWith('Unknown action')) return 'unknown_action';
  if (message.startsWith('Session not found')) return 'session_not_found';
  if (message.startsWith('System busy')) return 'busy';
  return undefined;
}
