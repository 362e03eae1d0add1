// `earshot status [--url URL] [--token T] [--json] [--data-dir DIR] [--session ID]
// [--bundle FILE [--force]]`: what support staff ask first. Connects once, measures the round trip, reads /api/v1/health
// (which also tells an Earshot gateway from a base one) and, with --data-dir, how much is
// waiting in the outbox; with --session, looks that session up on the gateway. Exits 0
// when the gateway accepted the connection, says it is ready (a live recognizer worker)
// and knows the session; 1 when not (after printing why), so scripts can use it as a check.
// --bundle also writes the diagnostics bundle (src-main/cli/status-bundle.ts), whatever the
// gateway answered: an unreachable gateway is when support needs it most.
import type { Command } from 'commander';
import { ConnectionMonitor, type ConnectionSnapshot } from '../../connection/monitor.js';
import { protocolOf } from '../../connection/health.js';
import { ProtocolClient } from '../../protocol-client/client.js';
import { ConnectError } from '../../protocol-client/errors.js';
import { describeSession, lookupSession, type SessionLookup } from '../../connection/session-lookup.js';
import { CliError } from '../errors.js';
import { checkBundlePath, writeStatusBundle, type WrittenBundle } from '../status-bundle.js';
import { parseGatewayUrl } from '../gateway-url.js';
import { DATA_DIR_HELP, openOutboxForCli } from '../open-outbox.js';

interface StatusFlags {
  url?: string;
  token?: string;
  json?: boolean;
  dataDir?: string;
  session?: string;
  bundle?: string;
  force?: boolean;
  timeoutMs: string;
}

export const DEFAULT_GATEWAY_URL = 'ws://127.0.0.1:8081/ws/asr';

export interface QueueDepth {
  waiting: number;
  byState: Record<string, number>;
  failed: number;
}

function queueDepth(dataDir: string | undefined): QueueDepth | undefined {
  if (dataDir === undefined) return undefined;
  const store = openOutboxForCli(dataDir);
  try {
    const byState: Record<string, number> = {};
    const uploadable = store.listUploadable();
    for (const recording of uploadable) byState[recording.state] = (byState[recording.state] ?? 0) + 1;
    const failed = store.listRecordings({ states: ['failed'], limit: 1_000_000 }).length;
    return { waiting: uploadable.length, byState, failed };
  } finally {
    store.close();
  }
}

/** Connects once and fills the monitor: state, RTT (best of 3 pings), health. */
export async function probeGateway(
  url: string,
  options: { token?: string; timeoutMs?: number } = {},
): Promise<ConnectionMonitor> {
  const monitor = new ConnectionMonitor(url);
  monitor.connecting();
  try {
    const client = await ProtocolClient.connect(url, {
      token: options.token,
      connectTimeoutMs: options.timeoutMs,
    });
    monitor.connected(client);
    const rtts: number[] = [];
    for (let i = 0; i < 3; i++) {
      const rtt = await client.ping(options.timeoutMs).catch(() => undefined);
      if (rtt !== undefined) rtts.push(rtt);
    }
    if (rtts.length) monitor.recordRtt(Math.min(...rtts));
    await monitor.probeHealth(options.timeoutMs);
    await client.close();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof ConnectError && error.permanent) monitor.unauthorized(message);
    else monitor.failed(message, 0, { offline: true });
    await monitor.probeHealth(options.timeoutMs);
  } finally {
    monitor.dispose();
  }
  return monitor;
}

function describeHealth(health: ConnectionSnapshot['health']): string {
  if (!health) return 'unknown';
  if (!health.ok) return `not ready: ${health.reason ?? health.status}`;
  const parts = [
    health.engine && `engine ${health.engine}`,
    health.workers_ready !== undefined && `workers ${health.workers_ready}`,
    health.queue_depth !== undefined && `queue ${health.queue_depth}`,
    health.expected_wait_ms !== undefined && `expected wait ${(health.expected_wait_ms / 1000).toFixed(1)} s`,
    health.throughput_audio_seconds_per_second !== undefined &&
      `throughput ${health.throughput_audio_seconds_per_second.toFixed(1)} audio-s/s`,
    health.sessions_active !== undefined && `sessions ${health.sessions_active}`,
    health.connections !== undefined && `connections ${health.connections}`,
    health.event_loop_lag_ms !== undefined &&
      `event-loop lag p99 ${health.event_loop_lag_ms.p99.toFixed(1)} ms (max ${health.event_loop_lag_ms.max.toFixed(1)} ms)`,
    health.version && `version ${health.version}`,
  ].filter(Boolean);
  return parts.length ? `ready (${parts.join(', ')})` : 'ready';
}

/**
 * The gateway answered its health check and said it is not ready (no live worker, shutting
 * down...): a check that should fail, although the connection itself was accepted. A health
 * route that could not be read at all says nothing about readiness.
 */
function gatewaySaysNotReady(health: ConnectionSnapshot['health']): boolean {
  return health !== null && !health.ok && health.status !== 'unreachable';
}

function printHuman(
  snapshot: ConnectionSnapshot,
  queue: QueueDepth | undefined,
  session?: SessionLookup,
  bundle?: WrittenBundle,
): void {
  const protocol = protocolOf(snapshot.health);
  const lines = [
    ['gateway', snapshot.url],
    ['state', snapshot.state],
    ['rtt', snapshot.rttMs === null ? '-' : `${snapshot.rttMs.toFixed(2)} ms`],
    ['health', describeHealth(snapshot.health)],
  ];
  if (protocol)
    lines.push(['protocol', protocol === 'earshot' ? 'Earshot extensions' : 'base protocol only']);
  if (snapshot.lastError) lines.push(['error', snapshot.lastError]);
  if (queue) {
    const detail = Object.entries(queue.byState)
      .map(([state, n]) => `${n} ${state}`)
      .join(', ');
    lines.push(['outbox', `${queue.waiting} waiting${detail ? ` (${detail})` : ''}, ${queue.failed} failed`]);
  }
  for (const [key, value] of lines) process.stdout.write(`${key.padEnd(9)}${value}\n`);
  if (session?.ok) process.stdout.write(`\n${describeSession(session.session).join('\n')}\n`);
  else if (session) process.stdout.write(`session  ${session.reason}\n`);
  if (bundle)
    process.stdout.write(
      `bundle   ${bundle.path} (${bundle.bytes} bytes: ${bundle.files.map((f) => f.replace(/^[^/]+\//, '')).join(', ')})\n`,
    );
}

async function runStatus(flags: StatusFlags): Promise<void> {
  const url = parseGatewayUrl(flags.url ?? process.env.EARSHOT_URL ?? DEFAULT_GATEWAY_URL);
  const timeoutMs = Number(flags.timeoutMs);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 100 || timeoutMs > 120_000) {
    throw new CliError(`--timeout-ms must be an integer from 100 to 120000, got "${flags.timeoutMs}"`);
  }
  if (flags.session !== undefined && !flags.session.trim())
    throw new CliError('--session needs a session id');
  if (flags.force && flags.bundle === undefined) throw new CliError('--force goes with --bundle FILE');
  // Checked before any traffic, like every other bad input.
  const bundlePath = flags.bundle === undefined ? undefined : checkBundlePath(flags.bundle, !!flags.force);
  const token = flags.token ?? process.env.EARSHOT_TOKEN;
  const queue = queueDepth(flags.dataDir);
  const monitor = await probeGateway(url, { token, timeoutMs });
  const probed = monitor.snapshot();
  // Where the token goes, for a gateway that wants one and got none.
  const snapshot =
    probed.state === 'unauthorized' && token === undefined && !/[?&]token=/.test(url)
      ? {
          ...probed,
          lastError: `${probed.lastError ?? 'the gateway needs a token'}; give it with --token or $EARSHOT_TOKEN`,
        }
      : probed;
  const session =
    flags.session === undefined ? undefined : await lookupSession(url, flags.session, { token, timeoutMs });
  const bundle =
    bundlePath === undefined
      ? undefined
      : writeStatusBundle({
          path: bundlePath,
          force: !!flags.force,
          url,
          token,
          tokenSource:
            flags.token !== undefined
              ? 'flag'
              : process.env.EARSHOT_TOKEN !== undefined
                ? 'env'
                : /[?&]token=/.test(url)
                  ? 'url'
                  : 'none',
          timeoutMs,
          dataDirFlag: flags.dataDir,
          monitor,
          ...(flags.session !== undefined && session
            ? { session: { id: flags.session, lookup: session } }
            : {}),
        });
  if (flags.json)
    process.stdout.write(
      `${JSON.stringify({
        ...snapshot,
        protocol: protocolOf(snapshot.health),
        queue: queue ?? null,
        ...(session ? { session: session.ok ? session.session : { error: session.reason } } : {}),
        ...(bundle ? { bundle } : {}),
      })}\n`,
    );
  else printHuman(snapshot, queue, session, bundle);
  if (snapshot.counters.connects === 0 || gatewaySaysNotReady(snapshot.health) || (session && !session.ok))
    process.exitCode = 1;
}

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('connection diagnostics: state, round trip, gateway health, outbox queue depth')
    .option('--url <url>', `gateway WebSocket URL (default: $EARSHOT_URL or ${DEFAULT_GATEWAY_URL})`)
    .option('--token <token>', 'gateway token (default: $EARSHOT_TOKEN); never printed')
    .option('--json', 'print the diagnostics snapshot as one JSON line (secrets redacted)')
    .option('--data-dir <dir>', `also report the outbox queue depth; ${DATA_DIR_HELP}`)
    .option('--session <id>', 'also look this session up on the gateway (GET /api/v1/session/:id)')
    .option(
      '--bundle <file>',
      'also write a diagnostics bundle (.tar.gz: settings, logs, timeline, health, outbox summary, versions; secrets redacted)',
    )
    .option('--force', 'with --bundle: overwrite the file if it exists')
    .option('--timeout-ms <ms>', 'connect / ping / health timeout', '5000')
    .action((flags: StatusFlags) => runStatus(flags));
}
