// Pings every peer each interval; a peer that has not answered a ping for `timeoutMs`
// is dropped (docs/protocol.md, "Transport": by default a ping every 20 s, a drop after 60 s).
import type { WebSocket } from 'ws';
import type { RepeatedEvents } from '../logging.js';

export class Heartbeat {
  private readonly lastPong = new Map<WebSocket, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly intervalMs: number,
    private readonly timeoutMs: number,
    private readonly events: RepeatedEvents,
  ) {
    this.timer = setInterval(() => this.tick(), intervalMs);
    this.timer.unref();
  }

  track(socket: WebSocket): void {
    this.lastPong.set(socket, Date.now());
    socket.on('pong', () => this.lastPong.set(socket, Date.now()));
    socket.on('close', () => this.lastPong.delete(socket));
  }

  private tick(): void {
    const now = Date.now();
    for (const [socket, last] of this.lastPong) {
      if (now - last > this.timeoutMs) {
        this.events.note('heartbeat_timeouts');
        this.lastPong.delete(socket);
        socket.terminate();
        continue;
      }
      if (socket.readyState === socket.OPEN) socket.ping();
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
