// What a server answers when Node's HTTP parser rejects a request before any handler
// sees it (a request line or header it cannot parse, headers too large, a request that
// took too long): a short 4xx with `Connection: close`, never silence. Node writes the
// same by default, but a server that listens for 'clientError' (to count them) must
// write it itself.

const ANSWERS: Record<string, [number, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout'],
  HPE_HEADERS_TIMEOUT: [408, 'Request Timeout'],
};

/** The raw HTTP response for a parser error with this `code`. */
export function clientErrorResponse(code: string | undefined): string {
  const [status, text] = ANSWERS[code ?? ''] ?? [400, 'Bad Request'];
  const body = `${text}\n`;
  return `HTTP/1.1 ${status} ${text}\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`;
}

/**
 * The answer to a CONNECT request (a tunnel through a proxy; neither server is one): 405
 * and a close. Node hands CONNECT to a 'connect' listener and, without one, drops the
 * connection without a word; `allow` lists the methods the server does serve.
 */
export function connectRefusal(allow: string): string {
  const body = 'method CONNECT not allowed\n';
  return `HTTP/1.1 405 Method Not Allowed\r\nAllow: ${allow}\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`;
}
