// Picks the TaskQueue backend from the gateway config: Redis Streams with `--redis URL`
// (src-gateway/queue/redis/, workers in other processes), else in-process worker threads
// (src-gateway/queue/memory/).
import type { GatewayConfig } from '../config.js';
import { engineOptionsFrom } from '../engines/engine-flags.js';
import type { TaskQueue } from './types.js';
import { MemoryTaskQueue } from './memory/memory-queue.js';
import type { QueueLogger } from './redis/connection.js';
import { createRedisQueue } from './redis/gateway-backend.js';

export interface QueueContext {
  gatewayId: string;
  onWorkerCrash?: (workerId: string, reason: string) => void;
  logger?: QueueLogger;
}

export async function createQueue(config: GatewayConfig, context: QueueContext): Promise<TaskQueue> {
  if (config.redis) {
    // Workers are separate `earshot worker --redis URL` processes; --workers is unused here.
    return createRedisQueue({ ...config, redis: config.redis }, context.gatewayId, context.logger);
  }
  return new MemoryTaskQueue({
    engine: config.engine,
    engineOptions: engineOptionsFrom(config),
    workers: config.workers,
    maxBacklogSeconds: config.maxBacklogSeconds,
    gatewayId: context.gatewayId,
    onWorkerCrash: context.onWorkerCrash,
    testPoison: config.testPoisonMode === 'throw',
  });
}
