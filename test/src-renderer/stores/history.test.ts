import { describe, expect, it } from 'vitest';
import { createHistoryStore, upsertNewestFirst } from '../../../src-renderer/stores/history.js';
import type { HistoryItem } from '../../../src-shared/api/history.js';
import { FakeMain } from '../support/fake-api.js';

const item = (
  id: string,
  createdAt: number,
  text = '',
  state: HistoryItem['state'] = 'done',
): HistoryItem => ({
  recordingId: id,
  createdAt,
  durationMs: 1000,
  state,
  text,
  chunkCount: 1,
});

describe('history store', () => {
  it('loads newest first and keeps that order as events arrive', async () => {
    const main = new FakeMain().handle('history.list', () => ({
      items: [item('b', 20, 'second'), item('a', 10, 'first')],
    }));
    const store = createHistoryStore(main);
    await store.getState().load();
    expect(store.getState().items.map((i) => i.recordingId)).toEqual(['b', 'a']);

    main.emit('history.changed', { recordingId: 'c', item: item('c', 30, '', 'queued') });
    main.emit('history.changed', { recordingId: 'a', item: item('a', 10, 'first, edited', 'done') });
    main.emit('history.changed', { recordingId: 'm', item: item('m', 15, 'middle') });
    expect(store.getState().items.map((i) => `${i.recordingId}:${i.state}`)).toEqual([
      'c:queued',
      'b:done',
      'm:done',
      'a:done',
    ]);
    expect(store.getState().items.find((i) => i.recordingId === 'a')?.text).toBe('first, edited');

    main.emit('history.changed', { recordingId: 'b', item: null });
    expect(store.getState().items.map((i) => i.recordingId)).toEqual(['c', 'm', 'a']);
  });

  it('asks main to search, and filters later events the same way', async () => {
    const main = new FakeMain().handle('history.list', (input) => ({
      items: [item('a', 10, 'the quick fox'), item('b', 5, 'lazy dog')].filter(
        (i) => !input.search || i.text.includes(input.search),
      ),
    }));
    const store = createHistoryStore(main, { searchDelayMs: 0 });
    await store.getState().load('fox');
    expect(main.calls.at(-1)?.input).toMatchObject({ search: 'fox' });
    expect(store.getState().items.map((i) => i.recordingId)).toEqual(['a']);
    main.emit('history.changed', { recordingId: 'z', item: item('z', 50, 'no match here') });
    main.emit('history.changed', { recordingId: 'y', item: item('y', 60, 'another FOX') });
    expect(store.getState().items.map((i) => i.recordingId)).toEqual(['y', 'a']);
  });

  it('reports a failed load instead of showing an empty list silently', async () => {
    const main = new FakeMain().handle('history.list', () => {
      throw new Error('database is locked');
    });
    const store = createHistoryStore(main);
    await store.getState().load();
    expect(store.getState().error).toContain('database is locked');
    expect(store.getState().loading).toBe(false);
  });

  it('refreshes the details of an opened recording when it changes', async () => {
    let chunks = 1;
    const main = new FakeMain()
      .handle('history.list', () => ({ items: [] }))
      .handle('history.get', ({ recordingId }) => ({
        ...item(recordingId, 1, 'x', 'waiting'),
        chunks: Array.from({ length: chunks }, (_, index) => ({
          index,
          startMs: index * 1000,
          endMs: index * 1000 + 900,
          state: 'acked' as const,
        })),
      }));
    const store = createHistoryStore(main);
    await store.getState().loadDetail('r1');
    expect(store.getState().details.r1?.chunks).toHaveLength(1);
    chunks = 2;
    main.emit('history.changed', { recordingId: 'r1', item: item('r1', 1, 'x y', 'waiting') });
    await new Promise((r) => setTimeout(r, 0));
    expect(store.getState().details.r1?.chunks).toHaveLength(2);
  });

  it('pages back through older recordings with the createdAt cursor', async () => {
    const all = Array.from({ length: 5 }, (_, i) => item(`r${i}`, 100 - i, `text ${i}`));
    const main = new FakeMain().handle('history.list', (input) => ({
      items: all
        .filter((i) => input.before === undefined || i.createdAt < input.before)
        .slice(0, input.limit ?? 50),
    }));
    const store = createHistoryStore(main, { pageSize: 2 });
    await store.getState().load();
    expect(store.getState()).toMatchObject({ hasMore: true });
    await store.getState().loadMore();
    await store.getState().loadMore();
    expect(store.getState().items.map((i) => i.recordingId)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
    expect(store.getState().hasMore).toBe(false);
    expect(main.calls.map((c) => (c.input as { before?: number }).before)).toEqual([undefined, 99, 97]);
  });

  it('upsertNewestFirst replaces in place of the old entry', () => {
    const list = [item('c', 3), item('b', 2), item('a', 1)];
    expect(upsertNewestFirst(list, item('b', 2, 'new')).map((i) => i.recordingId + i.text)).toEqual([
      'c',
      'bnew',
      'a',
    ]);
    expect(upsertNewestFirst([], item('x', 1)).map((i) => i.recordingId)).toEqual(['x']);
  });
});
