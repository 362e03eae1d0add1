// The admission rule itself (src-gateway/server/admission.ts), fed a queue whose backlog
// and throughput the test sets: known numbers in, the decision out. The same rule runs
// inside a live gateway in test/src-gateway/admission-by-wait.test.ts.
import { describe, expect, it } from 'vitest';
import { AdmissionControl, type QueueLoad } from '../../../src-gateway/server/admission.js';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { AdmissionOrderQueue } from '../../../src-gateway/queue/memory/admission-order-queue.js';

function load(initial: { backlog?: number; throughput?: number; workers?: number } = {}) {
  const state = {
    backlog: initial.backlog ?? 0,
    throughput: initial.throughput ?? 10,
    workers: initial.workers ?? 1,
  };
  const queue: QueueLoad = {
    backlogSeconds: () => state.backlog,
    throughput: () => state.throughput,
    workers: () => state.workers,
  };
  return { state, queue };
}

describe('admission by expected wait', () => {
  it('estimates the wait as queued plus reserved audio over throughput', () => {
    const { state, queue } = load({ backlog: 5, throughput: 10 });
    const admission = new AdmissionControl(queue, { maxQueueWaitMs: 60_000 });
    expect(admission.expectedWaitMs()).toBe(500);
    expect(admission.admitSession('a', 15)).toEqual({ ok: true });
    expect(admission.expectedWaitMs()).toBe(2_000); // (5 + 15) / 10
    state.throughput = 20;
    expect(admission.expectedWaitMs()).toBe(1_000);
  });

  it('admits while the wait stays under the target, then refuses at the door with a drain-based retry', () => {
    const { queue } = load({ throughput: 10 });
    const admission = new AdmissionControl(queue, { maxQueueWaitMs: 2_000 });
    expect(admission.admitSession('a', 8)).toEqual({ ok: true }); // 0.8 s
    expect(admission.admitSession('b', 8)).toEqual({ ok: true }); // 1.6 s
    const refused = admission.admitSession('c', 8); // 2.4 s > 2 s
    expect(refused).toMatchObject({ ok: false, position: 0, expectedWaitMs: 2_400 });
    // 4 audio seconds over the 20 the target holds, at 10 per second: back in 400 ms.
    expect(refused.ok === false && refused.retryAfterMs).toBe(400);
    expect(admission.snapshot()).toMatchObject({ waitingAtDoor: 1, refusedAtDoor: 1, admittedSessions: 2 });
  });

  it('takes the chunks of an admitted session under its reservation, however full the queue', () => {
    const { state, queue } = load({ throughput: 10 });
    let clock = 1_000;
    const admission = new AdmissionControl(queue, { maxQueueWaitMs: 2_000, now: () => clock });
    expect(admission.admitSession('a', 3)).toEqual({ ok: true });
    clock = 5_000;
    state.backlog = 100; // others' audio arrived meanwhile (e.g. sessions resumed from elsewhere)
    for (let i = 0; i < 3; i++) {
      // Reserved audio counts as admitted with its session: it is served in that order.
      expect(admission.admitChunk('a', 1)).toEqual({ ok: true, admittedAt: 1_000 });
      admission.chunkQueued('a', 1);
    }
    // Past its reservation, with nobody at the door, the wait it adds is its own: taken,
    // and admitted now, behind everything admitted before it.
    expect(admission.admitChunk('a', 1)).toEqual({ ok: true, admittedAt: 5_000 });
    // With a session waiting at the door it is one more client: busy is the last resort.
    expect(admission.admitSession('waiting', 5).ok).toBe(false);
    const outrun = admission.admitChunk('a', 1);
    expect(outrun).toMatchObject({ ok: false });
    expect(outrun.ok === false && outrun.retryAfterMs).toBeGreaterThan(0);
    state.backlog = 0;
    expect(admission.admitChunk('a', 1)).toEqual({ ok: true, admittedAt: 5_000 });
  });

  it('keeps the order of the line: one refused earlier is admitted before one refused later', () => {
    const { state, queue } = load({ throughput: 10 });
    const admission = new AdmissionControl(queue, { maxQueueWaitMs: 1_000 });
    state.backlog = 10; // the target is full
    expect(admission.admitSession('early', 5).ok).toBe(false);
    const later = admission.admitSession('later', 5);
    expect(later).toMatchObject({ ok: false, position: 1 });
    // Room for one session appears; the later one comes back first and still waits.
    state.backlog = 4;
    expect(admission.admitSession('later', 5)).toMatchObject({ ok: false, position: 1 });
    expect(admission.admitSession('early', 5)).toEqual({ ok: true });
    state.backlog = 0;
    expect(admission.admitSession('later', 5)).toEqual({ ok: true });
  });

  it('forgets a waiter that does not come back, so nobody waits behind it for ever', () => {
    let now = 0;
    const { state, queue } = load({ throughput: 10, backlog: 10 });
    const admission = new AdmissionControl(queue, { maxQueueWaitMs: 1_000, now: () => now });
    const gone = admission.admitSession('gone', 5);
    expect(gone.ok).toBe(false);
    state.backlog = 4;
    expect(admission.admitSession('next', 5)).toMatchObject({ ok: false, position: 1 });
    now += 60_000;
    expect(admission.admitSession('next', 5)).toEqual({ ok: true });
    expect(admission.snapshot().waitingAtDoor).toBe(0);
  });

  it('gives every worker a session even when one session alone exceeds the target (a slow engine)', () => {
    const { queue } = load({ throughput: 1, workers: 2 });
    const admission = new AdmissionControl(queue, { maxQueueWaitMs: 2_000 });
    expect(admission.admitSession('a', 30)).toEqual({ ok: true });
    expect(admission.admitSession('b', 30)).toEqual({ ok: true });
    expect(admission.admitSession('c', 30).ok).toBe(false);
  });

  it('releases what a finished session did not send; a live session (nothing declared) reserves the target', () => {
    const { queue } = load({ throughput: 10 });
    const admission = new AdmissionControl(queue, { maxQueueWaitMs: 3_000 });
    expect(admission.admitSession('live')).toEqual({ ok: true });
    expect(admission.snapshot().reservedSeconds).toBe(3); // real time, for the target's length
    admission.chunkQueued('live', 2);
    expect(admission.snapshot().reservedSeconds).toBe(1);
    admission.finished('live');
    expect(admission.snapshot().reservedSeconds).toBe(0);
    admission.release('live');
    expect(admission.snapshot().admittedSessions).toBe(0);
  });

  it('lets the reservation of a session that went quiet lapse, so starts cannot hold the door shut', () => {
    let now = 0;
    const { queue } = load({ throughput: 10 });
    const admission = new AdmissionControl(queue, {
      maxQueueWaitMs: 2_000,
      reservationIdleMs: 30_000,
      now: () => now,
    });
    expect(admission.admitSession('squatter', 20)).toEqual({ ok: true });
    expect(admission.admitSession('user', 5).ok).toBe(false);
    now += 31_000;
    expect(admission.admitSession('user', 5)).toEqual({ ok: true });
    expect(admission.snapshot().reservedSeconds).toBe(5);
  });

  it('with a target of 0 admits everything: only the queue ceiling refuses then', () => {
    const { queue } = load({ throughput: 1, backlog: 1_000 });
    const admission = new AdmissionControl(queue, { maxQueueWaitMs: 0 });
    expect(admission.admitSession('a', 60)).toEqual({ ok: true });
    expect(admission.admitSession('b', 60)).toEqual({ ok: true });
    expect(admission.admitChunk('b', 120)).toMatchObject({ ok: true });
  });

  it('caps a declared reservation, and an idle gateway admits anything', () => {
    const { queue } = load({ throughput: 1, workers: 1 });
    const admission = new AdmissionControl(queue, { maxQueueWaitMs: 1_000, maxReservationSeconds: 60 });
    expect(admission.admitSession('long', 3_600)).toEqual({ ok: true });
    expect(admission.snapshot().reservedSeconds).toBe(60);
  });
});

describe('the in-process queue order', () => {
  let arrivals = 0;
  const task = (sessionId: string, n: number, admittedAt?: number) => ({
    sessionId,
    n,
    admittedAt,
    enqueuedAt: 1_000 + arrivals++,
  });
  const order = (queue: AdmissionOrderQueue<ReturnType<typeof task>>) => {
    const taken = [];
    while (queue.size > 0) {
      const next = queue.shift()!;
      taken.push(`${next.sessionId}${next.n}`);
    }
    return taken;
  };

  it('serves audio in the order it was admitted: an earlier session first, even when a later one sent first', () => {
    const queue = new AdmissionOrderQueue<ReturnType<typeof task>>();
    queue.push(task('early', 0, 100)); // admitted at 100, sends its first chunk
    for (let n = 0; n < 3; n++) queue.push(task('late', n, 200)); // admitted at 200, sends all at once
    queue.push(task('early', 1, 100)); // the earlier session's reserved audio arrives late
    queue.push(task('early', 2, 100));
    expect(order(queue)).toEqual(['early0', 'early1', 'early2', 'late0', 'late1', 'late2']);
  });

  it('queues audio beyond a reservation behind everything admitted before it: a long stream cannot crowd out others', () => {
    const queue = new AdmissionOrderQueue<ReturnType<typeof task>>();
    queue.push(task('stream', 0, 100)); // its reservation
    queue.push(task('short', 0, 150)); // a dictation admitted at 150
    queue.push(task('stream', 1, 300)); // the stream's audio past its reservation, admitted on arrival
    queue.push(task('short', 1, 150));
    queue.push(task('untimed', 0)); // no admission time: counts as admitted when queued (FIFO)
    expect(order(queue)).toEqual(['stream0', 'short0', 'short1', 'stream1', 'untimed0']);
  });

  it('keeps arrival order among audio admitted at the same moment, and drains what it holds in order', () => {
    const queue = new AdmissionOrderQueue<ReturnType<typeof task>>();
    for (let n = 0; n < 200; n++) queue.push(task(n % 2 ? 'a' : 'b', n, 500 - (n % 3)));
    for (let i = 0; i < 150; i++) queue.shift();
    const left = queue.drain();
    expect(left).toHaveLength(50);
    expect(queue.size).toBe(0);
    const keys = left.map((t) => [t.admittedAt!, t.n] as const);
    const sorted = [...keys].sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    expect(keys).toEqual(sorted);
    expect(queue.shift()).toBeUndefined();
  });

  it('does not keep a task alive once it is taken: a task holds its chunk and its socket buffer', async () => {
    const queue = new AdmissionOrderQueue<ReturnType<typeof task> & { samples?: Int16Array }>();
    for (let n = 0; n < 10; n++) queue.push({ ...task('s', n, 100), samples: new Int16Array(16_000) });
    const taken = new WeakRef(queue.shift()!);
    // A WeakRef holds its target until the current job ends; then a full GC may clear it.
    await new Promise((resolve) => setTimeout(resolve, 0));
    fullGc();
    expect(taken.deref()).toBeUndefined();
    expect(queue.size).toBe(9);
  });
});

/** A full garbage collection, made available at run time (vitest runs without --expose-gc). */
function fullGc(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}
