/** A bounded FIFO: keeps the newest `capacity` items, drops the oldest. */
export class RingBuffer<T> {
  private readonly items: T[] = [];
  private dropped = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError('ring buffer capacity must be a positive integer');
  }

  push(item: T): void {
    this.items.push(item);
    if (this.items.length > this.capacity) {
      this.items.shift();
      this.dropped++;
    }
  }

  /** Oldest first. */
  toArray(): T[] {
    return [...this.items];
  }

  get size(): number {
    return this.items.length;
  }

  /** How many items were pushed out so far. */
  get droppedCount(): number {
    return this.dropped;
  }
}
