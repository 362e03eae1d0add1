// Open connections across every worker thread, exact: a SharedArrayBuffer holds the
// current count and the peak, updated with Atomics, so a sub-second peak is not lost
// between two per-second snapshots.

const CURRENT = 0;
const PEAK = 1;

export class ConnectionGauge {
  private readonly cells: Int32Array;

  constructor(readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT)) {
    this.cells = new Int32Array(buffer);
  }

  opened(): void {
    const now = Atomics.add(this.cells, CURRENT, 1) + 1;
    for (;;) {
      const peak = Atomics.load(this.cells, PEAK);
      if (now <= peak || Atomics.compareExchange(this.cells, PEAK, peak, now) === peak) return;
    }
  }

  closed(): void {
    Atomics.sub(this.cells, CURRENT, 1);
  }

  get current(): number {
    return Atomics.load(this.cells, CURRENT);
  }

  get peak(): number {
    return Atomics.load(this.cells, PEAK);
  }
}
