// Capped exponential backoff with full jitter (docs/protocol.md, "Session semantics"): the delay before retry
// number `attempt` (0-based) is uniform in [0, min(cap, base * 2^attempt)). Every client
// in Earshot retries through this, so none of them can spin. A server's Retry-After or
// retry_after_ms is a floor: we never come back sooner than we were told.

export type Rng = () => number;

/** mulberry32: a tiny seedable PRNG so tests can replay exact jitter sequences. */
export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface BackoffOptions {
  baseMs: number;
  capMs: number;
  rng?: Rng;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 250, capMs: 30_000 };

/** The upper bound of the jitter window for `attempt` (0-based). */
export function backoffCeiling(attempt: number, { baseMs, capMs }: BackoffOptions): number {
  // 2^attempt overflows to Infinity past ~1000; min() keeps it at the cap.
  return Math.min(capMs, baseMs * 2 ** Math.max(0, attempt));
}

export function backoffDelay(attempt: number, options: BackoffOptions, floorMs = 0): number {
  const rng = options.rng ?? Math.random;
  return Math.max(floorMs, Math.floor(rng() * backoffCeiling(attempt, options)));
}

/** Stateful helper: counts failures, resets on success. */
export class Backoff {
  private failures = 0;
  constructor(private readonly options: BackoffOptions = DEFAULT_BACKOFF) {}

  get attempt(): number {
    return this.failures;
  }

  /** Delay to wait after one more failure; `floorMs` is the server's Retry-After, if any. */
  next(floorMs = 0): number {
    const delay = backoffDelay(this.failures, this.options, floorMs);
    this.failures++;
    return delay;
  }

  reset(): void {
    this.failures = 0;
  }
}

/**
 * Times (ms from the first attempt) at which a client following this backoff would make
 * its attempts within `windowMs`, if every attempt failed at once. Replaying the same
 * seeded RNG gives the exact schedule, so storm tests can count against it.
 */
export function attemptSchedule(windowMs: number, options: BackoffOptions, maxAttempts = 100_000): number[] {
  const times = [0];
  let t = 0;
  for (let i = 0; times.length < maxAttempts; i++) {
    t += backoffDelay(i, options);
    if (t > windowMs) break;
    times.push(t);
  }
  return times;
}

/** Parses an HTTP Retry-After header (seconds or HTTP date) into milliseconds. */
export function parseRetryAfter(header: string | undefined | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
