// `earshot worker --redis URL`: a recognizer worker for Redis-backed gateways. It loads
// `--concurrency` engines, takes tasks from the shared stream and routes each result to
// the gateway that holds the session. Prints one line to stdout when it takes work;
// pino JSON logs go to stderr. Bad flags exit 2 with one line; an engine that cannot
// load exits 1. SIGINT/SIGTERM: finish the chunks in hand, then exit 0 (whatever is
// left is reclaimed by the other workers).
import { Command } from 'commander';
import { z } from 'zod';
import { DEFAULT_ENGINE, ENGINE_NAMES } from '../engines/engine.js';
import { addEngineFlags, engineFlagsShape, engineOptionsFrom } from '../engines/engine-flags.js';
import { createEngine } from '../engines/index.js';
import { createLogger } from '../logging.js';
import { redactRedisUrl, validateRedisUrl } from '../queue/redis/connection.js';
import { POISON_MODES, withPoisonTestHook } from '../engines/poison-test-hook.js';
import { REDIS_WORKER_DEFAULTS, RedisWorker } from '../queue/redis/redis-worker.js';
import { exitQuietlyOnClosedPipe } from '../../src-node/process/closed-pipe.js';
import { exitOnStopSignals, failWith, parseCommandLine, type Fail } from './process-cli.js';
import { ensureThreadpool } from './threadpool.js';

const fail: Fail = failWith('earshot worker');
exitQuietlyOnClosedPipe();

const positiveInt = z.coerce.number().int('must be a whole number').positive('must be > 0');

const workerConfigSchema = z
  .object({
    redis: z.string().superRefine((url, ctx) => {
      try {
        validateRedisUrl(url);
      } catch (error) {
        ctx.addIssue({
          code: 'custom',
          message: (error as Error).message.replace(/^--redis /, '').replace(/, got .*$/, ''),
        });
      }
    }),
    engine: z.enum(ENGINE_NAMES).default(DEFAULT_ENGINE),
    concurrency: positiveInt.max(64, 'must be <= 64').default(REDIS_WORKER_DEFAULTS.concurrency),
    prefix: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 of [A-Za-z0-9_.-]')
      .default('earshot'),
    workerId: z
      .string()
      .regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'must be 1-128 of [A-Za-z0-9_.:-]')
      .optional(),
    reclaimIdleMs: positiveInt.default(REDIS_WORKER_DEFAULTS.reclaimIdleMs),
    maxDeliveries: positiveInt.max(100, 'must be <= 100').default(REDIS_WORKER_DEFAULTS.maxDeliveries),
    heartbeatMs: positiveInt.default(REDIS_WORKER_DEFAULTS.heartbeatMs),
    heartbeatTtlMs: positiveInt.default(REDIS_WORKER_DEFAULTS.heartbeatTtlMs),
    ...engineFlagsShape,
    shutdownGraceMs: z.coerce.number().int('must be a whole number').min(0, 'must be >= 0').default(10_000),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    testPoisonMode: z.enum(POISON_MODES).optional(),
  })
  .strict()
  .refine((c) => c.heartbeatTtlMs > c.heartbeatMs, {
    message: 'must be longer than --heartbeat-ms',
    path: ['heartbeatTtlMs'],
  });

type WorkerConfig = z.output<typeof workerConfigSchema>;

const flag = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

function parseFlags(argv: string[]): WorkerConfig {
  const program = new Command('worker')
    .description(
      'Earshot recognizer worker: takes chunks from Redis Streams, sends results to the gateway holding the session',
    )
    .requiredOption('--redis <url>', 'Redis URL, e.g. redis://127.0.0.1:6379')
    .option('--engine <name>', `recognizer engine: ${ENGINE_NAMES.join(' | ')}`, DEFAULT_ENGINE)
    .option(
      '--concurrency <n>',
      'chunks recognised at once (one engine each)',
      String(REDIS_WORKER_DEFAULTS.concurrency),
    )
    .option('--prefix <p>', 'Redis key prefix shared with the gateways', 'earshot')
    .option('--worker-id <id>', 'name of this worker (default: host-pid-random)')
    .option(
      '--reclaim-idle-ms <ms>',
      "take over another worker's chunk when it has been silent this long",
      String(REDIS_WORKER_DEFAULTS.reclaimIdleMs),
    )
    .option(
      '--max-deliveries <k>',
      'failed deliveries before a chunk goes to the dead-letter stream',
      String(REDIS_WORKER_DEFAULTS.maxDeliveries),
    )
    .option('--heartbeat-ms <ms>', 'heartbeat interval', String(REDIS_WORKER_DEFAULTS.heartbeatMs))
    .option(
      '--heartbeat-ttl-ms <ms>',
      'a worker without a heartbeat for this long counts as gone',
      String(REDIS_WORKER_DEFAULTS.heartbeatTtlMs),
    )
    .option('--shutdown-grace-ms <ms>', 'on SIGTERM, wait this long for chunks in hand', '10000')
    .option('--log-level <level>', 'fatal | error | warn | info | debug | trace | silent', 'info')
    .option(
      '--test-poison-mode <mode>',
      'TEST HOOK (off by default): chunks starting with "POISON!!" throw | crash',
    )
    .allowExcessArguments(false);
  addEngineFlags(program);
  parseCommandLine(program, argv, fail);
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(program.opts<Record<string, unknown>>()))
    if (value !== undefined) raw[key] = value;
  const parsed = workerConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    if (issue.code === 'unrecognized_keys') fail(`unknown option ${issue.keys.map(flag).join(', ')}`, 2);
    const key = String(issue.path[0] ?? '');
    const got = key in raw ? ` (got ${JSON.stringify(raw[key])})` : '';
    fail(`${flag(key)} ${issue.message}${got}`, 2);
  }
  return parsed.data;
}

async function main(): Promise<void> {
  const config = parseFlags(process.argv);
  // pocketsphinx decodes on libuv's pool, shared by the --concurrency engines: one thread each.
  if (config.engine === 'pocketsphinx') await ensureThreadpool(config.concurrency);
  const logger = createLogger(config.logLevel).child({ role: 'worker' });
  const engineOptions = engineOptionsFrom(config);
  const poisonMode = config.testPoisonMode;
  if (poisonMode) logger.warn({ mode: poisonMode }, 'TEST HOOK enabled: poison chunks fail on purpose');
  const worker = new RedisWorker({
    url: config.redis,
    prefix: config.prefix,
    workerId: config.workerId,
    concurrency: config.concurrency,
    reclaimIdleMs: config.reclaimIdleMs,
    maxDeliveries: config.maxDeliveries,
    heartbeatMs: config.heartbeatMs,
    heartbeatTtlMs: config.heartbeatTtlMs,
    logger,
    createEngine: async () => {
      const engine = await createEngine(config.engine, engineOptions);
      return poisonMode ? withPoisonTestHook(engine, poisonMode) : engine;
    },
  });
  try {
    await worker.start();
  } catch (error) {
    fail(
      `cannot start (redis ${redactRedisUrl(config.redis)}): ${error instanceof Error ? error.message : String(error)}`,
      1,
    );
  }
  // Handlers first: a launcher may signal the moment it reads the ready line.
  exitOnStopSignals(
    logger,
    (signal) => {
      logger.info({ signal }, 'worker stopping');
      return worker.stop(config.shutdownGraceMs);
    },
    // Past the grace period: a few seconds to hand chunks back and let go of Redis.
    { hardLimitMs: config.shutdownGraceMs + 5000 },
  );
  process.stdout.write(
    `Earshot worker ${worker.workerId} ready (engine ${config.engine}, concurrency ${config.concurrency})\n`,
  );
}

main().catch((error: unknown) =>
  fail(`unexpected error: ${error instanceof Error ? error.stack : String(error)}`, 1),
);
