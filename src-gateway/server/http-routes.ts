// The HTTP side of the gateway: health, queue status and Prometheus metrics. With --token,
// health stays open (load balancers probe it without secrets); queue status and metrics
// need the token too, unless --public-metrics opens them (e.g. for a scraper on a
// private network).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { loggableTarget, parseRequestTarget } from '../../src-shared/http/request-target.js';
import type { ModelInfo } from '../../src-shared/models/manifest.js';
import { ROUTES, type HealthResponse, type QueueStatusResponse } from '../../src-shared/protocol/messages.js';
import type { RepeatedEvents } from '../logging.js';
import type { QueueStats } from '../queue/types.js';
import type { AdmissionSnapshot } from './admission.js';
import type { EventLoopLagSnapshot } from './event-loop-lag.js';
import { sendJson } from './json-response.js';
import type { GatewayMetrics } from './metrics.js';
import { handleSessionRoute, type SessionRoutesOptions, type SessionSource } from './session-routes.js';
import { carriesToken } from './token.js';

export interface RouteState {
  /** The engine(s) recognising for this gateway now. */
  engine(): string;
  /** Models of the live workers, one per distinct model. */
  models(): ModelInfo[];
  version: string;
  queueKind: 'memory' | 'redis';
  queueReady(): boolean;
  queueStats(): QueueStats;
  admission(): AdmissionSnapshot;
  eventLoopLag(): EventLoopLagSnapshot;
  connections(): number;
  sessionsActive(): number;
  shuttingDown(): boolean;
  /** The session lookup API (session-routes.ts). */
  sessions: { source: SessionSource; options: SessionRoutesOptions };
  /** --token; undefined = no token configured. */
  token?: string;
  /** --public-metrics: queue status and metrics without the token. */
  publicMetrics: boolean;
}

const json = sendJson;

export function createRequestHandler(state: RouteState, metrics: GatewayMetrics, events: RepeatedEvents) {
  return (request: IncomingMessage, response: ServerResponse): void => {
    const target = parseRequestTarget(request.url);
    if (!target) {
      events.note('http_bad_request_target', 1, loggableTarget(request.url));
      json(response, 400, { error: 'malformed request target' });
      return;
    }
    const path = target.pathname;
    if (handleSessionRoute(request, response, target, state.sessions.source, state.sessions.options)) return;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      json(response, 405, { error: `method ${request.method} not allowed` });
      return;
    }
    if (
      (path === ROUTES.queueStatus || path === ROUTES.metrics) &&
      !state.publicMetrics &&
      !carriesToken(request, target.searchParams, state.token)
    ) {
      events.note('http_unauthorized');
      json(response, 401, { error: 'missing or wrong token', code: 'unauthorized' });
      return;
    }
    switch (path) {
      case ROUTES.health: {
        const stats = state.queueStats();
        const readiness = readinessOf(state, stats);
        const models = state.models();
        json(response, readiness.status === 'ready' ? 200 : 503, {
          status: readiness.status,
          ...(readiness.reason ? { reason: readiness.reason } : {}),
          funasr_ready: state.queueReady() && stats.workers > 0,
          redis_ready: state.queueKind === 'redis' && state.queueReady(),
          workers_ready: stats.workers,
          engine: state.engine(),
          // One model when every worker runs the same one; mixed Redis workers name none.
          ...(models.length === 1 ? { model: models[0] } : {}),
          queue_depth: stats.queued,
          ...waitFields(state.admission()),
          sessions_active: state.sessionsActive(),
          connections: state.connections(),
          event_loop_lag_ms: lagFields(state.eventLoopLag()),
          version: state.version,
        } satisfies HealthResponse);
        return;
      }
      case ROUTES.queueStatus: {
        const stats = state.queueStats();
        // One snapshot: each walks the door line.
        const admission = state.admission();
        json(response, 200, {
          queued: stats.queued,
          processing: stats.processing,
          failed: stats.failed,
          workers: stats.workers,
          workers_busy: stats.workersBusy,
          backlog_seconds: Math.round(stats.backlogSeconds * 1000) / 1000,
          ...waitFields(admission),
          reserved_seconds: round3(admission.reservedSeconds),
          sessions_admitted: admission.admittedSessions,
          sessions_waiting_at_door: admission.waitingAtDoor,
        } satisfies QueueStatusResponse);
        return;
      }
      case ROUTES.metrics: {
        metrics.registry.metrics().then(
          (text) => {
            response.writeHead(200, { 'content-type': metrics.registry.contentType });
            response.end(text);
          },
          (error: unknown) => json(response, 500, { error: String(error) }),
        );
        return;
      }
      case ROUTES.ws:
        json(response, 426, { error: 'this endpoint needs a WebSocket upgrade' });
        return;
      default:
        json(response, 404, { error: `not found: ${path}` });
    }
  };
}

/**
 * Ready means a chunk sent now gets recognised: the queue takes work and at least one
 * worker is live to take it from there. A Redis-backed gateway with no worker heartbeat
 * accepts sessions but nothing answers them, so it is not ready (docs/gateway.md, "Health").
 */
export function readinessOf(
  state: Pick<RouteState, 'queueKind' | 'queueReady' | 'shuttingDown'>,
  stats: Pick<QueueStats, 'workers'>,
): { status: 'ready' | 'starting' | 'no_workers' | 'shutting_down'; reason?: string } {
  if (state.shuttingDown()) return { status: 'shutting_down', reason: 'the gateway is shutting down' };
  if (!state.queueReady())
    return state.queueKind === 'redis'
      ? { status: 'starting', reason: 'Redis is not reachable' }
      : { status: 'starting', reason: 'no recognizer worker has loaded its engine yet' };
  if (stats.workers === 0)
    return state.queueKind === 'redis'
      ? {
          status: 'no_workers',
          reason: 'no recognizer worker is running; start one with `earshot worker --redis URL`',
        }
      : { status: 'no_workers', reason: 'no recognizer worker is running' };
  return { status: 'ready' };
}

/** The main thread's event-loop lag over the last window, in ms to 0.1. */
function lagFields(lag: EventLoopLagSnapshot): { p50: number; p99: number; max: number } {
  const ms = (value: number) => Math.round(value * 10) / 10;
  return { p50: ms(lag.p50Ms), p99: ms(lag.p99Ms), max: ms(lag.maxMs) };
}

/** Admission's view, in health and queue status (docs/gateway.md, "Admission"). */
function waitFields(admission: AdmissionSnapshot) {
  return {
    expected_wait_ms: admission.expectedWaitMs,
    throughput_audio_seconds_per_second: round3(admission.throughput),
  };
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
