// Everything the gateway can be told, validated in one place. The CLI turns flags into
// a raw object; `parseGatewayConfig` either returns a complete config or throws a
// ConfigError whose message is one line naming the bad option.
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { DEFAULT_ENGINE, ENGINE_NAMES } from './engines/engine.js';
import { engineFlagsShape } from './engines/engine-flags.js';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const number = () => z.coerce.number({ error: 'must be a number' }).finite('must be a number');
const positiveInt = number().int('must be a whole number').positive('must be > 0');
const nonNegativeInt = number().int('must be a whole number').min(0, 'must be >= 0');

export const gatewayConfigSchema = z
  .object({
    host: z.string().min(1).default('127.0.0.1'),
    port: nonNegativeInt.max(65_535, 'must be <= 65535').default(8081),
    /** Pending-connection queue of the listening socket; the kernel caps it at net.core.somaxconn. */
    listenBacklog: positiveInt.max(1_048_576, 'must be <= 1048576').default(4096),
    engine: z
      .enum(ENGINE_NAMES, { error: `must be one of: ${ENGINE_NAMES.join(', ')}` })
      .default(DEFAULT_ENGINE),
    workers: positiveInt.max(256, 'must be <= 256').optional(),
    redis: z.string().url('must be a URL such as redis://127.0.0.1:6379').optional(),
    maxConnections: positiveInt.optional(),
    /**
     * Reconnect storms (server/upgrade-shedder.ts): while the event loop runs more than
     * this late, WebSocket upgrades get 503 with Retry-After instead of being taken. 0: never.
     */
    shedLagMs: nonNegativeInt.max(60_000, 'must be <= 60000').default(50),
    /** While it is, this many upgrades per second are still taken (a lone client never waits). */
    shedAllowance: positiveInt.max(100_000, 'must be <= 100000').default(20),
    /** Upgrades refused that way are told to come back at most this many per second. */
    shedReturnsPerSecond: positiveInt.max(1_000_000, 'must be <= 1000000').default(1000),
    token: z.string().min(1, 'must not be empty').optional(),
    /** With --token: serve /metrics and queue status without it (health is always open). */
    publicMetrics: z.boolean().default(false),
    mergeTimeoutMs: positiveInt.default(60_000),
    maxBacklogSeconds: number().positive('must be > 0').optional(),
    /**
     * Admission target (server/admission.ts): a new session is admitted on `start` while
     * a chunk's expected wait in the queue stays under this; later ones wait at the door.
     * 0 turns it off: only the ceiling on queued audio (--max-backlog-seconds) refuses.
     */
    maxQueueWaitMs: nonNegativeInt.max(600_000, 'must be <= 600000').default(2_000),
    baseProtocol: z.boolean().default(false),
    /**
     * Extension `provisional` (live text of a chunk still open on the client): announced
     * and decoded by idle workers. Off with --no-provisional; never with --base-protocol or
     * --redis (docs/protocol.md, "Extensions").
     */
    provisional: z.boolean().default(true),
    /**
     * Extension `binary_audio` (chunks as raw PCM in binary frames, no base64 or JSON):
     * announced unless --no-binary-audio; never with --base-protocol (docs/protocol.md).
     */
    binaryAudio: z.boolean().default(true),
    ...engineFlagsShape,
    logLevel: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
        error: 'must be one of: fatal, error, warn, info, debug, trace, silent',
      })
      .default('info'),
    /**
     * Largest WebSocket frame accepted; a bigger one gets a too_large error, then the
     * socket closes with 1009. 32 MiB holds one chunk of ~13 minutes of 16 kHz audio
     * (base64 WAV in JSON): clients that send a whole recording as one chunk fit.
     */
    maxPayloadBytes: positiveInt.default(32 * 1024 * 1024),
    /**
     * A request (or WebSocket upgrade) whose headers have not all arrived after this long
     * gets 408 and is closed: a slowloris client cannot hold sockets open.
     */
    headersTimeoutMs: positiveInt.default(10_000),
    /** The same for a whole HTTP request. */
    requestTimeoutMs: positiveInt.default(30_000),
    heartbeatIntervalMs: positiveInt.default(20_000),
    heartbeatTimeoutMs: positiveInt.default(60_000),
    /** Open sessions one connection may hold; more get too_many_sessions. */
    maxSessionsPerConnection: positiveInt.default(16),
    /** Sessions this gateway holds (open + finished ones kept for a resume). */
    maxSessions: positiveInt.default(50_000),
    /** A session without a connection lives at least this long (docs/protocol.md, "Limits": 10 min). */
    sessionIdleMs: positiveInt.default(10 * 60_000),
    shutdownGraceMs: nonNegativeInt.default(10_000),
    /** Repeated events (refusals, disconnects, bad frames) are logged as one summary per interval. */
    logSummaryMs: positiveInt.default(10_000),
    /** Finished sessions kept for GET /api/v1/history and /api/v1/session/:id; 0 keeps none. */
    historyMaxSessions: nonNegativeInt.default(1000),
    /** A finished session leaves that history this long after it finished. */
    historyMaxAgeMs: positiveInt.default(24 * 60 * 60_000),
    /** TEST HOOK: chunks whose audio starts with the poison marker fail in the engine. */
    testPoisonMode: z.enum(['throw'], { error: 'must be: throw' }).optional(),
    /** TEST HOOK: every accepted upgrade holds the event loop this long (a storm at small numbers). */
    testUpgradeStallMs: nonNegativeInt.max(10_000, 'must be <= 10000').default(0),
  })
  .strict();

export type GatewayConfig = Omit<z.output<typeof gatewayConfigSchema>, 'workers' | 'maxBacklogSeconds'> & {
  engine: (typeof ENGINE_NAMES)[number];
  workers: number;
  maxBacklogSeconds: number;
};

const FLAG_NAMES: Record<string, string> = Object.fromEntries(
  Object.keys(gatewayConfigSchema.shape).map((key) => [
    key,
    `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`,
  ]),
);

export function flagName(key: string): string {
  return FLAG_NAMES[key] ?? key;
}

export function parseGatewayConfig(input: Record<string, unknown>): GatewayConfig {
  const result = gatewayConfigSchema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    const key = String(issue.path[0] ?? '');
    if (issue.code === 'unrecognized_keys') {
      throw new ConfigError(`unknown option ${issue.keys.map(flagName).join(', ')}`);
    }
    const got = key in input ? ` (got ${JSON.stringify(input[key])})` : '';
    throw new ConfigError(`${flagName(key)} ${issue.message}${got}`);
  }
  const data = result.data;
  const workers = data.workers ?? Math.max(1, availableParallelism());
  if (data.heartbeatTimeoutMs < data.heartbeatIntervalMs) {
    throw new ConfigError('--heartbeat-timeout-ms must be >= --heartbeat-interval-ms');
  }
  if (data.requestTimeoutMs < data.headersTimeoutMs) {
    throw new ConfigError('--request-timeout-ms must be >= --headers-timeout-ms');
  }
  return {
    ...data,
    engine: data.engine as GatewayConfig['engine'],
    workers,
    // A hard ceiling behind the wait target (--max-queue-wait), which decides admission:
    // two minutes of audio per worker bounds memory if throughput is misjudged.
    maxBacklogSeconds: data.maxBacklogSeconds ?? 120 * workers,
  };
}
