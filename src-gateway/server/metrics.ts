// Prometheus metrics for /metrics. Gauges that mirror live state are read at scrape
// time (collect callbacks), so the hot path only bumps counters.
import { readdirSync } from 'node:fs';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AdmissionSnapshot } from './admission.js';
import type { EventLoopLagSnapshot } from './event-loop-lag.js';

export interface LiveState {
  connections(): number;
  sessionsActive(): number;
  queue(): {
    queued: number;
    processing: number;
    workers: number;
    workersBusy: number;
    backlogSeconds: number;
    failed: number;
  };
  admission(): AdmissionSnapshot;
  eventLoopLag(): EventLoopLagSnapshot;
}

/** Gauges read from live state at scrape time: name -> [help, value]. */
const LIVE_GAUGES: Record<string, [help: string, read: (live: LiveState) => number]> = {
  earshot_connections: ['Open WebSocket connections', (live) => live.connections()],
  earshot_sessions_active: ['Sessions started and not yet finalised', (live) => live.sessionsActive()],
  earshot_queue_depth: ['Chunks waiting for a worker', (live) => live.queue().queued],
  earshot_queue_processing: [
    'Chunks held by workers: being recognised or handed ahead to a worker',
    (live) => live.queue().processing,
  ],
  earshot_queue_backlog_seconds: [
    'Audio seconds queued or in progress',
    (live) => live.queue().backlogSeconds,
  ],
  earshot_workers: ['Recognizer workers ready', (live) => live.queue().workers],
  earshot_workers_busy: ['Recognizer workers holding a chunk', (live) => live.queue().workersBusy],
  earshot_queue_failed: ['Chunks whose recognition failed', (live) => live.queue().failed],
  earshot_queue_expected_wait_seconds: [
    'Expected wait of a chunk entering the queue now: queued and reserved audio over throughput',
    (live) => live.admission().expectedWaitMs / 1000,
  ],
  earshot_recognition_throughput_audio_seconds_per_second: [
    'Audio seconds the recognizers complete per second (measured; the engines speed when idle)',
    (live) => live.admission().throughput,
  ],
  earshot_admission_reserved_seconds: [
    'Audio seconds admitted sessions are still expected to send',
    (live) => live.admission().reservedSeconds,
  ],
  earshot_event_loop_lag_p50_seconds: [
    'Event-loop lag of the gateway main thread, median over the last 5 s window',
    (live) => live.eventLoopLag().p50Ms / 1000,
  ],
  earshot_event_loop_lag_p99_seconds: [
    'Event-loop lag of the gateway main thread, p99 over the last 5 s window: added to every reply',
    (live) => live.eventLoopLag().p99Ms / 1000,
  ],
  earshot_event_loop_lag_max_seconds: [
    'Event-loop lag of the gateway main thread, longest over the last 5 s window',
    (live) => live.eventLoopLag().maxMs / 1000,
  ],
  earshot_sessions_waiting_at_door: [
    'Sessions refused at start that keep a place in line',
    (live) => live.admission().waitingAtDoor,
  ],
};

const DEFAULT_PREFIX = 'earshot_gateway_';
/** How long a count of open file descriptors is reused: counting lists every one of them. */
const OPEN_FDS_TTL_MS = 10_000;

/**
 * prom-client's defaults walk every handle and every open descriptor on each scrape: with
 * thousands of connections, that was ~3.5% of the main thread at one scrape a second (the
 * stress tool's rate; docs/benchmarks.md, "Live streams"). The handle and resource lists
 * are dropped (earshot_connections counts what matters); open descriptors, which tell an
 * operator how near the limit the gateway is, are counted at most every 10 s.
 */
function withoutPerConnectionScans(registry: Registry): void {
  for (const name of [
    'nodejs_active_handles',
    'nodejs_active_handles_total',
    'nodejs_active_resources',
    'nodejs_active_resources_total',
    'process_open_fds',
  ])
    registry.removeSingleMetric(DEFAULT_PREFIX + name);
  if (process.platform !== 'linux') return;
  let counted: { at: number; fds: number } | undefined;
  new Gauge({
    name: `${DEFAULT_PREFIX}process_open_fds`,
    help: `Number of open file descriptors (counted at most every ${OPEN_FDS_TTL_MS / 1000} s)`,
    registers: [registry],
    collect() {
      const now = Date.now();
      if (!counted || now - counted.at >= OPEN_FDS_TTL_MS) {
        try {
          // Less the descriptor the listing itself held open.
          counted = { at: now, fds: readdirSync('/proc/self/fd').length - 1 };
        } catch {
          return;
        }
      }
      this.set(counted.fds);
    },
  });
}

export function createMetrics(live: LiveState) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: DEFAULT_PREFIX });
  withoutPerConnectionScans(registry);
  for (const [name, [help, read]] of Object.entries(LIVE_GAUGES)) {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read(live));
      },
    });
  }
  const counter = <L extends string = never>(name: string, help: string, labelNames: L[] = []) =>
    new Counter<L>({ name, help, labelNames, registers: [registry] });

  return {
    registry,
    connectionsOpened: counter('earshot_connections_opened_total', 'WebSocket connections accepted'),
    upgradesRefused: counter(
      'earshot_upgrades_refused_total',
      'Connections refused before the upgrade, by reason',
      ['reason'],
    ),
    protocolErrors: counter('earshot_protocol_errors_total', 'Error messages sent to clients, by code', [
      'code',
    ]),
    sessionsRefusedAtDoor: counter(
      'earshot_sessions_busy_at_start_total',
      'start messages answered busy: admission by expected wait refused the session before its audio was sent',
    ),
    chunksReceived: counter('earshot_chunks_received_total', 'Chunks accepted and queued'),
    chunkFrames: counter(
      'earshot_chunk_frames_total',
      'Chunk messages taken in, by encoding: json (base64) or binary (extension binary_audio)',
      ['encoding'],
    ),
    chunksDuplicate: counter('earshot_chunks_duplicate_total', 'Chunks received again'),
    audioSecondsReceived: counter('earshot_audio_seconds_received_total', 'Audio seconds accepted'),
    finals: counter('earshot_final_results_total', 'final_result messages computed', ['partial']),
    provisionalRequests: counter(
      'earshot_provisional_requests_total',
      'Provisional requests (extension), by outcome: decoded, dropped, or the refusal code',
      ['outcome'],
    ),
    provisionalEngineSeconds: counter(
      'earshot_provisional_engine_seconds_total',
      'Recognizer time spent on provisional decodes: the cost of live text',
    ),
    eventLoopLag: new Histogram({
      name: 'earshot_event_loop_lag_seconds',
      help: 'Event-loop lag of the gateway main thread: how late a 10 ms timer ran, every time it ran (a scraper diffs two scrapes for any period, e.g. a reconnect storm)',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 1, 2, 5, 10],
      registers: [registry],
    }),
    chunkLatency: new Histogram({
      name: 'earshot_chunk_seconds',
      help: 'Chunk time from enqueue to result (queue wait + recognition)',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
      registers: [registry],
    }),
  };
}

export type GatewayMetrics = ReturnType<typeof createMetrics>;
