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

export function rawRequest(port: number, bytes: string | Uint8Array, timeoutMs = 5_000): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (closedByServer: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ status: match ? Number(match[1]) : undefined, text, closedByServer });
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on('connect', () => socket.end(bytes));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('close', () => finish(true));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // A reset after the server answered is still an answer.
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') finish(true);
      else if (!settled) {
        settled = true;
        clearTimeout(timer);
        reject(error);
      }
    });
  });
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
