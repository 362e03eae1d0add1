import { describe, expect, it } from 'vitest';
import { SampleSlots, samplesIn } from '../../../../src-gateway/queue/memory/sample-slots.js';

describe('SampleSlots', () => {
  it('copies samples into a free slot that the other side reads in place', () => {
    const slots = new SampleSlots(2, 8);
    const index = slots.put(Int16Array.of(1, -2, 3))!;
    expect(index).toBeDefined();
    expect([...samplesIn(slots.shared, index, 3)]).toEqual([1, -2, 3]);
    expect(slots.freeSlots).toBe(1);
  });

  it('refuses samples longer than a slot, and any once every slot is taken, until one is released', () => {
    const slots = new SampleSlots(2, 8);
    expect(slots.put(new Int16Array(5))).toBeUndefined(); // 10 bytes > 8
    const first = slots.put(Int16Array.of(7))!;
    const second = slots.put(Int16Array.of(8))!;
    expect(new Set([first, second]).size).toBe(2);
    expect(slots.put(Int16Array.of(9))).toBeUndefined();
    slots.release(first);
    const reused = slots.put(Int16Array.of(10, 11))!;
    expect(reused).toBe(first);
    expect([...samplesIn(slots.shared, reused, 2)]).toEqual([10, 11]);
    expect([...samplesIn(slots.shared, second, 1)]).toEqual([8]); // its neighbour untouched
  });

  it('rejects a layout it cannot hold samples in', () => {
    expect(() => new SampleSlots(0, 8)).toThrow(/slots/);
    expect(() => new SampleSlots(2, 7)).toThrow(/even/);
  });
});
