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
  // Log connection trouble once per outage, not once per retry. Before the first
  // connection succeeds there is nothing to log: openRedis() reports why it failed.
  let down = false;
  let everReady = false;
  redis.on('error', (err: Error) => {
    if (!down && everReady)
      options.logger.warn({ err: err.message, connection: options.name }, 'redis connection error');
    down = true;
  });
  redis.on('ready', () => {
    if (down && everReady) options.logger.info({ connection: options.name }, 'redis connection restored');
    down = false;
    everReady = true;
  });
  return defineScripts(redis);
}

/**
 * Connects a connection made by connectRedis(). On failure it stops retrying and throws
 * one line: `cannot reach Redis at <url, password masked>: <reason>` (ioredis alone
 * only says "Connection is closed.").
 */
export async function openRedis(redis: Redis, url: string): Promise<void> {
  let lastError: unknown;
  const remember = (err: unknown) => (lastError = err);
  redis.on('error', remember);
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    throw new Error(`cannot reach Redis at ${redactRedisUrl(url)}: ${describeRedisError(lastError ?? err)}`);
  } finally {
    redis.off('error', remember);
  }
}

const ERRNO_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ECONNRESET: 'connection reset',
};

/** A short reason for a Redis connection failure. */
export function describeRedisError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code && ERRNO_REASONS[code]) return ERRNO_REASONS[code];
  const message = err instanceof Error ? err.message : String(err);
  if (/WRONGPASS|NOAUTH|invalid password|invalid username-password/i.test(message))
    return 'authentication failed (check the user and password in the URL)';
  return message.split('\n')[0];
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
