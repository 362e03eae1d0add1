// The finished-session history (server/history-store.ts) in Redis, shared by every gateway
// of a deployment: one JSON string per session with a TTL of the retention age, and a
// sorted set by finishing time that bounds the count. Adding trims both in one script, so
// the bounds hold however many gateways add at once.
import type { Redis } from 'ioredis';
import type { FinishedSession, HistoryLimits, HistoryStore } from '../../server/history-store.js';
import type { RedisKeys } from './keys.js';

const ADD_SESSION = `
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[5])
local excess = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[6])
if excess > 0 then
  for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, excess - 1)) do
    redis.call('DEL', ARGV[7] .. id)
  end
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, excess - 1)
end
return 1
`;

interface HistoryScripts extends Redis {
  earshotAddHistory(...args: string[]): Promise<number>;
}

export class RedisHistoryStore implements HistoryStore {
  private readonly redis: HistoryScripts;

  constructor(
    redis: Redis,
    private readonly keys: RedisKeys,
    private readonly limits: HistoryLimits,
  ) {
    redis.defineCommand('earshotAddHistory', { numberOfKeys: 2, lua: ADD_SESSION });
    this.redis = redis as HistoryScripts;
  }

  async add(session: FinishedSession): Promise<void> {
    if (this.limits.maxSessions === 0) return;
    await this.redis.earshotAddHistory(
      this.keys.historyIndex,
      this.keys.history(session.sessionId),
      JSON.stringify(session),
      String(Math.max(1, Math.round(this.limits.maxAgeMs))),
      String(session.completedAt),
      session.sessionId,
      String(Date.now() - this.limits.maxAgeMs),
      String(this.limits.maxSessions),
      this.keys.history(''),
    );
  }

  async list(limit: number): Promise<FinishedSession[]> {
    const ids = await this.redis.zrevrangebyscore(
      this.keys.historyIndex,
      '+inf',
      String(Date.now() - this.limits.maxAgeMs),
      'LIMIT',
      0,
      limit,
    );
    if (ids.length === 0) return [];
    const values = await this.redis.mget(ids.map((id) => this.keys.history(id)));
    return values.flatMap((value) => (value ? [parse(value)].filter((s) => s !== undefined) : []));
  }

  async get(sessionId: string): Promise<FinishedSession | undefined> {
    const value = await this.redis.get(this.keys.history(sessionId));
    return value ? parse(value) : undefined;
  }

  async delete(sessionId: string): Promise<boolean> {
    const [deleted] = await Promise.all([
      this.redis.del(this.keys.history(sessionId)),
      this.redis.zrem(this.keys.historyIndex, sessionId),
    ]);
    return deleted > 0;
  }

  async usage(): Promise<{ sessions: number; bytes: number }> {
    const ids = await this.redis.zrangebyscore(
      this.keys.historyIndex,
      String(Date.now() - this.limits.maxAgeMs),
      '+inf',
    );
    if (ids.length === 0) return { sessions: 0, bytes: 0 };
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.strlen(this.keys.history(id));
    const lengths = ((await pipeline.exec()) ?? []).map(([, value]) => Number(value) || 0);
    return { sessions: lengths.filter((n) => n > 0).length, bytes: lengths.reduce((a, b) => a + b, 0) };
  }
}

function parse(json: string): FinishedSession | undefined {
  try {
    const value = JSON.parse(json) as FinishedSession;
    return typeof value.sessionId === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}
