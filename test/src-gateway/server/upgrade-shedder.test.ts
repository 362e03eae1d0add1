// The storm's shedding rule (src-gateway/server/upgrade-shedder.ts; docs/gateway.md,
// "Reconnect storms") on a clock the test moves: how late the loop is, the allowance of
// upgrades still taken while it is, and how refused clients are spread over the next
// seconds. The real gateway doing it over sockets: test/src-gateway/reconnect-storm.test.ts.
import { describe, expect, it } from 'vitest';
import { LoopWatch, UpgradeShedder } from '../../../src-gateway/server/upgrade-shedder.js';

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('LoopWatch', () => {
  it('samples how late its timer ran, and says how far behind the loop is, in a long turn and just after', () => {
    const time = clock();
    const lags: number[] = [];
    const watch = new LoopWatch({ intervalMs: 10, onLag: (ms) => lags.push(ms), now: time.now });
    time.advance(10);
    watch.tick(); // on time
    expect(watch.behindMs()).toBe(0);
    time.advance(7);
    expect(watch.behindMs()).toBe(0); // the timer is not due yet
    time.advance(40); // a turn that runs on: 47 ms since the timer, 37 past its due time
    expect(watch.behindMs()).toBe(37);
    watch.tick(); // runs 37 ms late: one sample
    expect(lags).toEqual([0, 37]);
    // For a while after, the loop still counts as behind (the reads that piled up)...
    time.advance(10);
    watch.tick();
    time.advance(200);
    expect(watch.behindMs()).toBe(190); // ...and now it is late again: the larger counts
    watch.tick();
    expect(lags.slice(2)).toEqual([0, 190]);
    time.advance(5);
    expect(watch.behindMs()).toBe(190);
    // ...until 250 ms have passed without another late run.
    for (let i = 0; i < 26; i++) {
      time.advance(10);
      watch.tick();
    }
    expect(watch.behindMs()).toBe(0);
  });
});

describe('UpgradeShedder', () => {
  const lateBy = (ms: number) => ({ behindMs: () => ms });

  it('takes every upgrade while the loop keeps up, however many', () => {
    const shedder = new UpgradeShedder(lateBy(20), {
      behindMs: 50,
      allowancePerSecond: 2,
      returnsPerSecond: 3,
    });
    for (let i = 0; i < 100; i++) expect(shedder.check()).toBeUndefined();
    expect(shedder.shed).toBe(0);
  });

  it('while it is late, takes the allowance and refuses the rest, spread over the next seconds', () => {
    const time = clock(5_000_000);
    const shedder = new UpgradeShedder(lateBy(120), {
      behindMs: 50,
      allowancePerSecond: 2,
      returnsPerSecond: 3,
      now: time.now,
    });
    expect([shedder.check(), shedder.check()]).toEqual([undefined, undefined]);
    // Past the allowance: refused, and told to come back 3 a second from the next second on.
    const told = Array.from({ length: 7 }, () => shedder.check());
    expect(told).toEqual([1, 1, 1, 2, 2, 2, 3]);
    expect(shedder.shed).toBe(7);
    // Half a second later the allowance has one more.
    time.advance(500);
    expect([shedder.check(), shedder.check()]).toEqual([undefined, 3]);
    // A second on, the schedule has moved with the clock: "1 s" is a new second with room.
    time.advance(500);
    expect(Array.from({ length: 4 }, () => shedder.check())).toEqual([undefined, 2, 3, 3]);
  });

  it('never refuses with behindMs 0, and never sends anyone further than 60 s', () => {
    const off = new UpgradeShedder(lateBy(10_000), {
      behindMs: 0,
      allowancePerSecond: 1,
      returnsPerSecond: 1,
    });
    for (let i = 0; i < 10; i++) expect(off.check()).toBeUndefined();
    const time = clock();
    const on = new UpgradeShedder(lateBy(10_000), {
      behindMs: 50,
      allowancePerSecond: 1,
      returnsPerSecond: 1,
      now: time.now,
    });
    on.check(); // the allowance
    const told = Array.from({ length: 70 }, () => on.check()!);
    expect(told.slice(0, 3)).toEqual([1, 2, 3]);
    expect(Math.max(...told)).toBe(60);
    expect(told.filter((s) => s === 60)).toHaveLength(11);
  });
});
