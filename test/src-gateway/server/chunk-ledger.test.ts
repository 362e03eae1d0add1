// The per-chunk state a session keeps (src-gateway/server/chunk-ledger.ts): every chunk's
// seconds and outcome must read back exactly, in any arrival order, for indexes near and
// far, and an error must be told apart from a text. Pure data structure, no I/O.
import { describe, expect, it } from 'vitest';
import { ChunkLedger } from '../../../src-gateway/server/chunk-ledger.js';
import type { ChunkOutcome } from '../../../src-gateway/server/session-store.js';

const gone = { code: 'dead_letter', message: 'gone' };

describe('ChunkLedger', () => {
  it('records each chunk once, with its seconds; outcomes come and replace', () => {
    const ledger = new ChunkLedger();
    expect(ledger.add(0, 1)).toBe(true);
    expect(ledger.add(0, 2)).toBe(false);
    expect(ledger.add(2, 0.5)).toBe(true);
    expect(ledger.count).toBe(2);
    expect(ledger.has(1)).toBe(false);
    expect(ledger.secondsOf(0)).toBe(1);
    expect(ledger.secondsOf(1)).toBeUndefined();
    expect(ledger.indexes()).toEqual([0, 2]);
    expect(ledger.complete).toBe(false);

    ledger.setOutcome(2, { error: gone });
    expect(ledger.outcomeOf(2)).toEqual({ error: gone });
    ledger.setOutcome(1, { text: 'never sent' }); // no such chunk: ignored
    expect(ledger.hasOutcome(1)).toBe(false);
    ledger.setOutcome(0, { text: 'hello' });
    expect(ledger.complete).toBe(true);
    // A later outcome replaces the earlier one (a retried chunk), counted once.
    ledger.setOutcome(2, { text: 'again' });
    expect(ledger.outcomeOf(2)).toEqual({ text: 'again' });
    ledger.setOutcome(0, { error: gone });
    expect(ledger.outcomeOf(0)).toEqual({ error: gone });
    expect(ledger.complete).toBe(true);
    expect(ledger.outcomes()).toEqual({ 0: { error: gone }, 2: { text: 'again' } });
    expect(ledger.secondsByIndex()).toEqual({ 0: 1, 2: 0.5 });
    expect(ledger.audioSeconds()).toBe(1.5);
  });

  it('an empty text is an outcome, not a missing one', () => {
    const ledger = new ChunkLedger();
    ledger.add(0, 1);
    ledger.setOutcome(0, { text: '' });
    expect(ledger.hasOutcome(0)).toBe(true);
    expect(ledger.outcomeOf(0)).toEqual({ text: '' });
    expect(ledger.complete).toBe(true);
  });

  it('reads back a long stream arriving out of order, with far indexes and errors mixed in', () => {
    const ledger = new ChunkLedger();
    const expected = new Map<number, { seconds: number; outcome?: ChunkOutcome }>();
    // 5,000 chunks in shuffled blocks, plus indexes far past the rest (a client may
    // number chunks as it likes); every 7th fails, every 5th has no outcome yet.
    const indexes = Array.from({ length: 5000 }, (_, i) => i);
    for (let i = 0; i < indexes.length; i += 10) indexes.splice(i, 10, ...indexes.slice(i, i + 10).reverse());
    indexes.push(10_000_000, 3_000_000_000, 7000);
    for (const [n, index] of indexes.entries()) {
      const seconds = (n % 3) + 0.25;
      expect(ledger.add(index, seconds)).toBe(true);
      const entry: { seconds: number; outcome?: ChunkOutcome } = { seconds };
      if (n % 5 !== 0) {
        entry.outcome =
          n % 7 === 0 ? { error: { code: 'internal', message: `chunk ${index}` } } : { text: `t${index}` };
        ledger.setOutcome(index, entry.outcome);
      }
      expected.set(index, entry);
    }
    expect(ledger.count).toBe(expected.size);
    expect(ledger.indexes()).toEqual([...expected.keys()].sort((a, b) => a - b));
    for (const [index, { seconds, outcome }] of expected) {
      expect(ledger.has(index)).toBe(true);
      expect(ledger.secondsOf(index)).toBe(seconds);
      expect(ledger.outcomeOf(index)).toEqual(outcome);
      expect(ledger.hasOutcome(index)).toBe(outcome !== undefined);
    }
    expect(ledger.has(4_999_999)).toBe(false);
    expect(ledger.complete).toBe(false);
    for (const [index, entry] of expected) if (!entry.outcome) ledger.setOutcome(index, { text: '' });
    expect(ledger.complete).toBe(true);
    const total = [...expected.values()].reduce((sum, { seconds }) => sum + seconds, 0);
    expect(ledger.audioSeconds()).toBeCloseTo(total, 6);
  });

  it('a chunk first too far out moves into the dense arrays when the stream catches up, outcome and all', () => {
    const ledger = new ChunkLedger();
    ledger.add(1500, 1);
    ledger.setOutcome(1500, { text: 'ahead' });
    for (let index = 0; index < 1500; index++) ledger.add(index, 1);
    ledger.add(1501, 1);
    expect(ledger.outcomeOf(1500)).toEqual({ text: 'ahead' });
    expect(ledger.secondsOf(1500)).toBe(1);
    expect(ledger.indexes().length).toBe(1502);
    expect(ledger.indexes()[1500]).toBe(1500);
  });

  it('refuses an index or seconds that are not a chunk', () => {
    const ledger = new ChunkLedger();
    expect(() => ledger.add(-1, 1)).toThrow(/chunk index/);
    expect(() => ledger.add(1.5, 1)).toThrow(/chunk index/);
    expect(() => ledger.add(0, Number.NaN)).toThrow(/audio seconds/);
    expect(ledger.count).toBe(0);
    ledger.add(0, 1);
    expect(ledger.has(-1)).toBe(false);
    expect(ledger.has(0.5)).toBe(false);
  });
});
