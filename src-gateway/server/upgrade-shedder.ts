// Sheds a burst of WebSocket upgrades while the gateway's event loop is behind
// (docs/gateway.md, "Reconnect storms"). When thousands of streams drop and reconnect at
// once, each comeback costs the main thread a handshake, a `start` that resumes the
// session (its results sent again) and the chunks the client still held; taken all at
// once they stalled the loop for seconds, and every open stream's acks waited behind
// them. Here, while the loop runs late, only a small allowance of upgrades per second is
// taken and the rest are refused with HTTP 503 and a Retry-After; a refusal costs a few microseconds,
// and the refused clients are told to come back spread over the next seconds, so they
// never return as one herd. A resumed session loses nothing: the gateway keeps it
// (--session-idle-ms) until its client gets back in. A lone client on a busy machine is
// never refused: only a burst past the allowance is.

export interface LoopWatchOptions {
  /** How often the watch's timer asks to run; its lateness is the loop's lag. */
  intervalMs?: number;
  /** Every sample of lag, in ms (the /metrics histogram). */
  onLag?: (lagMs: number) => void;
  now?: () => number;
}

/** A late run of the timer keeps the loop counted as behind this long after (a storm's next turns). */
const RECENT_MS = 250;

/**
 * How late the event loop runs right now. A timer every 10 ms notes when it last ran: in
 * a long turn, the time since then (less the interval) is how far behind the loop already
 * is; after one, the timer's lateness counts for RECENT_MS more, which is when the reads
 * that piled up during the long turn (a storm's upgrades) are handled.
 */
export class LoopWatch {
  private readonly intervalMs: number;
  private readonly now: () => number;
  private lastTick: number;
  private lateMs = 0;
  private lateAt = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: LoopWatchOptions = {}) {
    this.intervalMs = options.intervalMs ?? 10;
    this.now = options.now ?? (() => performance.now());
    this.lastTick = this.now();
  }

  start(): this {
    this.lastTick = this.now();
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
    return this;
  }

  /** The timer ran: its lateness is one lag sample. Public for tests that drive the clock. */
  tick(): void {
    const now = this.now();
    const late = Math.max(0, now - this.lastTick - this.intervalMs);
    this.lastTick = now;
    this.options.onLag?.(late);
    // The worst lateness of the recent past is kept, not the last one.
    if (late >= this.lateMs || now - this.lateAt > RECENT_MS) {
      this.lateMs = late;
      this.lateAt = now;
    }
  }

  /** Milliseconds the loop is behind at this moment (or was, within the last 250 ms). */
  behindMs(): number {
    const now = this.now();
    const recent = now - this.lateAt <= RECENT_MS ? this.lateMs : 0;
    return Math.max(recent, now - this.lastTick - this.intervalMs);
  }

  close(): void {
    clearInterval(this.timer);
  }
}

export interface ShedderOptions {
  /** Refuse upgrades while the loop is more than this late; 0 never refuses. */
  behindMs: number;
  /** While it is, still take this many upgrades per second (a lone client is never refused). */
  allowancePerSecond: number;
  /** Refused clients are told to come back at most this many per second. */
  returnsPerSecond: number;
  now?: () => number;
}

/** The furthest a refused client is sent: past it, returns bunch up in the last second. */
const MAX_RETRY_AFTER_SECONDS = 60;

export class UpgradeShedder {
  /** Clients told to come back, by the wall-clock second they were given. */
  private readonly returns = new Map<number, number>();
  private readonly now: () => number;
  private lastPrunedSecond = 0;
  /** The allowance, as a bucket refilled at allowancePerSecond, holding at most that many. */
  private tokens: number;
  private tokensAt: number;
  shed = 0;

  constructor(
    private readonly watch: Pick<LoopWatch, 'behindMs'>,
    private readonly options: ShedderOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.tokens = options.allowancePerSecond;
    this.tokensAt = this.now();
  }

  /** Undefined: let the upgrade in. Otherwise refuse it, with this Retry-After in seconds. */
  check(): number | undefined {
    const { behindMs, allowancePerSecond } = this.options;
    const now = this.now();
    this.tokens = Math.min(
      allowancePerSecond,
      this.tokens + ((now - this.tokensAt) / 1000) * allowancePerSecond,
    );
    this.tokensAt = now;
    if (behindMs <= 0 || this.watch.behindMs() <= behindMs) return undefined;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return undefined;
    }
    this.shed++;
    return this.nextReturn(now);
  }

  /** The first second from the next on that has room for one more return. */
  private nextReturn(now: number): number {
    const second = Math.floor(now / 1000);
    if (second !== this.lastPrunedSecond) {
      this.lastPrunedSecond = second;
      for (const at of this.returns.keys()) if (at <= second) this.returns.delete(at);
    }
    for (let ahead = 1; ahead <= MAX_RETRY_AFTER_SECONDS; ahead++) {
      const taken = this.returns.get(second + ahead) ?? 0;
      if (taken < this.options.returnsPerSecond || ahead === MAX_RETRY_AFTER_SECONDS) {
        this.returns.set(second + ahead, taken + 1);
        return ahead;
      }
    }
    return MAX_RETRY_AFTER_SECONDS;
  }
}
