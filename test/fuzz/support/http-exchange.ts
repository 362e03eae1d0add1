// One fuzzed HTTP exchange over a raw TCP socket: the bytes go out in one write, the
// client half-closes (so a server waiting for more of an unfinished request learns at
// once that none is coming), and everything the server writes is read until it closes.
// `checkHttpReplies` then reads that as a sequence of HTTP/1.1 responses and says what,
// if anything, is wrong with it.
// The exchange itself is the shared raw-socket helper (test/helpers/raw-http.ts).
export { exchange, type Exchange } from '../../helpers/raw-http.js';

export interface ParsedReply {
  statuses: number[];
  /** Set when the bytes are not a well-formed sequence of responses. */
  problem?: string;
  /** Bytes after a 101 response (WebSocket frames), not parsed as HTTP. */
  upgraded: boolean;
}

const STATUS_LINE = /^HTTP\/1\.1 ([1-5]\d\d) [^\r\n]*$/;
// RFC 9110 field-name (token) and a value without CR/LF.
const HEADER_LINE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+:[^\r\n]*$/;

function chunkedBodyEnd(bytes: Buffer, start: number): number | undefined {
  let at = start;
  for (;;) {
    const lineEnd = bytes.indexOf('\r\n', at, 'latin1');
    if (lineEnd < 0) return undefined;
    const size = Number.parseInt(bytes.subarray(at, lineEnd).toString('latin1').split(';')[0], 16);
    if (!Number.isFinite(size) || size < 0) return undefined;
    at = lineEnd + 2;
    if (size === 0) {
      // No trailers from these servers: the terminating CRLF follows.
      return bytes.subarray(at, at + 2).toString('latin1') === '\r\n' ? at + 2 : undefined;
    }
    at += size;
    if (bytes.subarray(at, at + 2).toString('latin1') !== '\r\n') return undefined;
    at += 2;
  }
}

/**
 * Reads `bytes` as HTTP/1.1 responses, one after another (a pipelined request gets
 * several). A body ends at its Content-Length, at the end of its chunked encoding, or
 * (with neither) at the end of the connection. The answer to a HEAD has no body although
 * it carries a Content-Length: when the bytes after a body are not a response, the
 * response is read again as bodiless.
 */
export function parseReplies(bytes: Buffer): ParsedReply {
  const statuses: number[] = [];
  let at = 0;
  while (at < bytes.length) {
    const headEnd = bytes.indexOf('\r\n\r\n', at, 'latin1');
    if (headEnd < 0)
      return { statuses, upgraded: false, problem: `unterminated head at byte ${at}: ${preview(bytes, at)}` };
    const [statusLine, ...headerLines] = bytes.subarray(at, headEnd).toString('latin1').split('\r\n');
    const status = STATUS_LINE.exec(statusLine);
    if (!status)
      return { statuses, upgraded: false, problem: `bad status line ${JSON.stringify(statusLine)}` };
    const bad = headerLines.find((line) => !HEADER_LINE.test(line));
    if (bad !== undefined)
      return { statuses, upgraded: false, problem: `bad header line ${JSON.stringify(bad)}` };
    const code = Number(status[1]);
    statuses.push(code);
    const bodyStart = headEnd + 4;
    if (code === 101) return { statuses, upgraded: true };
    const header = (name: string) =>
      headerLines
        .find((line) => line.slice(0, line.indexOf(':')).toLowerCase() === name)
        ?.slice(name.length + 1)
        .trim();
    let next: number;
    if (code < 200 || code === 204 || code === 304) next = bodyStart;
    else if (header('transfer-encoding')?.toLowerCase() === 'chunked') {
      const end = chunkedBodyEnd(bytes, bodyStart);
      if (end === undefined) return { statuses, upgraded: false, problem: 'malformed chunked body' };
      next = end;
    } else if (header('content-length') !== undefined) {
      const length = Number(header('content-length'));
      if (!Number.isSafeInteger(length) || length < 0)
        return { statuses, upgraded: false, problem: `bad Content-Length ${header('content-length')}` };
      next = bodyStart + length;
      const isResponseAt = (i: number) => bytes.subarray(i, i + 7).toString('latin1') === 'HTTP/1.';
      const landsOnNext = next === bytes.length || (next < bytes.length && isResponseAt(next));
      if (!landsOnNext && (isResponseAt(bodyStart) || bodyStart === bytes.length)) next = bodyStart;
      else if (next > bytes.length)
        return { statuses, upgraded: false, problem: `body shorter than its Content-Length ${length}` };
    } else next = bytes.length;
    at = next;
  }
  return { statuses, upgraded: false };
}

function preview(bytes: Buffer, at: number): string {
  return JSON.stringify(bytes.subarray(at, at + 80).toString('latin1'));
}
