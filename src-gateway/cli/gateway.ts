// `earshot gateway`: the ASR gateway process. Prints exactly one line to stdout when it
// is ready (workers loaded, socket listening); logs go to stderr as pino JSON. Bad flags
// exit 2 with one line; an engine that cannot load exits 1 with the reason.
import { randomUUID } from 'node:crypto';
import { Command, Option } from 'commander';
import {
  ConfigError,
  flagName,
  gatewayConfigSchema,
  parseGatewayConfig,
  type GatewayConfig,
} from '../config.js';
import { ENGINE_NAMES } from '../engines/engine.js';
import { addEngineFlags } from '../engines/engine-flags.js';
import { createLogger } from '../logging.js';
import { createQueue } from '../queue/create-queue.js';
import { scaleOutDeps } from '../queue/redis/gateway-backend.js';
import { GATEWAY_VERSION, startGatewayServer } from '../server/gateway-server.js';
import { listenBacklog } from '../listen-backlog.js';
import { wsNativeMasking } from '../../src-node/ws/native-masking.js';
import { exitQuietlyOnClosedPipe } from '../../src-node/process/closed-pipe.js';
import { exitOnStopSignals, failWith, parseCommandLine, type Fail } from './process-cli.js';
import { ensureThreadpool, threadpoolSize } from './threadpool.js';

const fail: Fail = failWith('earshot gateway');
/**
 * Past the grace period, what closing may still take: sockets get 2 s to close after 1001
 * (server/gateway-server.ts), the queue ~1 s to let go of Redis.
 */
const SHUTDOWN_CLOSE_MS = 5000;
exitQuietlyOnClosedPipe();

// The gateway's flags in help order: [flags, help line]. A flag that takes a value shows the
// config schema's default in --help and gets it from there, so a default is written once.
const GATEWAY_FLAGS: Array<[flags: string, description: string]> = [
  ['--host <host>', 'address to bind'],
  ['--port <port>', 'port to listen on (0 = a free port)'],
  ['--listen-backlog <n>', 'pending-connection queue of the listening socket (capped by net.core.somaxconn)'],
  ['--engine <name>', `recognizer engine: ${ENGINE_NAMES.join(' | ')}`],
  ['--workers <n>', 'recognizer worker threads (default: available CPUs)'],
  ['--redis <url>', 'Redis URL: queue chunks in Redis Streams for scale-out workers'],
  ['--max-connections <n>', 'refuse connections past N with HTTP 503 (default: no cap)'],
  [
    '--shed-lag-ms <ms>',
    'while the event loop runs this late (a reconnect storm), refuse WebSocket upgrades past --shed-allowance with 503 + Retry-After (0: never)',
  ],
  ['--shed-allowance <n>', 'upgrades per second still taken while the event loop runs late'],
  ['--shed-returns-per-second <n>', 'upgrades refused that way are told to come back at most N per second'],
  [
    '--token <token>',
    'require this token (Authorization: Bearer or ?token=) on /ws/asr, /metrics and queue status',
  ],
  ['--public-metrics', 'with --token: serve /metrics and queue status without it'],
  ['--merge-timeout-ms <ms>', 'send a partial final_result after this long past finish'],
  [
    '--max-queue-wait-ms <ms>',
    'admit new sessions while a chunk would wait less than this in the queue; later ones get busy at start (0: off)',
  ],
  [
    '--max-backlog-seconds <s>',
    'hard ceiling: refuse chunks with busy while more audio than this is queued (default: 120 x workers)',
  ],
  ['--base-protocol', 'speak only the base protocol, with its quirks (compatibility testing)'],
  [
    '--no-provisional',
    'do not announce or decode provisional requests (live text of open chunks; never offered with --redis)',
  ],
  [
    '--no-binary-audio',
    'do not announce binary audio frames (raw PCM chunks without base64; never offered with --base-protocol)',
  ],
  ['--log-level <level>', 'fatal | error | warn | info | debug | trace | silent'],
  [
    '--max-payload-bytes <n>',
    'largest WebSocket frame (32 MiB: ~13 min of audio in one chunk); bigger ones get too_large, then close with 1009',
  ],
  [
    '--headers-timeout-ms <ms>',
    'close a request or upgrade whose headers have not all arrived after this long (408)',
  ],
  ['--request-timeout-ms <ms>', 'close an HTTP request not complete after this long (408)'],
  ['--heartbeat-interval-ms <ms>', 'ping every peer this often'],
  ['--heartbeat-timeout-ms <ms>', 'drop a peer that has not answered pings for this long'],
  ['--max-sessions-per-connection <n>', 'open sessions one connection may hold (more: too_many_sessions)'],
  ['--max-sessions <n>', 'sessions this gateway holds, open and finished (oldest finished forgotten first)'],
  ['--session-idle-ms <ms>', 'sweep a session idle this long (kept for a resume until then)'],
  ['--shutdown-grace-ms <ms>', 'on SIGTERM, wait this long for in-flight work'],
  ['--log-summary-ms <ms>', 'write repeated events as one summary line per this interval'],
  [
    '--history-max-sessions <n>',
    'finished sessions kept for the session lookup API (/api/v1/history, /api/v1/session/:id); 0 keeps none',
  ],
  ['--history-max-age-ms <ms>', 'forget a finished session this long after it finished'],
  ['--test-poison-mode <mode>', 'TEST HOOK: chunks starting with POISON!! fail in the engine (throw)'],
  [
    '--test-upgrade-stall-ms <ms>',
    'TEST HOOK: every accepted WebSocket upgrade holds the event loop this long (a reconnect storm at small numbers)',
  ],
];

function parseFlags(argv: string[]): GatewayConfig {
  const program = new Command('gateway')
    .description(
      'Earshot ASR gateway: WebSocket /ws/asr + HTTP /api/v1/health, /api/v1/asr/queue/status, /metrics',
    )
    .version(GATEWAY_VERSION)
    .allowExcessArguments(false);
  const defaults: Record<string, unknown> = gatewayConfigSchema.parse({});
  for (const [flags, description] of GATEWAY_FLAGS) {
    const option = new Option(flags, description);
    const value = defaults[option.attributeName()];
    if (option.required && value !== undefined) option.default(String(value));
    program.addOption(option);
  }
  addEngineFlags(program);
  parseCommandLine(program, argv, fail);
  const opts = program.opts<Record<string, string | boolean | undefined>>();
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(opts)) {
    if (value === undefined) continue;
    if (typeof value === 'string' && value.trim() === '') fail(`${flagName(key)} must not be empty`, 2);
    raw[key] = value;
  }
  raw.baseProtocol = opts.baseProtocol === true;
  raw.publicMetrics = opts.publicMetrics === true;
  raw.provisional = opts.provisional !== false;
  raw.binaryAudio = opts.binaryAudio !== false;
  try {
    return parseGatewayConfig(raw);
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message, 2);
    throw error;
  }
}

async function main(): Promise<void> {
  const config = parseFlags(process.argv);
  // In-process pocketsphinx workers decode on libuv's shared pool: one pool thread each.
  if (!config.redis && config.engine === 'pocketsphinx') await ensureThreadpool(config.workers);
  const logger = createLogger(config.logLevel);
  if (config.testPoisonMode)
    logger.warn({ mode: config.testPoisonMode }, 'TEST HOOK enabled: poison chunks fail on purpose');
  const gatewayId = randomUUID();

  const queue = await createQueue(config, {
    gatewayId,
    onWorkerCrash: (workerId, reason) =>
      logger.error({ worker: workerId, reason }, 'recognizer worker died; replaced'),
    logger,
  }).catch((error: unknown) => fail(error instanceof Error ? error.message : String(error), 1));
  try {
    await queue.start();
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error), 1);
  }

  const gateway = await startGatewayServer(config, {
    queue,
    logger,
    gatewayId,
    ...scaleOutDeps(queue, config),
  }).catch((error: unknown) => {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'EADDRINUSE'
        ? `port ${config.port} on ${config.host} is already in use`
        : code === 'EADDRNOTAVAIL'
          ? `cannot bind ${config.host}: no such local address`
          : error instanceof Error
            ? error.message
            : String(error);
    return queue.close(0).then(() => fail(reason, 1));
  });

  const backlog = listenBacklog(config.listenBacklog);
  if (backlog.effective < backlog.requested) {
    logger.warn(
      { event: 'listen_backlog_capped', listen_backlog: backlog.requested, somaxconn: backlog.somaxconn },
      `--listen-backlog ${backlog.requested} is capped by net.core.somaxconn (${backlog.somaxconn}); raise it with sysctl -w net.core.somaxconn=${backlog.requested}`,
    );
  }
  logger.info(
    {
      event: 'listening',
      url: gateway.url,
      engine: config.engine,
      workers: config.workers,
      threadpool_size: threadpoolSize(process.env),
      pid: process.pid,
      queue: queue.kind,
      max_queue_wait_ms: config.maxQueueWaitMs,
      max_backlog_seconds: config.maxBacklogSeconds,
      max_connections: config.maxConnections ?? null,
      shed_lag_ms: config.shedLagMs,
      max_sessions: config.maxSessions,
      max_sessions_per_connection: config.maxSessionsPerConnection,
      max_payload_bytes: config.maxPayloadBytes,
      listen_backlog: backlog.effective,
      auth: config.token !== undefined,
      base_protocol: config.baseProtocol,
      ws_native_masking: wsNativeMasking(),
    },
    'gateway ready',
  );
  // Handlers first: a launcher may signal the moment it reads the ready line.
  exitOnStopSignals(
    logger,
    () => gateway.close().then(() => logger.info({ event: 'stopped' }, 'gateway stopped')),
    { hardLimitMs: config.shutdownGraceMs + SHUTDOWN_CLOSE_MS },
  );
  process.stdout.write(`Earshot gateway listening on ${gateway.url}\n`);
}

main().catch((error: unknown) =>
  fail(`unexpected error: ${error instanceof Error ? error.stack : String(error)}`, 1),
);
