// Replies of one connection that come close together leave in one socket write. Every
// reply was its own `writev` (a loopback TCP send each): ~2 per chunk, a chunk's ack
// and then its result, and the largest single item of the main thread under thousands of
// live streams (27.5% of its busy time at 3,000; docs/benchmarks.md, "Live streams").
//
// A socket that gets a reply is corked and uncorked at the end of the next event-loop
// turn: a chunk's ack is written in the turn its frame is read, its task goes to a
// worker at that turn's end, and with a fast engine the result is back in the next turn's
// I/O, so ack and result share a write. A reply waits at most one turn: under no load a
// turn is microseconds; under load it is what the event-loop lag already says.
import type { Duplex } from 'node:stream';

export class ReplyCoalescer {
  /** Corked in this turn: uncorked at the end of the next. */
  private corkedNow: Duplex[] = [];
  /** Corked in the turn before: uncorked at the end of this one. */
  private corkedBefore: Duplex[] = [];
  private readonly corked = new Set<Duplex>();
  private scheduled = false;

  /** Corks `socket` unless it is already: what is written to it now waits for the end of the next turn. */
  hold(socket: Duplex): void {
    if (this.corked.has(socket) || socket.destroyed) return;
    socket.cork();
    this.corked.add(socket);
    this.corkedNow.push(socket);
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.endOfTurn);
  }

  private readonly endOfTurn = (): void => {
    this.scheduled = false;
    for (const socket of this.corkedBefore) {
      this.corked.delete(socket);
      // Writable.end() and destroy() settle a corked stream themselves.
      if (!socket.destroyed && socket.writableCorked > 0) socket.uncork();
    }
    this.corkedBefore = this.corkedNow;
    this.corkedNow = [];
    if (this.corkedBefore.length > 0) this.schedule();
  };
}
