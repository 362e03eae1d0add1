// The in-process queue's order (docs/gateway.md, "Fairness"): a chunk is served in the
// order its audio was admitted. Audio an admitted session reserved at the door carries
// the moment of that admission, so a session admitted earlier is served before one
// admitted later even when the later one's chunks arrive first: the wait promised at the
// door holds. Audio beyond a reservation (a live stream past its first seconds, an outbox
// past its cap) is admitted when it arrives and queues behind everything admitted before
// it, so a long stream cannot crowd out the short dictations admitted ahead of its audio.
// Ties keep arrival order.

export interface AdmittedTask {
  /** When the task's audio was admitted (ms, the gateway's clock); missing: when it was queued. */
  admittedAt?: number;
  enqueuedAt: number;
}

const admitted = (task: AdmittedTask): number => task.admittedAt ?? task.enqueuedAt;

export class AdmissionOrderQueue<T extends AdmittedTask> {
  /** Sorted by admission, equals in arrival order, from `head` on; taken from the front. */
  private entries: T[] = [];
  private head = 0;

  get size(): number {
    return this.entries.length - this.head;
  }

  push(task: T): void {
    const last = this.entries[this.entries.length - 1];
    // Most tasks are admitted in arrival order and simply go to the back.
    if (this.size === 0 || admitted(last) <= admitted(task)) {
      this.entries.push(task);
      return;
    }
    // After every task admitted at the same moment or before.
    const at = admitted(task);
    let low = this.head;
    let high = this.entries.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (admitted(this.entries[mid]) <= at) low = mid + 1;
      else high = mid;
    }
    this.entries.splice(low, 0, task);
  }

  /** The task admitted first (of equals, the one that arrived first). */
  shift(): T | undefined {
    if (this.head >= this.entries.length) return undefined;
    const task = this.entries[this.head];
    // A task taken holds its chunk's samples (a view into a socket's read buffer): the
    // slot must not keep them alive until the array is next compacted.
    this.entries[this.head++] = undefined as unknown as T;
    // Compact now and then instead of shifting the array on every take.
    if (this.head > 64 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    } else if (this.head === this.entries.length) {
      this.entries = [];
      this.head = 0;
    }
    return task;
  }

  /** Empties the queue, returning what was in it, in order. */
  drain(): T[] {
    const all = this.entries.slice(this.head);
    this.entries = [];
    this.head = 0;
    return all;
  }
}
