// Sends bytes a well-behaved HTTP client would never send (malformed request lines,
// broken headers, half requests) on a raw TCP socket to a loopback server, and reads
// what comes back until the server closes or `timeoutMs` passes.
import { connect } from 'node:net';

export interface RawReply {
  /** The status code of the first response line, or undefined when none came. */
  status: number | undefined;
  /** Everything the server wrote. */
  text: string;
  /** True when the server closed the connection (false: the timeout ended the wait). */
  closedByServer: boolean;
}

/** What one raw exchange got back. */
export interface Exchange {
  /** Everything the server wrote, as bytes. */
  reply: Buffer;
  /** False: the server still held the connection when the bound ran out. */
  closedByServer: boolean;
}

/**
 * Writes `bytes` in one go, half-closes (a server waiting for more of an unfinished
 * request learns at once that none is coming) and reads until the server closes or
 * `boundMs` passes. A reset while the server closes on us is an end like any other; a
 * refused connection means the server is gone, which the caller must hear about.
 */
export function exchange(port: number, bytes: string | Uint8Array, boundMs: number): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    let settled = false;
    const settle = () => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      return true;
    };
    const finish = (closedByServer: boolean) => {
      if (settle()) resolve({ reply: Buffer.concat(chunks), closedByServer });
    };
    const timer = setTimeout(() => finish(false), boundMs);
    socket.on('connect', () => socket.end(bytes));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('close', () => finish(true));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') finish(true);
      else if (settle()) reject(error);
    });
  });
}

export async function rawRequest(
  port: number,
  bytes: string | Uint8Array,
  timeoutMs = 5_000,
): Promise<RawReply> {
  const { reply, closedByServer } = await exchange(port, bytes, timeoutMs);
  const text = reply.toString('latin1');
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(text);
  return { status: match ? Number(match[1]) : undefined, text, closedByServer };
}

/** A WebSocket upgrade request for `target` with the given extra header lines. */
export function upgradeRequest(target: string, headers: string[] = []): string {
  return [
    `GET ${target} HTTP/1.1`,
    'Host: 127.0.0.1',
    'Upgrade: websocket',
    'Connection: Upgrade',
    'Sec-WebSocket-Version: 13',
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
    ...headers,
    '',
    '',
  ].join('\r\n');
}

export interface HalfOpenOutcome {
  /** Sockets the server closed, with what it wrote first (e.g. "HTTP/1.1 408 ..."). */
  closed: { afterMs: number; firstLine: string }[];
  /** Sockets still open when `waitMs` ran out (then destroyed by this helper). */
  stillOpen: number;
}

/**
 * Slowloris: opens `count` connections that each send `bytes` (an unfinished request, or
 * nothing) and then stay silent, and waits up to `waitMs` for the server to close them.
 */
export async function holdHalfOpen(
  port: number,
  count: number,
  bytes: string,
  waitMs: number,
): Promise<HalfOpenOutcome> {
  const started = Date.now();
  const outcomes = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<{ afterMs: number; firstLine: string } | undefined>((resolve) => {
          const socket = connect({ host: '127.0.0.1', port });
          let text = '';
          const timer = setTimeout(() => {
            socket.destroy();
            resolve(undefined);
          }, waitMs);
          socket.on('connect', () => {
            if (bytes) socket.write(bytes);
          });
          socket.on('data', (chunk) => (text += chunk.toString('latin1')));
          socket.on('error', () => {});
          socket.on('close', () => {
            clearTimeout(timer);
            resolve({ afterMs: Date.now() - started, firstLine: text.split('\r\n')[0] });
          });
        }),
    ),
  );
  const closed = outcomes.filter((o) => o !== undefined);
  return { closed, stillOpen: count - closed.length };
}
