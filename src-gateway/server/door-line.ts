// The line of sessions refused at the door (server/admission.ts; docs/gateway.md,
// "Fairness"): in the order they were first refused, each with the audio it will bring.
// Every `start` asks how many wait ahead of it and with how much audio. Walking the line
// for that made a storm of N reconnecting sessions cost N² steps; a Fenwick tree over the
// order of arrival answers it in log N, and removing anyone (admitted, gone) is as cheap.

interface Place {
  /** Position in the order of first refusal, an index into the tree. */
  slot: number;
  seconds: number;
  expiresAt: number;
}

export interface Ahead {
  /** Sessions ahead. */
  count: number;
  /** Audio seconds they bring. */
  seconds: number;
}

const MIN_CAPACITY = 1024;
/** Expired places are looked for at most this often (a full pass over the line). */
const EXPIRY_SWEEP_MS = 250;

export class DoorLine {
  /** Insertion order is the line's order (a place, once taken, is kept until it goes). */
  private readonly places = new Map<string, Place>();
  private counts = new Float64Array(MIN_CAPACITY + 1);
  private sums = new Float64Array(MIN_CAPACITY + 1);
  private nextSlot = 1;
  private totalSeconds = 0;
  private lastSweep = Number.NEGATIVE_INFINITY;

  get size(): number {
    return this.places.size;
  }

  has(sessionId: string): boolean {
    return this.places.has(sessionId);
  }

  /** Joins the back of the line, or keeps its place and renews its expiry if already in it. */
  join(sessionId: string, seconds: number, expiresAt: number): void {
    const place = this.places.get(sessionId);
    if (place) {
      place.expiresAt = expiresAt;
      return;
    }
    if (this.nextSlot >= this.counts.length) this.renumber();
    const slot = this.nextSlot++;
    this.places.set(sessionId, { slot, seconds, expiresAt });
    this.add(slot, 1, seconds);
    this.totalSeconds += seconds;
  }

  leave(sessionId: string): void {
    const place = this.places.get(sessionId);
    if (!place) return;
    this.places.delete(sessionId);
    this.add(place.slot, -1, -place.seconds);
    this.totalSeconds = this.places.size === 0 ? 0 : this.totalSeconds - place.seconds;
  }

  /** Who waits ahead of this session: everyone, if it is not in the line. */
  ahead(sessionId: string): Ahead {
    const place = this.places.get(sessionId);
    if (!place) return { count: this.places.size, seconds: Math.max(0, this.totalSeconds) };
    let count = 0;
    let seconds = 0;
    for (let i = place.slot - 1; i > 0; i -= i & -i) {
      count += this.counts[i];
      seconds += this.sums[i];
    }
    return { count: Math.round(count), seconds: Math.max(0, seconds) };
  }

  /** Forgets those whose time ran out (a client that gave up or went elsewhere). */
  expire(now: number): void {
    if (now - this.lastSweep < EXPIRY_SWEEP_MS) return;
    this.lastSweep = now;
    for (const [id, place] of this.places) if (place.expiresAt <= now) this.leave(id);
  }

  private add(slot: number, count: number, seconds: number): void {
    for (let i = slot; i < this.counts.length; i += i & -i) {
      this.counts[i] += count;
      this.sums[i] += seconds;
    }
  }

  /** Slots ran out: number the line afresh, in its order, in a tree sized for it. */
  private renumber(): void {
    let capacity = MIN_CAPACITY;
    while (capacity < this.places.size * 2 + 1) capacity *= 2;
    this.counts = new Float64Array(capacity + 1);
    this.sums = new Float64Array(capacity + 1);
    this.nextSlot = 1;
    this.totalSeconds = 0;
    for (const place of this.places.values()) {
      place.slot = this.nextSlot++;
      this.add(place.slot, 1, place.seconds);
      this.totalSeconds += place.seconds;
    }
  }
}
