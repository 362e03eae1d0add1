// /metrics for the Redis queue: queue depth, lag, reclaims, dead letters and per-worker
// throughput, read at scrape time from the snapshot the queue refreshes anyway. The
// counts are cluster-wide (they live in Redis), so they are exposed as gauges mirroring
// the shared counters rather than as this process's own counters.
import { Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { RedisQueueSnapshot } from './redis-task-queue.js';

export interface SnapshotSource {
  snapshot(): RedisQueueSnapshot;
}

type WorkerSnapshot = RedisQueueSnapshot['workers'][number];

/** Gauges named `earshot_redis_<key>`: [help, value from the queue snapshot]. */
const QUEUE_GAUGES: Record<string, [help: string, read: (s: RedisQueueSnapshot) => number]> = {
  ready: ['1 when the last read of Redis succeeded', (s) => (s.redisReady ? 1 : 0)],
  queue_depth: [
    'Tasks in Redis waiting for a worker (all gateways)',
    (s) => Math.max(0, s.backlogTasks - s.pending),
  ],
  queue_lag: ['Task stream entries not yet delivered to any worker (XINFO GROUPS lag)', (s) => s.lag],
  queue_pending: ['Tasks delivered to a worker and not finished (pending list)', (s) => s.pending],
  queue_backlog_seconds: ['Audio seconds queued or in progress (all gateways)', (s) => s.backlogMs / 1000],
  tasks_enqueued: ['Tasks ever enqueued (shared counter)', (s) => s.enqueued],
  tasks_completed: ['Tasks recognised (shared counter)', (s) => s.completed],
  tasks_reclaimed: [
    'Tasks taken over with XAUTOCLAIM: silent worker, failed attempt or hand-back (shared counter)',
    (s) => s.reclaimed,
  ],
  tasks_failed_attempts: ['Deliveries that failed in the engine (shared counter)', (s) => s.failed],
  tasks_dead_lettered: ['Tasks moved to the dead-letter stream (shared counter)', (s) => s.deadLetters],
  drain_audio_seconds_per_second: [
    'Audio seconds recognised per second by all workers (10 s window)',
    (s) => s.drainRate,
  ],
  workers_live: ['Workers with a live heartbeat', (s) => s.workers.length],
};

/** Gauges named `earshot_redis_worker_<key>`, one series per live worker (labels worker, engine). */
const WORKER_GAUGES: Record<string, [help: string, read: (w: WorkerSnapshot) => number]> = {
  chunks_completed: ['Chunks a live worker recognised since it started', (w) => w.completed],
  audio_seconds: ['Audio seconds a live worker recognised since it started', (w) => w.audioMs / 1000],
  chunks_per_second: [
    'Average chunks per second of a live worker since it started',
    (w) => (w.at > w.startedAt ? w.completed / ((w.at - w.startedAt) / 1000) : 0),
  ],
  busy_slots: ['Slots of a live worker holding a task', (w) => w.busy],
  failures: ['Failed deliveries of a live worker since it started', (w) => w.failed],
};

export function registerRedisQueueMetrics(registry: Registry, source: SnapshotSource): void {
  for (const [key, [help, read]] of Object.entries(QUEUE_GAUGES)) {
    new Gauge({
      name: `earshot_redis_${key}`,
      help,
      registers: [registry],
      collect() {
        this.set(read(source.snapshot()));
      },
    });
  }
  for (const [key, [help, read]] of Object.entries(WORKER_GAUGES)) {
    new Gauge({
      name: `earshot_redis_worker_${key}`,
      help,
      labelNames: ['worker', 'engine'],
      registers: [registry],
      collect() {
        this.reset();
        for (const worker of source.snapshot().workers)
          this.set({ worker: worker.id, engine: worker.engine }, read(worker));
      },
    });
  }
}
