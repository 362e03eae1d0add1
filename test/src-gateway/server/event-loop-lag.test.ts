// The event-loop lag the gateway exports (/metrics, health, `earshot status`): a loop held
// busy on purpose shows up as at least that long in the window that saw it, and an idle
// window reads (near) nothing. The busy wait is the cause, not a performance figure: it
// blocks the loop for 300 ms on any machine, so the lower bound holds everywhere.
import { afterEach, describe, expect, it } from 'vitest';
import { EventLoopLag } from '../../../src-gateway/server/event-loop-lag.js';
import { waitFor } from '../../helpers/wait.js';

let lag: EventLoopLag | undefined;
afterEach(() => lag?.close());

function blockFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy: nothing else may run on this thread meanwhile
  }
}

describe('EventLoopLag', () => {
  it('reports a loop blocked for 300 ms in the window that saw it, then goes back down', async () => {
    lag = new EventLoopLag(400);
    expect(lag.snapshot()).toEqual({ p50Ms: 0, p99Ms: 0, maxMs: 0, windowMs: 400 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    blockFor(300);
    const blocked = await waitFor('a window with the blocked loop', () => {
      const now = lag!.snapshot();
      return now.maxMs > 0 ? now : undefined;
    });
    expect(blocked.maxMs).toBeGreaterThanOrEqual(250);
    expect(blocked.p99Ms).toBeLessThanOrEqual(blocked.maxMs);
    // Later windows without the block no longer carry it.
    const calm = await waitFor('a window without it', () => {
      const now = lag!.snapshot();
      return now.maxMs < 250 ? now : undefined;
    });
    expect(calm.maxMs).toBeLessThan(250);
  });
});
