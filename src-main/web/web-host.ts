// `earshot web`: the renderer and EarshotApi on 127.0.0.1. One HTTP server serves the
// built UI (strict CSP) and upgrades /api/ws to the API socket; both need the token.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { WEB_API_PATH } from '../../src-shared/api/wire.js';
import { connectRefusal } from '../../src-shared/http/client-error.js';
import { endRefused } from '../../src-node/http/end-refused.js';
import { errorSummary, guardHandler } from '../../src-shared/http/guard-handler.js';
import { parseRequestTarget } from '../../src-shared/http/request-target.js';
import { timeoutCheckInterval } from '../../src-shared/http/timeouts.js';
import type { AppServices } from '../services/app-services.js';
import { rendererDir as installedRendererDir } from '../paths.js';
import { ApiSocketServer } from './api-socket.js';
import { WebAuth, newToken } from './auth.js';
import { securityHeaders, serveStatic } from './static-files.js';

/** On close, how long an API socket gets to answer the close frame before it is cut. */
const API_CLOSE_WAIT_MS = 1000;

export interface WebHostOptions {
  services: AppServices;
  /** 0 = a free port. */
  port?: number;
  /** Built renderer; default dist-renderer/ at the repository root. */
  rendererDir?: string;
  token?: string;
  /** A request or upgrade whose headers are not all in after this long gets 408 (default 10 s). */
  headersTimeoutMs?: number;
  /** The same for a whole request (default 30 s). */
  requestTimeoutMs?: number;
}

export interface WebHost {
  port: number;
  token: string;
  /** The URL to open: http://127.0.0.1:PORT/?token=... */
  url: string;
  close(): Promise<void>;
}

function plain(
  response: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string>,
): void {
  response.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' }).end(text + '\n');
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
};

function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  const text = STATUS_TEXT[status] ?? 'Error';
  endRefused(
    socket,
    `HTTP/1.1 ${status} ${text}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${reason}\n`,
  );
}

export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const auth = new WebAuth(options.token ?? newToken());
  const rendererDir = options.rendererDir ?? installedRendererDir();
  const api = new ApiSocketServer(options.services);
  let port = 0;

  const onRequest = (request: IncomingMessage, response: ServerResponse) => {
    const headers = securityHeaders(port);
    if (request.method !== 'GET' && request.method !== 'HEAD')
      return plain(response, 405, 'method not allowed', headers);
    const target = parseRequestTarget(request.url);
    if (!target) return plain(response, 400, 'malformed request target', headers);
    const result = auth.check(request, target);
    if (!result.ok) return plain(response, result.status, result.reason, headers);
    if (result.viaQuery) headers['Set-Cookie'] = auth.sessionCookie();
    if (!serveStatic(rendererDir, target.pathname, response, headers))
      plain(response, 404, 'not found', headers);
  };

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const target = parseRequestTarget(request.url);
    if (!target) return refuseUpgrade(socket, 400, 'malformed request target');
    if (target.pathname !== WEB_API_PATH) return refuseUpgrade(socket, 404, 'no such socket');
    const result = auth.check(request, target);
    if (!result.ok) return refuseUpgrade(socket, result.status, result.reason);
    api.wss.handleUpgrade(request, socket, head, (ws) => api.wss.emit('connection', ws, request));
  };

  const headersTimeout = options.headersTimeoutMs ?? 10_000;
  const server: Server = createServer(
    {
      headersTimeout,
      requestTimeout: Math.max(headersTimeout, options.requestTimeoutMs ?? 30_000),
      connectionsCheckingInterval: timeoutCheckInterval(headersTimeout),
    },
    guardHandler(onRequest, (error, _request, response) => {
      process.stderr.write(`earshot web: request handler failed: ${errorSummary(error)}\n`);
      if (!response.headersSent) response.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
      response.end('internal error\n');
    }),
  );
  server.on(
    'upgrade',
    guardHandler(onUpgrade, (error, _request, socket) => {
      process.stderr.write(`earshot web: upgrade handler failed: ${errorSummary(error)}\n`);
      socket.destroy();
    }),
  );

  server.on('connect', (_request: IncomingMessage, socket: Duplex) => {
    socket.on('error', () => socket.destroy());
    endRefused(socket, connectRefusal('GET, HEAD'));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  port = typeof address === 'object' && address ? address.port : 0;
  auth.setPort(port);

  return {
    port,
    token: auth.token,
    url: `http://127.0.0.1:${port}/?token=${auth.token}`,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      api.close();
      server.closeAllConnections();
      // server.close() waits for the API sockets too (upgraded sockets stay the server's),
      // and a page that does not answer the close frame (a frozen or suspended tab) would
      // hold it for ws's 30 s close timeout: a moment to answer, then they are cut.
      await Promise.race([closed, sleep(API_CLOSE_WAIT_MS)]);
      api.terminate();
      await closed;
    },
  };
}
