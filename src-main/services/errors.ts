// Errors the services share: outbox errors and ids as the API names them, and the log of
// recent errors every service reports to (the Status view lists it, `app.error` announces
// each new one). Built before the services, so each gets it in its constructor.
import { ApiError } from '../../src-shared/api/common.js';
import type { RecentError } from '../../src-shared/api/status.js';
import { OutboxError } from '../outbox/store.js';
import type { AppLog } from './app-log.js';
import type { Emit } from './events.js';

const MAX_ERRORS = 50;

export type ReportError = (source: string, message: string) => void;

/** Outbox ids are integers; the API carries them as strings. Throws ApiError('not_found'). */
export function outboxId(recordingId: string): number {
  const id = Number(recordingId);
  if (!/^\d+$/.test(recordingId) || !Number.isSafeInteger(id) || id <= 0)
    throw new ApiError('not_found', `no recording ${recordingId}`);
  return id;
}

/** Outbox errors become API errors the renderer can show as they are. */
export function fromOutboxError(error: unknown): never {
  if (error instanceof OutboxError) {
    const code =
      error.code === 'not_found'
        ? 'not_found'
        : error.code === 'invalid_state'
          ? 'conflict'
          : error.code === 'invalid_input'
            ? 'bad_input'
            : 'unavailable';
    throw new ApiError(code, error.message);
  }
  throw error;
}

export class ErrorLog {
  private readonly errors: RecentError[] = [];
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly emit: Emit,
    /** Every report also goes to the app's log (src-main/services/app-log.ts), repeats included. */
    private readonly log?: AppLog,
  ) {}

  readonly report: ReportError = (source, message) => {
    const at = Date.now();
    this.log?.write('error', source, message, at);
    // A dead gateway fails the same way every few seconds: one line with a count, not a flood.
    const same = this.errors.findIndex((e) => e.source === source && e.message === message);
    const error: RecentError =
      same >= 0
        ? { at, source, message, count: (this.errors[same].count ?? 1) + 1 }
        : { at, source, message };
    if (same >= 0) this.errors.splice(same, 1);
    this.errors.push(error);
    if (this.errors.length > MAX_ERRORS) this.errors.shift();
    if (same < 0) this.emit('app.error', error); // repeats reach the view with the next snapshot, not as new alerts
    for (const listener of this.listeners) listener();
  };

  /** Newest first. */
  recent(): RecentError[] {
    return [...this.errors].reverse();
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
