import { describe, expect, it } from 'vitest';
import {
  Backoff,
  attemptSchedule,
  backoffCeiling,
  backoffDelay,
  createRng,
  parseRetryAfter,
} from '../../src-shared/backoff.js';

const options = { baseMs: 100, capMs: 5_000 };

describe('backoff', () => {
  it('doubles the ceiling per attempt up to the cap, even for huge attempts', () => {
    expect([0, 1, 2, 3, 6, 10, 5000].map((a) => backoffCeiling(a, options))).toEqual([
      100, 200, 400, 800, 5000, 5000, 5000,
    ]);
  });

  it('draws full jitter inside [0, ceiling) and honours a floor', () => {
    const rng = createRng(42);
    for (let attempt = 0; attempt < 200; attempt++) {
      const delay = backoffDelay(attempt, { ...options, rng });
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(backoffCeiling(attempt, options));
    }
    expect(backoffDelay(0, { ...options, rng: () => 0 }, 2_000)).toBe(2_000);
  });

  it('replays the same sequence for the same seed', () => {
    const a = createRng(7);
    const b = createRng(7);
    expect(Array.from({ length: 20 }, a)).toEqual(Array.from({ length: 20 }, b));
    expect(Array.from({ length: 5 }, createRng(8))).not.toEqual(Array.from({ length: 5 }, createRng(7)));
  });

  it('counts failures and resets', () => {
    const backoff = new Backoff({ ...options, rng: () => 0.999 });
    expect([backoff.next(), backoff.next(), backoff.next()]).toEqual([99, 199, 399]);
    expect(backoff.attempt).toBe(3);
    backoff.reset();
    expect(backoff.next()).toBe(99);
  });

  it('bounds the attempts a client makes in a window', () => {
    const schedule = attemptSchedule(30_000, { ...options, rng: createRng(1) });
    expect(schedule[0]).toBe(0);
    for (let i = 1; i < schedule.length; i++) expect(schedule[i]).toBeGreaterThanOrEqual(schedule[i - 1]);
    expect(schedule.at(-1)).toBeLessThanOrEqual(30_000);
    // With a 5 s cap the average wait tends to 2.5 s: a few dozen attempts, never a spin.
    expect(schedule.length).toBeLessThan(60);
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('3')).toBe(3_000);
    expect(parseRetryAfter('0.5')).toBe(500);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});
