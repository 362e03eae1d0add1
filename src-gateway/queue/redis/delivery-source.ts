// Where a worker slot's next task comes from: first a task some other worker left idle
// too long (XAUTOCLAIM: it died, hung, failed it, or handed it back), else a new one from
// the stream (XREADGROUP BLOCK on the slot's own connection). Each delivery carries its
// delivery count, which decides when a task goes to the dead-letter stream.
import type { Redis } from 'ioredis';
import { WORKER_GROUP } from './connection.js';
import { STAT } from './keys.js';
import type { RedisKeys } from './keys.js';

export interface Delivery {
  entryId: string;
  fields: Buffer[];
  /** 1 for a first delivery; each reclaim adds one. */
  deliveries: number;
}

export interface DeliverySourceOptions {
  client: Redis;
  keys: RedisKeys;
  workerId: string;
  reclaimIdleMs: number;
  blockMs: number;
  onReclaimed(entryId: string, deliveries: number): void;
}

export class DeliverySource {
  private reclaimCursor = '0-0';
  private lastReclaimAt = 0;

  constructor(private readonly o: DeliverySourceOptions) {}

  /** At most one XAUTOCLAIM per process per interval, shared by the slots. */
  async reclaim(): Promise<Delivery | undefined> {
    const { client, keys } = this.o;
    const interval = Math.min(1000, Math.max(50, this.o.reclaimIdleMs / 4));
    if (Date.now() - this.lastReclaimAt < interval) return undefined;
    this.lastReclaimAt = Date.now();
    const reply = (await client.callBuffer(
      'XAUTOCLAIM',
      keys.tasks,
      WORKER_GROUP,
      this.o.workerId,
      String(this.o.reclaimIdleMs),
      this.reclaimCursor,
      'COUNT',
      '1',
    )) as [Buffer, ([Buffer, Buffer[] | null] | null)[]];
    this.reclaimCursor = reply[0].toString();
    const claimed = reply[1].find(
      (entry): entry is [Buffer, Buffer[]] => entry !== null && entry[1] !== null,
    );
    if (!claimed) return undefined;
    // Another pass may follow right away: more idle entries may be waiting.
    this.lastReclaimAt = 0;
    const entryId = claimed[0].toString();
    const pending = (await client.xpending(keys.tasks, WORKER_GROUP, entryId, entryId, 1)) as [
      string,
      string,
      number,
      number,
    ][];
    const deliveries = Number(pending[0]?.[3] ?? 1);
    await client.hincrby(keys.stats, STAT.reclaimed, 1);
    this.o.onReclaimed(entryId, deliveries);
    return { entryId, fields: claimed[1], deliveries };
  }

  /** Waits up to blockMs on `connection` (which it blocks) for a task no worker has seen. */
  async readNew(connection: Redis): Promise<Delivery | undefined> {
    const reply = (await connection.callBuffer(
      'XREADGROUP',
      'GROUP',
      WORKER_GROUP,
      this.o.workerId,
      'COUNT',
      '1',
      'BLOCK',
      String(this.o.blockMs),
      'STREAMS',
      this.o.keys.tasks,
      '>',
    )) as [Buffer, [Buffer, Buffer[]][]][] | null;
    const entry = reply?.[0]?.[1]?.[0];
    if (!entry) return undefined;
    return { entryId: entry[0].toString(), fields: entry[1], deliveries: 1 };
  }
}
