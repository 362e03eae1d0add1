import { describe, expect, it } from 'vitest';
import { createStatusStore, mergeErrors } from '../../../src-renderer/stores/status.js';
import type { StatusSnapshot } from '../../../src-shared/api/status.js';
import { FakeMain } from '../support/fake-api.js';

const snapshot = (depth: number, errors: StatusSnapshot['errors'] = []): StatusSnapshot => ({
  at: 1,
  endpoints: [
    {
      url: 'ws://127.0.0.1:1/ws/asr',
      label: '127.0.0.1',
      embedded: false,
      state: 'backing_off',
      since: 1,
      timeline: [],
      rtt: [],
      health: null,
    },
  ],
  embedded: { state: 'disabled' },
  queue: {
    depth,
    items: Array.from({ length: depth }, (_, i) => ({
      recordingId: `r${i}`,
      createdAt: i,
      state: 'queued' as const,
      chunksTotal: 2,
      chunksAcked: 0,
      attempts: 3,
    })),
  },
  errors,
});

describe('status store', () => {
  it('follows status.changed and keeps app.error entries newest first without duplicates', async () => {
    const main = new FakeMain().handle('status.get', () =>
      snapshot(1, [{ at: 5, source: 'upload', message: 'refused' }]),
    );
    const store = createStatusStore(main);
    await store.getState().refresh();
    expect(store.getState().snapshot?.queue.depth).toBe(1);
    main.emit('app.error', { at: 9, source: 'mic', message: 'gone' });
    main.emit('status.changed', snapshot(2, [{ at: 5, source: 'upload', message: 'refused' }]));
    const s = store.getState().snapshot;
    expect(s?.queue.items.map((i) => i.recordingId)).toEqual(['r0', 'r1']);
    expect(s?.errors.map((e) => e.at)).toEqual([9, 5]);
  });

  it('retry-now and discard call main for that item and then re-read the status', async () => {
    let depth = 2;
    const main = new FakeMain()
      .handle('status.get', () => snapshot(depth))
      .handle('status.discard', () => {
        depth = 1;
        return { ok: true };
      })
      .handle('status.retryNow', () => ({ ok: false }));
    const store = createStatusStore(main);
    await store.getState().discard('r1');
    expect(main.calls.map((c) => c.channel)).toEqual(['status.discard', 'status.get']);
    expect(store.getState().snapshot?.queue.depth).toBe(1);
    expect(store.getState().busy.r1).toBe(false);
    await store.getState().retryNow('r0');
    expect(store.getState().error).toMatch(/Retry was not possible/);
  });

  it('mergeErrors keeps a repeated error once, the newest with its count', () => {
    const merged = mergeErrors(
      [
        { at: 1, source: 'connection', message: 'ECONNREFUSED' },
        { at: 2, source: 'upload', message: 'x' },
      ],
      [{ at: 5, source: 'connection', message: 'ECONNREFUSED', count: 4 }],
    );
    expect(merged).toEqual([
      { at: 5, source: 'connection', message: 'ECONNREFUSED', count: 4 },
      { at: 2, source: 'upload', message: 'x' },
    ]);
  });

  it('mergeErrors bounds the list', () => {
    const many = Array.from({ length: 80 }, (_, i) => ({ at: i, source: 's', message: `m${i}` }));
    const merged = mergeErrors([], many, 50);
    expect(merged).toHaveLength(50);
    expect(merged[0].at).toBe(79);
  });
});
