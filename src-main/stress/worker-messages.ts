// Messages between the stress engine (main thread) and its worker threads.
import type { StressAudio } from './audio.js';
import type { StressPlan } from './config.js';
import type { Counters, Latencies } from './tally.js';
import type { StressTls } from './tls.js';

export interface StressWorkerData {
  config: StressPlan;
  audio: StressAudio;
  /** wss:// only: the CAs to trust and whether certificates are checked. */
  tls?: StressTls;
  gaugeBuffer: SharedArrayBuffer;
  workerIndex: number;
  workerCount: number;
}

export type MainToWorker = { type: 'go' } | { type: 'cancel' };

export interface WorkerTick {
  type: 'tick';
  workerIndex: number;
  /** Cumulative since the start. */
  counters: Counters;
  /** Latencies recorded since the previous tick, in ms. */
  latencies: Latencies;
  inFlight: number;
  phase: 'running' | 'draining' | 'done';
}

export type WorkerToMain =
  { type: 'ready'; workerIndex: number } | WorkerTick | { type: 'fatal'; message: string };
