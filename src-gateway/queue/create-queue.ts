// Picks the TaskQueue backend from the gateway config. Today: in-process worker threads.
// The Redis Streams backend (`--redis URL`, src-gateway/queue/redis/) plugs in here.
import type { GatewayConfig } from '../config.js';
import type { EngineOptions } from '../engines/engine.js';
import type { TaskQueue } from './types.js';
import { MemoryTaskQueue } from './memory/memory-queue.js';

export interface QueueContext {
  gatewayId: string;
  onWorkerCrash?: (workerId: string, reason: string) => void;
}

export function engineOptionsFrom(config: GatewayConfig): EngineOptions {
  return {
    synthetic: {
      realTimeFactor: config.syntheticRtf,
      fixedCostMs: config.syntheticCostMs,
      phrase: config.syntheticPhrase,
    },
  };
}

export async function createQueue(config: GatewayConfig, context: QueueContext): Promise<TaskQueue> {
  if (config.redis) {
    throw new Error('--redis is not available in this build yet (src-gateway/queue/redis/ is not wired)');
  }
  return new MemoryTaskQueue({
    engine: config.engine,
    engineOptions: engineOptionsFrom(config),
    workers: config.workers,
    maxBacklogSeconds: config.maxBacklogSeconds,
    gatewayId: context.gatewayId,
    onWorkerCrash: context.onWorkerCrash,
  });
}
