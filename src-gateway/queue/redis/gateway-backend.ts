// What a gateway started with `--redis URL` needs beyond the queue itself: the Redis
// session store (so a client can resume on any gateway), the finished-session history
// every gateway of the deployment shares, and the Redis queue metrics on the gateway's
// /metrics registry. Kept here so the gateway core only asks for it.
import type { Registry } from 'prom-client';
import type { HistoryStore } from '../../server/history-store.js';
import type { SessionStore } from '../../server/session-store.js';
import type { TaskQueue } from '../types.js';
import type { QueueLogger } from './connection.js';
import { registerRedisQueueMetrics } from './metrics.js';
import { RedisTaskQueue } from './redis-task-queue.js';
import { RedisHistoryStore } from './history-store.js';
import { RedisSessionStore } from './session-store.js';

export interface RedisBackendConfig {
  redis: string;
  maxBacklogSeconds: number;
  /** A session without a connection lives at least this long (docs/protocol.md, "Limits": 10 min). */
  sessionIdleMs: number;
  historyMaxSessions: number;
  historyMaxAgeMs: number;
}

export function createRedisQueue(
  config: RedisBackendConfig,
  gatewayId: string,
  logger?: QueueLogger,
): RedisTaskQueue {
  return new RedisTaskQueue({
    url: config.redis,
    gatewayId,
    maxBacklogSeconds: config.maxBacklogSeconds,
    logger,
  });
}

export interface ScaleOutDeps {
  store?: SessionStore;
  history?: HistoryStore;
  registerMetrics?: (registry: Registry) => void;
}

/** The Redis session store and metrics for a Redis queue; nothing for the in-process one. */
export function scaleOutDeps(
  queue: TaskQueue,
  config: Pick<RedisBackendConfig, 'sessionIdleMs' | 'historyMaxSessions' | 'historyMaxAgeMs'>,
): ScaleOutDeps {
  if (!(queue instanceof RedisTaskQueue)) return {};
  return {
    // Twice the idle time: the gateway's sweep deletes idle sessions; the TTL only
    // cleans up after gateways that died before they could sweep.
    store: new RedisSessionStore({
      redis: queue.redis,
      keys: queue.keys,
      gatewayId: queue.gatewayId,
      ttlMs: config.sessionIdleMs * 2,
    }),
    history: new RedisHistoryStore(queue.redis, queue.keys, {
      maxSessions: config.historyMaxSessions,
      maxAgeMs: config.historyMaxAgeMs,
    }),
    registerMetrics: (registry) => registerRedisQueueMetrics(registry, queue),
  };
}
