// pino JSON to stderr (stdout carries only the "listening" line). Repeated events
// (refused upgrades, disconnects, bad frames, busy chunks) are never logged one line
// each: the seed gateway spent its CPU formatting refusal logs. They are counted and
// written as one summary line per interval instead.
import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

export function createLogger(level: string): Logger {
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
    pino.destination({ dest: 2, sync: true }),
  );
}

/** Counts repeated events and logs their totals once per window. */
export class RepeatedEvents {
  private counts = new Map<string, number>();
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

  note(kind: string, count = 1): void {
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
    const windowMs = Date.now() - this.windowStartedAt;
    this.counts = new Map();
    this.windowStartedAt = Date.now();
    this.logger.info({ event: 'repeated_events', counts, window_ms: windowMs }, 'repeated events (summary)');
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.flush();
  }
}
