// A recognizer worker on the Redis Streams queue. Each of `concurrency` slots owns one
// engine and one blocking connection and loops: reclaim a task whose worker went quiet
// (XAUTOCLAIM after `reclaimIdleMs`), else read a new one (XREADGROUP BLOCK), recognise,
// finish it atomically (see scripts.ts). While a slot works it renews its claim, so only
// a dead or hung worker's tasks are reclaimed, never a slow live one's.
//
// Failures: an engine error hands the task back for another delivery; a task that has
// failed `maxDeliveries` times (engine errors or workers dying on it) goes to the
// dead-letter stream and its session gets an error result instead of waiting forever.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { PROTOCOL_SAMPLE_RATE } from '../../../src-shared/audio/wav.js';
import type { ModelInfo } from '../../../src-shared/models/manifest.js';
import type { Engine } from '../../engines/engine.js';
import type { RecognitionResult } from '../types.js';
import { decodeTask, decodeTaskMeta } from './codec.js';
import type { TaskMeta } from './codec.js';
import {
  connectRedis,
  ensureGroup,
  isMissingGroupError,
  openRedis,
  RedisKeys,
  silentLogger,
  validateRedisUrl,
  WORKER_GROUP,
} from './connection.js';
import type { QueueLogger } from './connection.js';
import type { WorkerHeartbeat } from './heartbeat.js';
import { STAT } from './keys.js';
import { REDIS_QUEUE_DEFAULTS } from './redis-task-queue.js';
import { DeliverySource } from './delivery-source.js';
import type { Delivery } from './delivery-source.js';
import { finishTask, touchTask } from './scripts.js';
import type { ScriptedRedis } from './scripts.js';

export const DEAD_LETTER_CODE = 'dead_letter';

export interface RedisWorkerOptions {
  url: string;
  prefix?: string;
  workerId?: string;
  /** Tasks processed at once; one engine per slot. */
  concurrency?: number;
  /** Builds the engine of one slot (called `concurrency` times at start). */
  createEngine: () => Promise<Engine>;
  /** A task whose worker has not renewed it for this long is reclaimed by another worker. */
  reclaimIdleMs?: number;
  /** Failed deliveries before a task goes to the dead-letter stream. */
  maxDeliveries?: number;
  /** Pause before a task that failed in the engine is offered again. */
  retryDelayMs?: number;
  heartbeatMs?: number;
  heartbeatTtlMs?: number;
  blockMs?: number;
  logger?: QueueLogger;
}

export const REDIS_WORKER_DEFAULTS = {
  concurrency: 1,
  reclaimIdleMs: 30_000,
  maxDeliveries: 3,
  retryDelayMs: 500,
  heartbeatMs: 1000,
  heartbeatTtlMs: 5000,
  blockMs: 1000,
};

interface Slot {
  engine: Engine;
  connection: ScriptedRedis;
  busy: boolean;
  loop?: Promise<void>;
}

export class RedisWorker {
  readonly workerId: string;
  readonly keys: RedisKeys;
  private readonly url: string;
  private readonly o: typeof REDIS_WORKER_DEFAULTS & { logger: QueueLogger };
  private readonly createEngine: () => Promise<Engine>;
  private readonly client: ScriptedRedis;
  private readonly slots: Slot[] = [];
  private stopping = false;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private readonly source: DeliverySource;
  private engineName = 'unknown';
  private engineModel: ModelInfo | undefined;
  private readonly startedAt = Date.now();
  private readonly counters = { completed: 0, failed: 0, audioMs: 0, processingMs: 0, reclaimed: 0 };

  constructor(options: RedisWorkerOptions) {
    this.url = validateRedisUrl(options.url);
    this.keys = new RedisKeys(options.prefix);
    this.workerId = options.workerId ?? `w-${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
    this.createEngine = options.createEngine;
    const pick = <K extends keyof typeof REDIS_WORKER_DEFAULTS>(key: K): number =>
      options[key] ?? REDIS_WORKER_DEFAULTS[key];
    this.o = {
      concurrency: pick('concurrency'),
      reclaimIdleMs: pick('reclaimIdleMs'),
      maxDeliveries: pick('maxDeliveries'),
      retryDelayMs: pick('retryDelayMs'),
      heartbeatMs: pick('heartbeatMs'),
      heartbeatTtlMs: pick('heartbeatTtlMs'),
      blockMs: pick('blockMs'),
      logger: options.logger ?? silentLogger,
    };
    for (const key of Object.keys(REDIS_WORKER_DEFAULTS) as (keyof typeof REDIS_WORKER_DEFAULTS)[]) {
      const value = this.o[key];
      if (!Number.isInteger(value) || value < (key === 'retryDelayMs' ? 0 : 1)) {
        throw new RangeError(`${key} must be a positive integer, got ${String(value)}`);
      }
    }
    if (this.o.heartbeatTtlMs <= this.o.heartbeatMs)
      throw new RangeError('heartbeatTtlMs must be longer than heartbeatMs');
    this.client = connectRedis(this.url, { name: `earshot-worker-${this.workerId}`, logger: this.o.logger });
    this.source = new DeliverySource({
      client: this.client,
      keys: this.keys,
      workerId: this.workerId,
      reclaimIdleMs: this.o.reclaimIdleMs,
      blockMs: this.o.blockMs,
      onReclaimed: (entryId, deliveries) => {
        this.counters.reclaimed += 1;
        this.o.logger.info(
          { entryId, deliveries },
          'reclaimed a task (silent worker, failed attempt or hand-back)',
        );
      },
    });
  }

  /** Loads the engines, connects, and starts taking tasks. */
  async start(): Promise<void> {
    await openRedis(this.client, this.url);
    await ensureGroup(this.client, this.keys);
    for (let i = 0; i < this.o.concurrency; i++) {
      const engine = await this.createEngine();
      this.engineName = engine.name;
      this.engineModel = engine.model;
      const connection = connectRedis(this.url, {
        name: `earshot-worker-${this.workerId}-${i}`,
        blocking: true,
        logger: this.o.logger,
      });
      await openRedis(connection, this.url);
      this.slots.push({ engine, connection, busy: false });
    }
    await this.heartbeat();
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), this.o.heartbeatMs);
    for (const slot of this.slots) slot.loop = this.run(slot);
    this.o.logger.info(
      { workerId: this.workerId, engine: this.engineName, concurrency: this.o.concurrency },
      'worker started',
    );
  }

  /** Stops taking tasks, lets the ones in hand finish (up to `graceMs`), then leaves. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    const deadline = Date.now() + graceMs;
    while (this.slots.some((s) => s.busy) && Date.now() < deadline) await sleep(50);
    for (const slot of this.slots) slot.connection.disconnect();
    // Idle slots end at once; a slot still in the engine past the grace is not waited for:
    // its task is handed back below and the engine's late answer finds the task gone.
    await Promise.race([Promise.all(this.slots.map((s) => s.loop?.catch(() => undefined))), sleep(500)]);
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    await this.releaseAll().catch((err: Error) =>
      this.o.logger.warn(
        { err: err.message },
        'could not hand back tasks; they are reclaimed after the idle time',
      ),
    );
    await this.client
      .multi()
      .del(this.keys.worker(this.workerId))
      .srem(this.keys.workers, this.workerId)
      .exec()
      .catch(() => undefined);
    for (const slot of this.slots) slot.engine.close();
    await this.client.quit().catch(() => this.client.disconnect());
  }

  /** Hands a task back at once (a clean stop), without counting the delivery as failed. */
  private async release(entryId: string): Promise<void> {
    await touchTask(
      this.client,
      this.keys.tasks,
      WORKER_GROUP,
      entryId,
      this.workerId,
      this.o.reclaimIdleMs,
      'release',
    );
  }

  /** On stop: hand back every task still pending under this worker, then leave the group if it holds none. */
  private async releaseAll(): Promise<void> {
    const pending = (await this.client.xpending(
      this.keys.tasks,
      WORKER_GROUP,
      '-',
      '+',
      1000,
      this.workerId,
    )) as [string][];
    for (const [entryId] of pending) await this.release(entryId);
    if (pending.length > 0)
      this.o.logger.info({ tasks: pending.length }, 'handed tasks back to the other workers');
    else await this.client.xgroup('DELCONSUMER', this.keys.tasks, WORKER_GROUP, this.workerId);
  }

  stats(): WorkerHeartbeat {
    return {
      id: this.workerId,
      engine: this.engineName,
      ...(this.engineModel ? { model: this.engineModel } : {}),
      host: hostname(),
      pid: process.pid,
      concurrency: this.o.concurrency,
      busy: this.slots.filter((s) => s.busy).length,
      ...this.counters,
      startedAt: this.startedAt,
      at: Date.now(),
    };
  }

  private async heartbeat(): Promise<void> {
    try {
      await this.client
        .multi()
        .set(this.keys.worker(this.workerId), JSON.stringify(this.stats()), 'PX', this.o.heartbeatTtlMs)
        .sadd(this.keys.workers, this.workerId)
        .exec();
    } catch {
      // Redis is down: the connection logs it once; the next beat retries.
    }
  }

  private async run(slot: Slot): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      try {
        const delivery = (await this.source.reclaim()) ?? (await this.source.readNew(slot.connection));
        failures = 0;
        if (!delivery) continue;
        if (this.stopping) {
          await this.release(delivery.entryId);
          continue;
        }
        slot.busy = true;
        try {
          await this.process(slot, delivery);
        } finally {
          slot.busy = false;
        }
      } catch (err) {
        if (this.stopping) return;
        if (isMissingGroupError(err)) await ensureGroup(this.client, this.keys).catch(() => undefined);
        failures += 1;
        if (failures === 1)
          this.o.logger.warn({ err: (err as Error).message }, 'worker loop error; retrying');
        await sleep(Math.min(2000, 100 * 2 ** Math.min(failures, 5)));
      }
    }
  }

  private async process(slot: Slot, delivery: Delivery): Promise<void> {
    let meta: TaskMeta;
    try {
      meta = decodeTaskMeta(delivery.fields);
    } catch (err) {
      await this.deadLetter(delivery, undefined, `undecodable task entry: ${(err as Error).message}`);
      return;
    }
    if (delivery.deliveries > this.o.maxDeliveries) {
      // This delivery is not tried: the record counts the deliveries that were (each one
      // ended with its worker), so its `deliveries` field and its reason say the same number.
      const tried = delivery.deliveries - 1;
      const reason = `a worker stopped while processing this chunk ${tried} times`;
      await this.deadLetter({ ...delivery, deliveries: tried }, meta, reason);
      return;
    }
    const startedAt = Date.now();
    // Renew the claim while the engine works, so a slow chunk is not taken from a live worker.
    const renew = setInterval(
      () =>
        void touchTask(this.client, this.keys.tasks, WORKER_GROUP, delivery.entryId, this.workerId, 0).catch(
          () => undefined,
        ),
      Math.max(50, Math.floor(this.o.reclaimIdleMs / 3)),
    );
    let text: string;
    try {
      const task = decodeTask(delivery.fields);
      text = (await slot.engine.transcribe(task.pcm, PROTOCOL_SAMPLE_RATE)).text;
    } catch (err) {
      clearInterval(renew);
      await this.failed(delivery, meta, (err as Error).message ?? String(err));
      return;
    }
    clearInterval(renew);
    const result: RecognitionResult = {
      taskId: meta.taskId,
      sessionId: meta.sessionId,
      chunkIndex: meta.chunkIndex,
      text,
      workerId: this.workerId,
      queuedMs: Math.max(0, startedAt - meta.enqueuedAt),
      processingMs: Date.now() - startedAt,
    };
    const finished = await this.finish(delivery, meta, result, 'completed', '');
    if (finished) {
      this.counters.completed += 1;
      this.counters.audioMs += Math.round(meta.audioSeconds * 1000);
      this.counters.processingMs += result.processingMs;
    }
  }

  private async failed(delivery: Delivery, meta: TaskMeta, message: string): Promise<void> {
    this.counters.failed += 1;
    await this.client.hincrby(this.keys.stats, STAT.failed, 1);
    if (delivery.deliveries >= this.o.maxDeliveries) {
      await this.deadLetter(delivery, meta, `recognition failed ${delivery.deliveries} times: ${message}`);
      return;
    }
    this.o.logger.warn(
      { entryId: delivery.entryId, deliveries: delivery.deliveries, err: message },
      'recognition failed; task handed back',
    );
    // Mark it idle enough that any worker's next XAUTOCLAIM takes it after retryDelayMs.
    const idle = Math.max(0, this.o.reclaimIdleMs - this.o.retryDelayMs);
    await touchTask(
      this.client,
      this.keys.tasks,
      WORKER_GROUP,
      delivery.entryId,
      this.workerId,
      idle,
      'retry',
    );
  }

  private async deadLetter(delivery: Delivery, meta: TaskMeta | undefined, reason: string): Promise<void> {
    const result: RecognitionResult | undefined = meta && {
      taskId: meta.taskId,
      sessionId: meta.sessionId,
      chunkIndex: meta.chunkIndex,
      error: { code: DEAD_LETTER_CODE, message: `chunk could not be recognised: ${reason}` },
      workerId: this.workerId,
      queuedMs: Math.max(0, Date.now() - meta.enqueuedAt),
      processingMs: 0,
    };
    const finished = await this.finish(delivery, meta, result, 'dead', reason);
    if (finished) {
      this.o.logger.warn(
        { entryId: delivery.entryId, taskId: meta?.taskId, reason },
        'task moved to the dead-letter stream',
      );
    }
  }

  private finish(
    delivery: Delivery,
    meta: TaskMeta | undefined,
    result: RecognitionResult | undefined,
    outcome: 'completed' | 'dead',
    deadReason: string,
  ): Promise<boolean> {
    const sessionId = meta?.sessionId ?? '';
    return finishTask(this.client, {
      keys: {
        tasks: this.keys.tasks,
        stats: this.keys.stats,
        deadLetters: this.keys.deadLetters,
        session: this.keys.session(sessionId),
        sessionResults: this.keys.sessionResults(sessionId),
      },
      group: WORKER_GROUP,
      entryId: delivery.entryId,
      resultsPrefix: this.keys.resultsPrefix,
      fallbackGateway: meta?.gatewayId ?? 'unknown',
      chunkIndex: meta?.chunkIndex ?? 0,
      audioMs: Math.round((meta?.audioSeconds ?? 0) * 1000),
      resultJson: result ? JSON.stringify(result) : '',
      outcome,
      deadReason,
      resultsTtlMs: REDIS_QUEUE_DEFAULTS.resultsTtlMs,
      resultsMaxLen: REDIS_QUEUE_DEFAULTS.resultsMaxLen,
      workerId: this.workerId,
      deliveries: delivery.deliveries,
    });
  }
}
