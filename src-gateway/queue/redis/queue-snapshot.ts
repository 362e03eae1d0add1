// What a gateway knows about the shared queue, read from Redis every few hundred ms:
// backlog counters, the consumer group's pending count and lag, live workers from their
// heartbeats, and the drain rate (audio seconds recognised per second) that sizes a
// `busy` answer's retry_after_ms. Feeds admission, health, queue status and /metrics.
import type { Redis } from 'ioredis';
import { ensureGroup, isMissingGroupError, WORKER_GROUP } from './connection.js';
import { parseHeartbeat } from './heartbeat.js';
import type { WorkerHeartbeat } from './heartbeat.js';
import { STAT } from './keys.js';
import type { RedisKeys } from './keys.js';

/** What the gateway last saw in Redis; feeds health, queue status and /metrics. */
export interface RedisQueueSnapshot {
  redisReady: boolean;
  backlogMs: number;
  backlogTasks: number;
  /** Delivered to a worker, not yet finished (the consumer group's pending list). */
  pending: number;
  /** Entries not yet delivered to any worker (XINFO GROUPS lag). */
  lag: number;
  enqueued: number;
  completed: number;
  completedMs: number;
  deadLetters: number;
  reclaimed: number;
  failed: number;
  workers: WorkerHeartbeat[];
  /** Audio seconds recognised per second, all workers, over the last refreshes. */
  drainRate: number;
  at: number;
}

export const EMPTY_SNAPSHOT: RedisQueueSnapshot = {
  redisReady: false,
  backlogMs: 0,
  backlogTasks: 0,
  pending: 0,
  lag: 0,
  enqueued: 0,
  completed: 0,
  completedMs: 0,
  deadLetters: 0,
  reclaimed: 0,
  failed: 0,
  workers: [],
  drainRate: 0,
  at: 0,
};

const DRAIN_WINDOW_MS = 10_000;

export class QueueSnapshotReader {
  private readonly drainSamples: { at: number; completedMs: number }[] = [];

  constructor(
    private readonly client: Redis,
    private readonly keys: RedisKeys,
  ) {}

  /** Throws when Redis cannot be read. */
  async read(previousDrainRate: number): Promise<RedisQueueSnapshot> {
    const reply = await this.client
      .pipeline()
      .hgetall(this.keys.stats)
      .xpending(this.keys.tasks, WORKER_GROUP)
      .xinfo('GROUPS', this.keys.tasks)
      .smembers(this.keys.workers)
      .exec();
    if (!reply) throw new Error('redis pipeline was discarded');
    if (reply.some(([err]) => isMissingGroupError(err))) {
      // Redis restarted without persistence (or someone deleted the stream): recreate it.
      await ensureGroup(this.client, this.keys);
      throw new Error('the task stream was missing and has been recreated');
    }
    const [statsReply, pendingReply, groupsReply, workersReply] = reply.map(([err, value]) => {
      if (err) throw err;
      return value;
    });
    const stats = statsReply as Record<string, string>;
    const num = (field: string): number => Number(stats[field] ?? 0) || 0;
    const workers = await this.liveWorkers(workersReply as string[]);
    const now = Date.now();
    const completedMs = num(STAT.completedMs);
    this.drainSamples.push({ at: now, completedMs });
    while (this.drainSamples.length > 1 && now - this.drainSamples[0].at > DRAIN_WINDOW_MS)
      this.drainSamples.shift();
    const first = this.drainSamples[0];
    const elapsed = (now - first.at) / 1000;
    return {
      redisReady: true,
      backlogMs: Math.max(0, num(STAT.backlogMs)),
      backlogTasks: Math.max(0, num(STAT.backlogTasks)),
      pending: Number((pendingReply as unknown[])[0] ?? 0) || 0,
      lag: groupLag(groupsReply as unknown[][]),
      enqueued: num(STAT.enqueued),
      completed: num(STAT.completed),
      completedMs,
      deadLetters: num(STAT.deadLetters),
      reclaimed: num(STAT.reclaimed),
      failed: num(STAT.failed),
      workers,
      drainRate:
        elapsed > 0.5 ? Math.max(0, (completedMs - first.completedMs) / 1000 / elapsed) : previousDrainRate,
      at: now,
    };
  }

  /** Workers whose heartbeat key is still there; forgets the others. */
  private async liveWorkers(ids: string[]): Promise<WorkerHeartbeat[]> {
    if (ids.length === 0) return [];
    const raw = await this.client.mget(ids.map((id) => this.keys.worker(id)));
    const live: WorkerHeartbeat[] = [];
    const gone: string[] = [];
    raw.forEach((value, i) => {
      const heartbeat = parseHeartbeat(value);
      if (heartbeat) live.push(heartbeat);
      else gone.push(ids[i]);
    });
    if (gone.length > 0) await this.client.srem(this.keys.workers, ...gone);
    return live;
  }
}

function groupLag(groups: unknown[][]): number {
  for (const group of groups ?? []) {
    const fields = new Map<string, unknown>();
    for (let i = 0; i + 1 < group.length; i += 2) fields.set(String(group[i]), group[i + 1]);
    if (fields.get('name') === WORKER_GROUP) return Number(fields.get('lag') ?? 0) || 0;
  }
  return 0;
}
