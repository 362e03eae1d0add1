// The gateway's side of the Redis Streams queue. Enqueue = one XADD (PCM as a binary
// field) plus backlog counters in one MULTI; workers in other processes or machines take
// tasks through the consumer group; results come back on this gateway's own results
// stream, read by a blocking XREAD loop that remembers its last id, so results that
// arrive while the gateway is busy simply wait in the stream.
//
// Admission is by backlog in audio seconds (queued + in progress, kept as counters by
// the enqueue and finish steps), never by stream length or connection count. `admit` is
// synchronous, so it uses a snapshot refreshed every `statsIntervalMs` plus what this
// gateway enqueued since.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ModelInfo } from '../../../src-shared/models/manifest.js';
import { distinctModels } from '../models.js';
import { ENGINE_SHARE } from '../types.js';
import type { Admission, QueueStats, RecognitionResult, RecognitionTask, TaskQueue } from '../types.js';
import { decodeResult, encodeTask } from './codec.js';
import {
  connectRedis,
  ensureGroup,
  openRedis,
  RedisKeys,
  silentLogger,
  validateRedisUrl,
} from './connection.js';
import type { QueueLogger } from './connection.js';
import { STAT } from './keys.js';
import { EMPTY_SNAPSHOT, QueueSnapshotReader } from './queue-snapshot.js';
import type { RedisQueueSnapshot } from './queue-snapshot.js';
import type { ScriptedRedis } from './scripts.js';

export type { RedisQueueSnapshot } from './queue-snapshot.js';

export interface RedisTaskQueueOptions {
  url: string;
  /** Stable id of this gateway instance (default: host-pid-random). */
  gatewayId?: string;
  prefix?: string;
  /** Admission bound: queued + in-progress audio seconds across all gateways. */
  maxBacklogSeconds?: number;
  statsIntervalMs?: number;
  /** How long results wait for a gateway that stopped reading (its stream expires after). */
  resultsTtlMs?: number;
  logger?: QueueLogger;
}

export const REDIS_QUEUE_DEFAULTS = {
  maxBacklogSeconds: 600,
  statsIntervalMs: 250,
  resultsTtlMs: 15 * 60_000,
  resultsMaxLen: 100_000,
};

/** close(): how long the result reader and QUIT get once the grace is over. */
const CLOSE_WAIT_MS = 1000;

/** A result bounces between gateways at most this often (a client hopping back and forth). */
const MAX_RESULT_FORWARDS = 3;

export function defaultGatewayId(): string {
  return `gw-${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
}

export class RedisTaskQueue implements TaskQueue {
  readonly kind = 'redis' as const;
  readonly gatewayId: string;
  readonly keys: RedisKeys;
  private readonly url: string;
  private readonly options: Required<Omit<RedisTaskQueueOptions, 'gatewayId' | 'prefix' | 'url'>>;
  private readonly client: ScriptedRedis;
  private readonly reader: ScriptedRedis;
  private readonly listeners: ((result: RecognitionResult) => void)[] = [];
  /** Tasks this gateway enqueued whose result has not come back: taskId -> audio seconds. */
  private readonly outstanding = new Map<string, number>();
  private snapshotValue: RedisQueueSnapshot = EMPTY_SNAPSHOT;
  private enqueuedSinceSnapshotMs = 0;
  private started = false;
  private closing = false;
  /** Set once close() has waited its grace: results still on their way stay in Redis. */
  private readerStopped = false;
  private readerLoop: Promise<void> | undefined;
  private statsTimer: NodeJS.Timeout | undefined;
  private readonly snapshots: QueueSnapshotReader;

  constructor(options: RedisTaskQueueOptions) {
    this.url = validateRedisUrl(options.url);
    this.gatewayId = options.gatewayId ?? defaultGatewayId();
    this.keys = new RedisKeys(options.prefix);
    this.options = {
      maxBacklogSeconds: options.maxBacklogSeconds ?? REDIS_QUEUE_DEFAULTS.maxBacklogSeconds,
      statsIntervalMs: options.statsIntervalMs ?? REDIS_QUEUE_DEFAULTS.statsIntervalMs,
      resultsTtlMs: options.resultsTtlMs ?? REDIS_QUEUE_DEFAULTS.resultsTtlMs,
      logger: options.logger ?? silentLogger,
    };
    if (!(this.options.maxBacklogSeconds > 0)) throw new RangeError('maxBacklogSeconds must be > 0');
    const logger = this.options.logger;
    this.client = connectRedis(this.url, { name: `earshot-gw-${this.gatewayId}`, logger });
    this.reader = connectRedis(this.url, {
      name: `earshot-gw-results-${this.gatewayId}`,
      blocking: true,
      logger,
    });
    this.snapshots = new QueueSnapshotReader(this.client, this.keys);
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    try {
      await Promise.all([openRedis(this.client, this.url), openRedis(this.reader, this.url)]);
    } catch (err) {
      // Neither connection keeps retrying in the background after a failed start.
      this.client.disconnect();
      this.reader.disconnect();
      throw err;
    }
    await ensureGroup(this.client, this.keys);
    await this.refreshSnapshot();
    this.statsTimer = setInterval(() => void this.refreshSnapshot(), this.options.statsIntervalMs);
    this.statsTimer.unref();
    this.readerLoop = this.readResults();
    this.options.logger.info({ gatewayId: this.gatewayId, queue: 'redis' }, 'redis queue started');
  }

  admit(audioSeconds: number): Admission {
    const backlogSeconds = this.backlogSeconds();
    const max = this.options.maxBacklogSeconds;
    // A single chunk larger than the whole bound is still let in on an empty queue.
    if (backlogSeconds === 0 || backlogSeconds + audioSeconds <= max) return { ok: true };
    const excess = backlogSeconds + audioSeconds - max;
    const rate = this.snapshotValue.drainRate;
    const retryAfterMs =
      rate > 0 ? Math.min(30_000, Math.max(1000, Math.ceil((excess / rate) * 1000))) : 5000;
    return { ok: false, retryAfterMs, backlogSeconds };
  }

  /**
   * The shared queue's drain rate, measured over the last seconds; under a light load that
   * measures the load, so the live workers' own speed (from their heartbeats) is the floor.
   */
  throughput(): number {
    const s = this.snapshotValue;
    let ownSpeed = 0;
    for (const worker of s.workers) {
      if (worker.processingMs && worker.audioMs > 0)
        ownSpeed += (worker.audioMs / worker.processingMs) * worker.concurrency * ENGINE_SHARE;
      else ownSpeed += worker.concurrency; // nothing measured yet: real time
    }
    return Math.max(s.drainRate, ownSpeed);
  }

  async enqueue(task: RecognitionTask): Promise<void> {
    if (this.closing) throw new Error('queue is closing');
    if (task.gatewayId !== this.gatewayId) task = { ...task, gatewayId: this.gatewayId };
    const audioMs = Math.round(task.audioSeconds * 1000);
    const results = await this.client
      .multi()
      .xadd(this.keys.tasks, '*', ...encodeTask(task))
      .hincrby(this.keys.stats, STAT.backlogMs, audioMs)
      .hincrby(this.keys.stats, STAT.backlogTasks, 1)
      .hincrby(this.keys.stats, STAT.enqueued, 1)
      .exec();
    const failed = results?.find(([err]) => err !== null);
    if (!results || failed) throw failed?.[0] ?? new Error('redis transaction was discarded');
    this.outstanding.set(task.taskId, task.audioSeconds);
    this.enqueuedSinceSnapshotMs += audioMs;
  }

  onResult(listener: (result: RecognitionResult) => void): void {
    this.listeners.push(listener);
  }

  stats(): QueueStats {
    const s = this.snapshotValue;
    return {
      queued: Math.max(0, s.backlogTasks - s.pending),
      processing: s.pending,
      failed: s.deadLetters,
      workers: s.workers.length,
      workersBusy: s.workers.reduce((sum, w) => sum + w.busy, 0),
      backlogSeconds: this.backlogSeconds(),
    };
  }

  inFlight(): number {
    return this.outstanding.size;
  }

  /** Redis reachable; tasks are durable there even before a worker shows up. */
  ready(): boolean {
    return this.started && !this.closing && this.client.status === 'ready';
  }

  workerEngines(): string[] {
    return [...new Set(this.snapshotValue.workers.map((w) => w.engine))].sort();
  }

  models(): ModelInfo[] {
    return distinctModels(this.snapshotValue.workers.map((w) => w.model));
  }

  snapshot(): RedisQueueSnapshot {
    return this.snapshotValue;
  }

  /** Commands for the session store and tests; shares this gateway's connection. */
  get redis(): ScriptedRedis {
    return this.client;
  }

  async close(graceMs = 5000): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const deadline = Date.now() + graceMs;
    while (this.outstanding.size > 0 && Date.now() < deadline && this.readerLoop) await sleep(50);
    if (this.outstanding.size > 0) {
      // Handed back: the tasks stay in Redis; workers finish them and the results wait in
      // the session hash for whichever gateway the client resumes on.
      this.options.logger.info(
        { left: this.outstanding.size },
        'redis queue closed with tasks still in progress',
      );
    }
    if (this.statsTimer) clearInterval(this.statsTimer);
    this.readerStopped = true;
    this.reader.disconnect();
    // With Redis down, the reader's blocked XREAD waits in ioredis' offline queue and never
    // settles, and QUIT would queue behind the commands waiting there: both are bounded.
    await Promise.race([this.readerLoop?.catch(() => undefined), sleep(CLOSE_WAIT_MS)]);
    if (this.client.status === 'ready')
      await Promise.race([this.client.quit().catch(() => undefined), sleep(CLOSE_WAIT_MS)]);
    this.client.disconnect();
  }

  private backlogSeconds(): number {
    return Math.max(0, this.snapshotValue.backlogMs + this.enqueuedSinceSnapshotMs) / 1000;
  }

  private async readResults(): Promise<void> {
    const stream = this.keys.results(this.gatewayId);
    let lastId = '0';
    let failures = 0;
    while (!this.readerStopped && (!this.closing || this.outstanding.size > 0)) {
      try {
        const reply = (await this.reader.xread('COUNT', 200, 'BLOCK', 1000, 'STREAMS', stream, lastId)) as
          [string, [string, string[]][]][] | null;
        failures = 0;
        // Keep the stream alive while this gateway reads it; a dead gateway's stream expires.
        void this.client.pexpire(stream, this.options.resultsTtlMs).catch(() => undefined);
        if (!reply) continue;
        const ids: string[] = [];
        const batch: string[][] = [];
        for (const [, entries] of reply) {
          for (const [id, fields] of entries) {
            ids.push(id);
            batch.push(fields);
          }
        }
        await this.route(batch);
        lastId = ids[ids.length - 1] ?? lastId;
        if (ids.length > 0) void this.client.xdel(stream, ...ids).catch(() => undefined);
      } catch (err) {
        if (this.closing && this.reader.status !== 'ready') return;
        failures += 1;
        if (failures === 1)
          this.options.logger.warn(
            { err: (err as Error).message },
            'reading results from redis failed; retrying',
          );
        await sleep(Math.min(2000, 100 * 2 ** Math.min(failures, 5)));
      }
    }
  }

  /**
   * A result is routed to the gateway that held its session when the worker finished. If
   * the client has moved to another gateway since (it resumed there while this result was
   * on its way), pass the result on to that gateway instead of handling it here, where
   * nobody is listening. Never throws: when Redis cannot be asked, results are handled here.
   */
  private async route(batch: string[][]): Promise<void> {
    const parsed: { result: RecognitionResult; json: string; hops: number }[] = [];
    for (const fields of batch) {
      const field = (name: string) => {
        const i = fields.indexOf(name);
        return i >= 0 && i + 1 < fields.length ? fields[i + 1] : undefined;
      };
      const json = field('result');
      if (json === undefined) continue;
      try {
        parsed.push({ result: decodeResult(json), json, hops: Number(field('hops') ?? 0) || 0 });
      } catch (err) {
        this.options.logger.warn({ err: (err as Error).message }, 'dropping an invalid result entry');
      }
    }
    if (parsed.length === 0) return;
    let owners: (string | null)[] = [];
    try {
      const lookup = this.client.pipeline();
      for (const { result } of parsed) lookup.hget(this.keys.session(result.sessionId), 'gateway');
      owners = ((await lookup.exec()) ?? []).map(([err, value]) => (err ? null : (value as string | null)));
    } catch {
      owners = [];
    }
    for (const [i, { result, json, hops }] of parsed.entries()) {
      const owner = owners[i];
      if (owner && owner !== this.gatewayId && hops < MAX_RESULT_FORWARDS) {
        try {
          const target = this.keys.results(owner);
          await this.client
            .multi()
            .xadd(
              target,
              'MAXLEN',
              '~',
              REDIS_QUEUE_DEFAULTS.resultsMaxLen,
              '*',
              'result',
              json,
              'hops',
              String(hops + 1),
            )
            .pexpire(target, this.options.resultsTtlMs, 'NX')
            .exec();
          this.outstanding.delete(result.taskId);
          continue;
        } catch {
          // Could not pass it on: handle it here rather than lose it.
        }
      }
      this.deliver(result);
    }
  }

  private deliver(result: RecognitionResult): void {
    this.outstanding.delete(result.taskId);
    for (const listener of this.listeners) {
      try {
        listener(result);
      } catch (err) {
        this.options.logger.error(
          { err: (err as Error).message, taskId: result.taskId },
          'result listener threw',
        );
      }
    }
  }

  private async refreshSnapshot(): Promise<void> {
    const localAtStart = this.enqueuedSinceSnapshotMs;
    try {
      this.snapshotValue = await this.snapshots.read(this.snapshotValue.drainRate);
      // Enqueues made while the read was in flight may be counted twice until the next read: on the safe side.
      this.enqueuedSinceSnapshotMs -= localAtStart;
    } catch (err) {
      if (this.snapshotValue.redisReady) {
        this.options.logger.warn({ err: (err as Error).message }, 'redis queue stats unavailable');
      }
      this.snapshotValue = { ...this.snapshotValue, redisReady: false, workers: [], at: Date.now() };
    }
  }
}
