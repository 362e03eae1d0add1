// The app keeps no log file: support gets its recent log from this bounded ring of lines
// instead (the diagnostics bundle's logs/app.log). Errors every service reports, connection
// monitor events, the embedded gateway's state, dictation starts and stops and what
// happens to recordings are written here; never a setting's value, audio or transcript text.
import { RingBuffer } from '../connection/ring-buffer.js';

/** ~1,000 lines of ~150 bytes: hours of an idle app, well under 200 KB. */
export const APP_LOG_LINES = 1000;

export type LogLevel = 'info' | 'warn' | 'error';

interface Entry {
  at: number;
  level: LogLevel;
  source: string;
  message: string;
  /** The same line again right after (a dead gateway probed every 2 s): counted, not repeated. */
  repeats: number;
  lastAt: number;
}

export class AppLog {
  private readonly ring: RingBuffer<Entry>;
  private last: Entry | undefined;

  constructor(capacity = APP_LOG_LINES) {
    this.ring = new RingBuffer(capacity);
  }

  write(level: LogLevel, source: string, message: string, at = Date.now()): void {
    const text = message.replace(/\s*\n\s*/g, ' ');
    const last = this.last;
    if (last && last.level === level && last.source === source && last.message === text) {
      last.repeats++;
      last.lastAt = at;
      return;
    }
    this.last = { at, level, source, message: text, repeats: 0, lastAt: at };
    this.ring.push(this.last);
  }

  /** Oldest first, and how many older lines were dropped. */
  lines(): { lines: string[]; dropped: number } {
    const iso = (at: number) => new Date(at).toISOString();
    return {
      lines: this.ring
        .toArray()
        .map(
          (e) =>
            `${iso(e.at)} ${e.level.padEnd(5)} ${e.source}: ${e.message}${
              e.repeats ? ` (repeated ${e.repeats} more times, last at ${iso(e.lastAt)})` : ''
            }`,
        ),
      dropped: this.ring.droppedCount,
    };
  }
}
