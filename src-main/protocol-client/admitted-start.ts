// `start`, waiting at the door while the gateway says busy. A gateway that admits by
// expected wait (docs/gateway.md, "Admission") refuses a new session before any audio is
// sent and says when to come back; a client that waits there, instead of uploading audio
// that would be refused, wastes nothing. The wait is the server's retry_after_ms plus
// jitter (Backoff), bounded by giveUpAfterMs and the caller's abort signal.
import { Backoff, DEFAULT_BACKOFF } from '../../src-shared/backoff.js';
import { abortableSleep } from '../async/abortable-sleep.js';
import type { ProtocolClient, StartResult } from './client.js';
import { ServerError } from './errors.js';

export interface AdmittedStartOptions {
  timeoutMs?: number;
  userId?: string;
  /** Audio seconds this session expects to send: the gateway reserves them on admission. */
  expectedSeconds?: number;
  /** Stop waiting at the door after this long (the busy error is thrown). Default 10 min. */
  giveUpAfterMs?: number;
  signal?: AbortSignal;
  /** Told before each wait at the door. */
  onBusy?: (waitMs: number, error: ServerError) => void;
}

export async function startWhenAdmitted(
  client: ProtocolClient,
  sessionId: string,
  options: AdmittedStartOptions = {},
): Promise<StartResult> {
  const backoff = new Backoff(DEFAULT_BACKOFF);
  const giveUpAt = Date.now() + (options.giveUpAfterMs ?? 600_000);
  for (;;) {
    try {
      return await client.start(sessionId, options);
    } catch (error) {
      const busy = error instanceof ServerError && error.code === 'busy';
      if (!busy || !client.isOpen || Date.now() >= giveUpAt) throw error;
      const waitMs = Math.min(backoff.next(error.retryAfterMs ?? 0), Math.max(0, giveUpAt - Date.now()));
      options.onBusy?.(waitMs, error);
      await abortableSleep(waitMs, options.signal);
    }
  }
}
