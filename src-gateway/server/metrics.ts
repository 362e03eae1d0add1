// Prometheus metrics for /metrics. Gauges that mirror live state are read at scrape
// time (collect callbacks), so the hot path only bumps counters.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AdmissionSnapshot } from './admission.js';

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
}

export function createMetrics(live: LiveState) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'earshot_gateway_' });
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  gauge('earshot_connections', 'Open WebSocket connections', () => live.connections());
  gauge('earshot_sessions_active', 'Sessions started and not yet finalised', () => live.sessionsActive());
  gauge('earshot_queue_depth', 'Chunks waiting for a worker', () => live.queue().queued);
  gauge(
    'earshot_queue_processing',
    'Chunks held by workers: being recognised or handed ahead to a worker',
    () => live.queue().processing,
  );
  gauge(
    'earshot_queue_backlog_seconds',
    'Audio seconds queued or in progress',
    () => live.queue().backlogSeconds,
  );
  gauge('earshot_workers', 'Recognizer workers ready', () => live.queue().workers);
  gauge('earshot_workers_busy', 'Recognizer workers holding a chunk', () => live.queue().workersBusy);
  gauge('earshot_queue_failed', 'Chunks whose recognition failed', () => live.queue().failed);
  gauge(
    'earshot_queue_expected_wait_seconds',
    'Expected wait of a chunk entering the queue now: queued and reserved audio over throughput',
    () => live.admission().expectedWaitMs / 1000,
  );
  gauge(
    'earshot_recognition_throughput_audio_seconds_per_second',
    'Audio seconds the recognizers complete per second (measured; the engines speed when idle)',
    () => live.admission().throughput,
  );
  gauge(
    'earshot_admission_reserved_seconds',
    'Audio seconds admitted sessions are still expected to send',
    () => live.admission().reservedSeconds,
  );
  gauge(
    'earshot_sessions_waiting_at_door',
    'Sessions refused at start that keep a place in line',
    () => live.admission().waitingAtDoor,
  );

  return {
    registry,
    connectionsOpened: new Counter({
      name: 'earshot_connections_opened_total',
      help: 'WebSocket connections accepted',
      registers: [registry],
    }),
    upgradesRefused: new Counter({
      name: 'earshot_upgrades_refused_total',
      help: 'Connections refused before the upgrade, by reason',
      labelNames: ['reason'],
      registers: [registry],
    }),
    protocolErrors: new Counter({
      name: 'earshot_protocol_errors_total',
      help: 'Error messages sent to clients, by code',
      labelNames: ['code'],
      registers: [registry],
    }),
    sessionsRefusedAtDoor: new Counter({
      name: 'earshot_sessions_busy_at_start_total',
      help: 'start messages answered busy: admission by expected wait refused the session before its audio was sent',
      registers: [registry],
    }),
    chunksReceived: new Counter({
      name: 'earshot_chunks_received_total',
      help: 'Chunks accepted and queued',
      registers: [registry],
    }),
    chunksDuplicate: new Counter({
      name: 'earshot_chunks_duplicate_total',
      help: 'Chunks received again',
      registers: [registry],
    }),
    audioSecondsReceived: new Counter({
      name: 'earshot_audio_seconds_received_total',
      help: 'Audio seconds accepted',
      registers: [registry],
    }),
    finals: new Counter({
      name: 'earshot_final_results_total',
      help: 'final_result messages computed',
      labelNames: ['partial'],
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
