// Session state in Redis, so a client whose gateway died resumes on another one. Three
// keys per session (see keys.ts), all with a TTL refreshed on every write. Every write a
// client's message causes also marks this gateway as the session's owner: workers route
// results to the owner's results stream (scripts.ts), so results follow the client.
// Recording a result does not claim: a gateway that merely received a late result must
// not pull the session back from the gateway the client is on now.
import type { Redis } from 'ioredis';
import { ChunkLedger } from '../../server/chunk-ledger.js';
import type { ChunkOutcome, SessionRecord, SessionStore } from '../../server/session-store.js';
import type { RedisKeys } from './keys.js';

const UPDATE_SESSION = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local op = ARGV[4]
local out = 1
if op == 'chunk' then
  out = redis.call('HSETNX', KEYS[2], ARGV[5], ARGV[6])
elseif op == 'result' then
  redis.call('HSET', KEYS[3], ARGV[5], ARGV[6])
elseif op == 'finish' then
  redis.call('HSET', KEYS[1], 'finishRequested', '1')
elseif op == 'final' then
  redis.call('HSET', KEYS[1], 'final', ARGV[6])
end
if op ~= 'result' then redis.call('HSET', KEYS[1], 'gateway', ARGV[2]) end
redis.call('HSET', KEYS[1], 'lastActivityAt', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
redis.call('PEXPIRE', KEYS[3], ARGV[3])
redis.call('ZADD', KEYS[4], ARGV[1], ARGV[7])
return out
`;

type UpdateOp = 'touch' | 'chunk' | 'result' | 'finish' | 'final';

interface SessionScripts extends Redis {
  earshotUpdateSession(...args: string[]): Promise<number>;
}

export interface RedisSessionStoreOptions {
  redis: Redis;
  keys: RedisKeys;
  gatewayId: string;
  /** Sessions untouched this long disappear from Redis even if no gateway sweeps them. */
  ttlMs: number;
}

export class RedisSessionStore implements SessionStore {
  private readonly redis: SessionScripts;
  private readonly keys: RedisKeys;
  private readonly gatewayId: string;
  private readonly ttlMs: number;

  constructor(options: RedisSessionStoreOptions) {
    if (!(options.ttlMs >= 1000)) throw new RangeError(`session ttlMs must be >= 1000, got ${options.ttlMs}`);
    options.redis.defineCommand('earshotUpdateSession', { numberOfKeys: 4, lua: UPDATE_SESSION });
    this.redis = options.redis as SessionScripts;
    this.keys = options.keys;
    this.gatewayId = options.gatewayId;
    this.ttlMs = Math.round(options.ttlMs);
  }

  async get(sessionId: string): Promise<SessionRecord | undefined> {
    const reply = await this.redis
      .pipeline()
      .hgetall(this.keys.session(sessionId))
      .hgetall(this.keys.sessionChunks(sessionId))
      .hgetall(this.keys.sessionResults(sessionId))
      .exec();
    if (!reply) return undefined;
    const [head, chunks, results] = reply.map(([err, value]) => {
      if (err) throw err;
      return value as Record<string, string>;
    });
    if (!head.sessionId) return undefined;
    const record: SessionRecord = {
      sessionId: head.sessionId,
      startedAt: Number(head.startedAt),
      lastActivityAt: Number(head.lastActivityAt),
      chunks: new ChunkLedger(),
      finishRequested: head.finishRequested === '1',
    };
    if (head.userId !== undefined) record.userId = head.userId;
    if (head.final) record.final = JSON.parse(head.final) as NonNullable<SessionRecord['final']>;
    // In index order, so the ledger's dense arrays take them (a hash comes back in any order).
    const indexes = Object.keys(chunks)
      .map(Number)
      .sort((a, b) => a - b);
    for (const index of indexes) {
      const seconds = Number(chunks[index]);
      // Written only by this store; an entry that is not one (edited by hand) is left out.
      if (Number.isSafeInteger(index) && index >= 0 && seconds >= 0) record.chunks.add(index, seconds);
    }
    for (const [index, json] of Object.entries(results)) {
      const outcome = parseOutcome(json);
      if (outcome) record.chunks.setOutcome(Number(index), outcome);
    }
    return record;
  }

  async create(record: SessionRecord): Promise<void> {
    const id = record.sessionId;
    const head: Record<string, string> = {
      sessionId: id,
      startedAt: String(record.startedAt),
      lastActivityAt: String(record.lastActivityAt),
      finishRequested: record.finishRequested ? '1' : '0',
      gateway: this.gatewayId,
    };
    if (record.userId !== undefined) head.userId = record.userId;
    if (record.final) head.final = JSON.stringify(record.final);
    const tx = this.redis
      .multi()
      .del(this.keys.session(id), this.keys.sessionChunks(id), this.keys.sessionResults(id))
      .hset(this.keys.session(id), head)
      .pexpire(this.keys.session(id), this.ttlMs)
      .zadd(this.keys.sessionsByActivity, record.lastActivityAt, id);
    const chunks = Object.entries(record.chunks.secondsByIndex()).map(([k, v]) => [k, String(v)]);
    if (chunks.length > 0)
      tx.hset(this.keys.sessionChunks(id), Object.fromEntries(chunks)).pexpire(
        this.keys.sessionChunks(id),
        this.ttlMs,
      );
    const results = Object.entries(record.chunks.outcomes()).map(([k, v]) => [k, JSON.stringify(v)]);
    if (results.length > 0)
      tx.hset(this.keys.sessionResults(id), Object.fromEntries(results)).pexpire(
        this.keys.sessionResults(id),
        this.ttlMs,
      );
    await execOrThrow(tx);
  }

  async addChunk(sessionId: string, chunkIndex: number, audioSeconds: number, now: number): Promise<boolean> {
    return (await this.update(sessionId, 'chunk', now, String(chunkIndex), String(audioSeconds))) === 1;
  }

  async setResult(sessionId: string, chunkIndex: number, outcome: ChunkOutcome, now: number): Promise<void> {
    await this.update(sessionId, 'result', now, String(chunkIndex), JSON.stringify(outcome));
  }

  async markFinishRequested(sessionId: string, now: number): Promise<void> {
    await this.update(sessionId, 'finish', now);
  }

  async setFinal(sessionId: string, final: NonNullable<SessionRecord['final']>, now: number): Promise<void> {
    await this.update(sessionId, 'final', now, '', JSON.stringify(final));
  }

  async touch(sessionId: string, now: number): Promise<void> {
    await this.update(sessionId, 'touch', now);
  }

  async delete(sessionId: string): Promise<void> {
    await execOrThrow(
      this.redis
        .multi()
        .del(
          this.keys.session(sessionId),
          this.keys.sessionChunks(sessionId),
          this.keys.sessionResults(sessionId),
        )
        .zrem(this.keys.sessionsByActivity, sessionId),
    );
  }

  /** Idle sessions this gateway holds, plus index entries whose session already expired. */
  async idleSince(cutoff: number): Promise<string[]> {
    const ids = await this.redis.zrangebyscore(
      this.keys.sessionsByActivity,
      '-inf',
      `(${cutoff}`,
      'LIMIT',
      0,
      1000,
    );
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hget(this.keys.session(id), 'gateway');
    const owners = (await pipeline.exec()) ?? [];
    return ids.filter((_, i) => {
      const owner = owners[i]?.[1] as string | null | undefined;
      return owner === this.gatewayId || owner === null;
    });
  }

  /** Sessions known to Redis, across every gateway. */
  async count(): Promise<number> {
    return this.redis.zcard(this.keys.sessionsByActivity);
  }

  private update(sessionId: string, op: UpdateOp, now: number, field = '', value = ''): Promise<number> {
    return this.redis.earshotUpdateSession(
      this.keys.session(sessionId),
      this.keys.sessionChunks(sessionId),
      this.keys.sessionResults(sessionId),
      this.keys.sessionsByActivity,
      String(now),
      this.gatewayId,
      String(this.ttlMs),
      op,
      field,
      value,
      sessionId,
    );
  }
}

function parseOutcome(json: string): ChunkOutcome | undefined {
  try {
    const value = JSON.parse(json) as { text?: unknown; error?: { code?: unknown; message?: unknown } };
    if (value.error && typeof value.error.code === 'string' && typeof value.error.message === 'string') {
      return { error: { code: value.error.code, message: value.error.message } };
    }
    if (typeof value.text === 'string') return { text: value.text };
    return undefined;
  } catch {
    return undefined;
  }
}

async function execOrThrow(tx: { exec(): Promise<[Error | null, unknown][] | null> }): Promise<void> {
  const results = await tx.exec();
  const failed = results?.find(([err]) => err !== null);
  if (!results || failed) throw failed?.[0] ?? new Error('redis transaction was discarded');
}
