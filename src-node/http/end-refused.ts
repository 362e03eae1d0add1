// Ends a raw socket after a refusal written by hand: an upgrade either server refuses,
// or a CONNECT. After Node's 'upgrade' and 'connect' events nothing reads the socket any
// more, so with more bytes behind the request the client's end-of-stream was never seen
// and the socket never closed (a web host told to stop then waited for it forever).
// Destroying it at once is no better: closing with unread bytes resets the connection,
// which can throw the refusal away before the client reads it. So: write the answer,
// read on and drop whatever else comes, and cut off a client that keeps sending.

import type { Duplex } from 'node:stream';

/** How long a refused client may go on sending before the socket is destroyed. */
export const REFUSED_LINGER_MS = 5_000;

export function endRefused(socket: Duplex, response: string, lingerMs = REFUSED_LINGER_MS): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const timer = setTimeout(() => socket.destroy(), lingerMs);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  socket.resume();
  socket.end(response);
}
