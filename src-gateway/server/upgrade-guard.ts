// Decides, before the WebSocket upgrade, whether a connection may come in: the right
// path, the token (when one is configured), the optional connection cap, and not while
// shutting down. Refusals are plain HTTP answers written to the raw socket.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { endRefused } from '../../src-node/http/end-refused.js';
import { parseRequestTarget } from '../../src-shared/http/request-target.js';
import { ROUTES } from '../../src-shared/protocol/messages.js';
import { carriesToken } from './token.js';

export interface GuardOptions {
  token?: string;
  maxConnections?: number;
  baseProtocol: boolean;
}

export type Refusal = {
  status: number;
  reason: string;
  error: string;
  code?: string;
  retryAfterSeconds?: number;
};

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  503: 'Service Unavailable',
};

export function checkUpgrade(
  request: IncomingMessage,
  options: GuardOptions,
  state: { connections: number; shuttingDown: boolean },
): Refusal | undefined {
  const target = parseRequestTarget(request.url);
  if (!target) return { status: 400, reason: 'bad_request_target', error: 'malformed request target' };
  const path = target.pathname;
  if (path !== ROUTES.ws)
    return { status: 404, reason: 'not_found', error: `no WebSocket endpoint at ${path}` };
  if (state.shuttingDown) {
    return {
      status: 503,
      reason: 'shutting_down',
      error: 'gateway is shutting down',
      code: 'busy',
      retryAfterSeconds: 1,
    };
  }
  if (!carriesToken(request, target.searchParams, options.token)) {
    return { status: 401, reason: 'unauthorized', error: 'missing or wrong token', code: 'unauthorized' };
  }
  if (options.maxConnections !== undefined && state.connections >= options.maxConnections) {
    return {
      status: 503,
      reason: 'max_connections',
      error: `connection limit reached (${options.maxConnections})`,
      code: 'busy',
      retryAfterSeconds: 1,
    };
  }
  return undefined;
}

export function writeRefusal(socket: Duplex, refusal: Refusal, baseProtocol: boolean): void {
  const body = JSON.stringify(
    baseProtocol
      ? { error: refusal.error }
      : {
          error: refusal.error,
          code: refusal.code,
          ...(refusal.retryAfterSeconds !== undefined
            ? { retry_after_ms: refusal.retryAfterSeconds * 1000 }
            : {}),
        },
  );
  const headers = [
    `HTTP/1.1 ${refusal.status} ${STATUS_TEXT[refusal.status] ?? 'Error'}`,
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    ...(refusal.retryAfterSeconds !== undefined && !baseProtocol
      ? [`Retry-After: ${refusal.retryAfterSeconds}`]
      : []),
  ];
  endRefused(socket, `${headers.join('\r\n')}\r\n\r\n${body}`);
}

/** A WebSocket upgrade shed while the event loop is behind (server/upgrade-shedder.ts). */
export function loopBehindRefusal(retryAfterSeconds: number): Refusal {
  return {
    status: 503,
    reason: 'loop_behind',
    error: `gateway busy with a burst of connections; come back in ${retryAfterSeconds} s (Retry-After)`,
    code: 'busy',
    retryAfterSeconds,
  };
}
