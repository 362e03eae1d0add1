// pino JSON to stderr (stdout carries only the "listening" line). Repeated events
// (refused upgrades, disconnects, bad frames, busy chunks, malformed requests) are never
// logged one line each: the seed gateway spent its CPU formatting refusal logs. They are
// counted and written as one summary line per interval instead, with the first example
// of each kind in the window when the caller gives one (a sampled log).
import { pino, type Logger } from 'pino';
import { exitQuietlyOnClosedPipe } from '../src-node/process/closed-pipe.js';

export type { Logger } from 'pino';

export function createLogger(level: string): Logger {
  const destination = pino.destination({ dest: 2, sync: true });
  // Its own writes to fd 2: a reader that closed the pipe ends the process quietly too.
  exitQuietlyOnClosedPipe([destination]);
  return pino(
    {
      level,
      base: { component: 'gateway' },
      // Tokens must never reach a log, whatever a future log call passes in.
      redact: {
        paths: ['token', '*.token', 'authorization', '*.authorization', 'headers.authorization'],
        censor: '[redacted]',
      },
    },
    destination,
  );
}

/** Counts repeated events and logs their totals once per window. */
export class RepeatedEvents {
  private counts = new Map<string, number>();
  private samples = new Map<string, string>();
  private readonly totals = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private windowStartedAt = Date.now();

  constructor(
    private readonly logger: Logger,
    private readonly intervalMs: number,
  ) {
    this.timer = setInterval(() => this.flush(), intervalMs);
    this.timer.unref();
  }

  /** `sample`: what this occurrence looked like; the first one of a window is logged. */
  note(kind: string, count = 1, sample?: string): void {
    if (sample !== undefined && !this.samples.has(kind)) this.samples.set(kind, sample);
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + count);
    this.totals.set(kind, (this.totals.get(kind) ?? 0) + count);
  }

  total(kind: string): number {
    return this.totals.get(kind) ?? 0;
  }

  /** Writes one line with the counts of the window, if anything happened. */
  flush(): void {
    if (this.counts.size === 0) return;
    const counts = Object.fromEntries(this.counts);
    const samples = this.samples.size > 0 ? { samples: Object.fromEntries(this.samples) } : {};
    const windowMs = Date.now() - this.windowStartedAt;
    this.counts = new Map();
    this.samples = new Map();
    this.windowStartedAt = Date.now();
    this.logger.info(
      { event: 'repeated_events', counts, ...samples, window_ms: windowMs },
      'repeated events (summary)',
    );
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.flush();
  }
}
