// The in-process queue's order (docs/gateway.md, "Fairness"): one task per session in
// turn, sessions in the order their work arrived. A session that uploads a long backlog
// at once (an outbox catching up, a whole recording in many chunks) gets one chunk per
// round, so a short dictation arriving behind it waits for one chunk, not for the whole
// backlog; a session whose tasks run out leaves the round and rejoins at its end.

export interface SessionTask {
  sessionId: string;
}

export class FairQueue<T extends SessionTask> {
  /** Insertion order is the round's order; each session's own tasks stay FIFO. */
  private readonly sessions = new Map<string, { tasks: T[]; head: number }>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  push(task: T): void {
    const entry = this.sessions.get(task.sessionId);
    if (entry) entry.tasks.push(task);
    else this.sessions.set(task.sessionId, { tasks: [task], head: 0 });
    this.count++;
  }

  /** The next task: the first session's oldest; that session then moves to the round's end. */
  shift(): T | undefined {
    const first = this.sessions.entries().next();
    if (first.done) return undefined;
    const [sessionId, entry] = first.value;
    const task = entry.tasks[entry.head++];
    this.count--;
    this.sessions.delete(sessionId);
    if (entry.head < entry.tasks.length) {
      // Compact now and then instead of shifting the array on every take.
      if (entry.head > 64 && entry.head * 2 > entry.tasks.length) {
        entry.tasks = entry.tasks.slice(entry.head);
        entry.head = 0;
      }
      this.sessions.set(sessionId, entry);
    }
    return task;
  }

  /** Empties the queue, returning what was in it. */
  drain(): T[] {
    const all: T[] = [];
    for (const entry of this.sessions.values()) all.push(...entry.tasks.slice(entry.head));
    this.sessions.clear();
    this.count = 0;
    return all;
  }
}
