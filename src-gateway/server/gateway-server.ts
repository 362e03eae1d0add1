// Puts the gateway together on one node:http server: HTTP routes, the guarded
// WebSocket upgrade at /ws/asr, sessions, heartbeat and the queue; and takes it apart
// again gracefully (stop accepting, let in-flight work finish, close with 1001).
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { clientErrorResponse, connectRefusal } from '../../src-shared/http/client-error.js';
import { endRefused } from '../../src-node/http/end-refused.js';
import { errorSummary, guardHandler } from '../../src-shared/http/guard-handler.js';
import { timeoutCheckInterval } from '../../src-shared/http/timeouts.js';
import { loggableTarget } from '../../src-shared/http/request-target.js';
import { joinTexts } from '../../src-shared/protocol/text-join.js';
import type { GatewayFeature } from '../../src-shared/protocol/messages.js';
import type { GatewayConfig } from '../config.js';
import { RepeatedEvents, type Logger } from '../logging.js';
import type { TaskQueue } from '../queue/types.js';
import { admissionFor } from './admission.js';
import { EventLoopLag } from './event-loop-lag.js';
import { Heartbeat } from './heartbeat.js';
import { GatewaySocket } from './gateway-socket.js';
import { createRequestHandler } from './http-routes.js';
import type { Registry } from 'prom-client';
import { createMetrics } from './metrics.js';
import { baseReplies, earshotReplies } from './replies.js';
import { SessionManager } from './session-manager.js';
import { MemoryHistoryStore, type HistoryStore } from './history-store.js';
import { MemorySessionStore, type SessionStore } from './session-store.js';
import { carriesToken } from './token.js';
import { checkUpgrade, loopBehindRefusal, writeRefusal, type Refusal } from './upgrade-guard.js';
import { LoopWatch, UpgradeShedder } from './upgrade-shedder.js';
import { ReplyCoalescer } from './reply-coalescer.js';
import { handleConnection } from './ws-connection.js';

export const GATEWAY_VERSION = '0.1.0';

export interface GatewayDeps {
  queue: TaskQueue;
  logger: Logger;
  gatewayId?: string;
  store?: SessionStore;
  /** Finished sessions for the HTTP API; in memory with the config's limits unless given (Redis). */
  history?: HistoryStore;
  /** Adds backend metrics (e.g. the Redis queue's) to /metrics. */
  registerMetrics?: (registry: Registry) => void;
}

export interface RunningGateway {
  host: string;
  port: number;
  url: string;
  /** Graceful stop; resolves when every socket is closed and the queue is stopped. */
  close(): Promise<void>;
}

export async function startGatewayServer(config: GatewayConfig, deps: GatewayDeps): Promise<RunningGateway> {
  const { queue, logger } = deps;
  const gatewayId = deps.gatewayId ?? randomUUID();
  const events = new RepeatedEvents(logger, config.logSummaryMs);
  const sockets = new Set<WebSocket>();
  let pendingUpgrades = 0;
  let shuttingDown = false;

  const admission = admissionFor(queue, { maxQueueWaitMs: config.maxQueueWaitMs });
  const loopLag = new EventLoopLag();
  const metrics = createMetrics({
    eventLoopLag: () => loopLag.snapshot(),
    connections: () => sockets.size,
    sessionsActive: () => sessions.activeCount,
    queue: () => queue.stats(),
    admission: () => admission.snapshot(),
  });
  deps.registerMetrics?.(metrics.registry);
  const loopWatch = new LoopWatch({ onLag: (ms) => metrics.eventLoopLag.observe(ms / 1000) }).start();
  const shedder = new UpgradeShedder(loopWatch, {
    behindMs: config.shedLagMs,
    allowancePerSecond: config.shedAllowance,
    returnsPerSecond: config.shedReturnsPerSecond,
  });
  // Extensions are announced only where they are served: never in the base dialect, and
  // `provisional` only by a queue that can decode it at low priority (not Redis);
  // `binary_audio` is transport only, so any queue serves it.
  const features: GatewayFeature[] = [];
  if (config.provisional && queue.provisional) features.push('provisional');
  if (config.binaryAudio) features.push('binary_audio');
  const replies = config.baseProtocol ? baseReplies() : earshotReplies(joinTexts, features);
  const store = deps.store ?? new MemorySessionStore();
  const history =
    deps.history ??
    new MemoryHistoryStore({ maxSessions: config.historyMaxSessions, maxAgeMs: config.historyMaxAgeMs });
  const sessions = new SessionManager({
    store,
    history,
    queue,
    admission,
    replies,
    metrics,
    events,
    logger,
    gatewayId,
    mergeTimeoutMs: config.mergeTimeoutMs,
    sessionIdleMs: config.sessionIdleMs,
    maxSessionsPerConnection: config.maxSessionsPerConnection,
    maxSessions: config.maxSessions,
  });
  const heartbeat = new Heartbeat(config.heartbeatIntervalMs, config.heartbeatTimeoutMs, events);

  const server: Server = createServer(
    {
      headersTimeout: config.headersTimeoutMs,
      requestTimeout: config.requestTimeoutMs,
      // Node checks those timeouts every 30 s by default, so a slowloris socket lived up
      // to twice as long as told.
      connectionsCheckingInterval: timeoutCheckInterval(config.headersTimeoutMs),
    },
    guardHandler(
      createRequestHandler(
        {
          // With Redis the workers are other processes, maybe on another engine than this
          // gateway's --engine: report theirs ("a,b" when mixed, "none" when none is live).
          engine: () => (queue.workerEngines ? queue.workerEngines().join(',') || 'none' : config.engine),
          models: () => queue.models(),
          version: GATEWAY_VERSION,
          queueKind: queue.kind,
          queueReady: () => queue.ready(),
          queueStats: () => queue.stats(),
          admission: () => admission.snapshot(),
          eventLoopLag: () => loopLag.snapshot(),
          connections: () => sockets.size,
          sessionsActive: () => sessions.activeCount,
          shuttingDown: () => shuttingDown,
          sessions: {
            source: {
              store,
              history,
              chunkCountOf: (record) => sessions.chunkCountOf(record),
              forget: (id) => sessions.forget(id),
              totals: () => sessions.totals(),
            },
            options: {
              base: config.baseProtocol,
              authorized: (request, searchParams) => carriesToken(request, searchParams, config.token),
            },
          },
          token: config.token,
          publicMetrics: config.publicMetrics,
        },
        metrics,
        events,
      ),
      (error, _request, response) => {
        logger.error({ error: errorSummary(error) }, 'HTTP request handler failed');
        if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: 'internal error' }));
      },
    ),
  );
  // Thousands of clients may connect at once; do not let Node's defaults cut them off.
  server.maxConnections = Infinity;

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: config.maxPayloadBytes,
    perMessageDeflate: false,
    WebSocket: GatewaySocket,
  });

  const coalescer = new ReplyCoalescer();
  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => events.note('upgrade_socket_errors'));
    let refusal: Refusal | undefined = checkUpgrade(
      request,
      { token: config.token, maxConnections: config.maxConnections, baseProtocol: config.baseProtocol },
      { connections: sockets.size + pendingUpgrades, shuttingDown },
    );
    // A storm's comebacks are refused while the loop is behind: the streams already in are
    // answered first, and the refused ones come back spread over the next seconds.
    if (!refusal) {
      const retryAfterSeconds = shedder.check();
      if (retryAfterSeconds !== undefined) refusal = loopBehindRefusal(retryAfterSeconds);
    }
    if (refusal) {
      events.note(
        `refused_${refusal.reason}`,
        1,
        refusal.reason === 'bad_request_target' ? loggableTarget(request.url) : undefined,
      );
      metrics.upgradesRefused.inc({ reason: refusal.reason });
      writeRefusal(socket, refusal, config.baseProtocol);
      return;
    }
    // Counted until the handshake ends either way: ws answers a malformed handshake
    // itself (400) without calling back, and that must not leak a slot of the cap.
    pendingUpgrades++;
    let pending = true;
    const settle = () => {
      if (pending) pendingUpgrades--;
      pending = false;
    };
    socket.once('close', settle);
    wss.handleUpgrade(request, socket, head, (ws) => {
      settle();
      if (config.testUpgradeStallMs > 0) stallFor(config.testUpgradeStallMs);
      sockets.add(ws);
      metrics.connectionsOpened.inc();
      events.note('connections');
      ws.on('close', () => sockets.delete(ws));
      heartbeat.track(ws);
      handleConnection(ws, sessions, events, {
        maxPayloadBytes: config.maxPayloadBytes,
        baseProtocol: config.baseProtocol,
        coalesce: { tcp: socket, coalescer },
      });
    });
  };
  server.on(
    'upgrade',
    guardHandler(onUpgrade, (error, _request, socket) => {
      logger.error({ error: errorSummary(error) }, 'upgrade handler failed');
      socket.destroy();
    }),
  );
  server.on('connect', (_request: IncomingMessage, socket: Duplex) => {
    events.note('http_connect_refused');
    socket.on('error', () => events.note('upgrade_socket_errors'));
    endRefused(socket, connectRefusal('GET, HEAD, DELETE'));
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    events.note(`http_client_error_${error.code ?? 'other'}`);
    // Node answers like this itself unless a listener is set: only on a fresh socket.
    if (socket.writable && (socket as Socket).bytesWritten === 0) socket.end(clientErrorResponse(error.code));
    socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // Node's default backlog (511) overflows under bursts of thousands of connects: the
    // dropped SYNs are retried after 1, 3, 7... s. The kernel caps it at somaxconn.
    server.listen({ port: config.port, host: config.host, backlog: config.listenBacklog }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostForUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      shuttingDown = true;
      logger.info(
        { event: 'shutdown', connections: sockets.size, sessions_finishing: sessions.finishingCount },
        'shutting down',
      );
      // Stop accepting: the listener closes, upgrades still in flight are refused.
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Let this gateway's in-flight chunks finish and their finals go out, within the
      // grace period. Only its own: with Redis, other gateways' work is none of its business.
      const deadline = Date.now() + config.shutdownGraceMs;
      while (Date.now() < deadline) {
        if (queue.inFlight() === 0 && sessions.finishingCount === 0) break;
        await new Promise((r) => setTimeout(r, 25));
      }
      await sessions.finalizeAllFinishing();
      heartbeat.stop();
      for (const ws of sockets) ws.close(1001, 'gateway shutting down');
      const socketsClosed = new Promise<void>((resolve) => {
        const check = () => (sockets.size === 0 ? resolve() : setTimeout(check, 25));
        check();
      });
      await Promise.race([socketsClosed, new Promise((r) => setTimeout(r, 2_000))]);
      for (const ws of sockets) ws.terminate();
      sessions.close();
      loopLag.close();
      loopWatch.close();
      await queue.close(0);
      server.closeAllConnections();
      await serverClosed;
      events.stop();
    })());

  return {
    host: address.address,
    port: address.port,
    url: `ws://${hostForUrl}:${address.port}/ws/asr`,
    close,
  };
}

/** TEST HOOK (--test-upgrade-stall-ms): each upgrade holds the loop, as a storm's comeback does. */
function stallFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy: the point is to hold the event loop
  }
}
