// The gateway's WebSocket class. `ws` closes a socket with 1009 the moment a frame's
// header announces more than maxPayload bytes, without a word the client can read: the
// public kikipounamu client then sat on "finalizing" forever. This subclass lets the
// connection say why first (a `too_large` error naming the limit), while the socket is
// still open, and puts the limit in the close reason too.
import { WebSocket } from 'ws';

export class GatewaySocket extends WebSocket {
  /**
   * Called once when `ws` is about to close this socket for an oversized frame; resolves
   * with the close reason once the error message is on its way.
   */
  beforeOversizeClose: (() => Promise<string>) | undefined;

  override close(code?: number, reason?: string | Buffer): void {
    const hook = this.beforeOversizeClose;
    if (code === 1009 && hook && this.readyState === WebSocket.OPEN) {
      this.beforeOversizeClose = undefined;
      void hook().then(
        (why) => super.close(1009, why),
        () => super.close(1009, reason),
      );
      return;
    }
    super.close(code, reason);
  }
}
