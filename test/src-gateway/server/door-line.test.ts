// The line of sessions refused at the door (src-gateway/server/door-line.ts): who waits
// ahead of whom, and with how much audio, through joins, departures from anywhere in the
// line, expiry and the renumbering that keeps its index small. Checked against a plain
// array walked in order, the way the line used to be read.
import { describe, expect, it } from 'vitest';
import { DoorLine } from '../../../src-gateway/server/door-line.js';

describe('the door line', () => {
  it('says who waits ahead of a session and with how much audio, everyone for a newcomer', () => {
    const line = new DoorLine();
    line.join('a', 3, 10_000);
    line.join('b', 5, 10_000);
    line.join('c', 2, 10_000);
    expect(line.ahead('a')).toEqual({ count: 0, seconds: 0 });
    expect(line.ahead('c')).toEqual({ count: 2, seconds: 8 });
    expect(line.ahead('newcomer')).toEqual({ count: 3, seconds: 10 });
    // Coming back keeps the place; leaving from the middle moves those behind up.
    line.join('a', 60, 20_000);
    line.leave('b');
    expect(line.ahead('c')).toEqual({ count: 1, seconds: 3 });
    expect(line.size).toBe(2);
  });

  it('forgets those whose time ran out, checking at most every quarter second', () => {
    const line = new DoorLine();
    line.join('gone', 4, 1_000);
    line.join('stays', 4, 9_000);
    line.expire(500);
    expect(line.has('gone')).toBe(true);
    line.expire(600); // within the sweep interval: not looked at again yet
    line.expire(1_000);
    expect(line.has('gone')).toBe(false);
    expect(line.ahead('stays')).toEqual({ count: 0, seconds: 0 });
  });

  it('matches a line walked in order through many joins and departures, across renumbering', () => {
    const line = new DoorLine();
    const model: { id: string; seconds: number }[] = [];
    let seed = 7;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (let step = 0; step < 20_000; step++) {
      if (model.length === 0 || random() < 0.55) {
        const id = `s${step}`;
        const seconds = Math.round(random() * 600) / 10;
        line.join(id, seconds, Number.MAX_SAFE_INTEGER);
        model.push({ id, seconds });
      } else {
        const [gone] = model.splice(Math.floor(random() * model.length), 1);
        line.leave(gone.id);
      }
      if (step % 997 === 0 && model.length > 0) {
        const at = Math.floor(random() * model.length);
        const expected = model.slice(0, at).reduce((sum, w) => sum + w.seconds, 0);
        const ahead = line.ahead(model[at].id);
        expect(ahead.count).toBe(at);
        expect(ahead.seconds).toBeCloseTo(expected, 6);
      }
    }
    expect(line.size).toBe(model.length);
    expect(line.ahead('newcomer').count).toBe(model.length);
  });
});
