// ioredis connections with the options Earshot needs, and a validated Redis URL.
import { Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';
import { defineScripts } from './scripts.js';
import type { ScriptedRedis } from './scripts.js';
import { DEFAULT_PREFIX, RedisKeys, WORKER_GROUP } from './keys.js';

export interface QueueLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLogger: QueueLogger = { debug() {}, info() {}, warn() {}, error() {} };

/** Throws a one-line RangeError unless `url` is a redis:// or rediss:// URL. */
export function validateRedisUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RangeError(`--redis must be a URL like redis://127.0.0.1:6379, got "${url}"`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new RangeError(`--redis must start with redis:// or rediss://, got "${parsed.protocol}"`);
  }
  if (parsed.hostname === '') throw new RangeError(`--redis has no host: "${url}"`);
  return url;
}

/** Redis URL with the password masked, for logs. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<invalid url>';
  }
}

export interface ConnectOptions {
  /** Blocking reads (XREAD BLOCK) hold their connection: they wait for Redis forever and retry. */
  blocking?: boolean;
  name: string;
  logger: QueueLogger;
}

export function connectRedis(url: string, options: ConnectOptions): ScriptedRedis {
  const redisOptions: RedisOptions = {
    connectionName: options.name,
    lazyConnect: true,
    // A command against a down Redis fails fast for normal connections, so an enqueue is
    // answered with an error instead of hanging the client; blocking readers just wait.
    maxRetriesPerRequest: options.blocking ? null : 2,
    retryStrategy: (attempt) => Math.min(2000, 50 * 2 ** Math.min(attempt, 6)),
  };
  const redis = new Redis(url, redisOptions);
  // Log connection trouble once per outage, not once per retry.
  let down = false;
  redis.on('error', (err: Error) => {
    if (!down) options.logger.warn({ err: err.message, connection: options.name }, 'redis connection error');
    down = true;
  });
  redis.on('ready', () => {
    if (down) options.logger.info({ connection: options.name }, 'redis connection restored');
    down = false;
  });
  return defineScripts(redis);
}

/** Creates the task stream and its consumer group if missing (idempotent). */
export async function ensureGroup(redis: Redis, keys: RedisKeys): Promise<void> {
  try {
    await redis.xgroup('CREATE', keys.tasks, WORKER_GROUP, '0', 'MKSTREAM');
  } catch (err) {
    if (!(err instanceof Error) || !err.message.includes('BUSYGROUP')) throw err;
  }
}

export function isMissingGroupError(err: unknown): boolean {
  return err instanceof Error && /NOGROUP|no such key/i.test(err.message);
}

export { DEFAULT_PREFIX, RedisKeys, WORKER_GROUP };
