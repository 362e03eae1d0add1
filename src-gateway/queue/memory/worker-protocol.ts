// Messages between the in-process queue and its recognizer worker threads.
import type { ModelInfo } from '../../../src-shared/models/manifest.js';
import type { EngineName, EngineOptions } from '../../engines/engine.js';
import type { SharedSamples } from './sample-slots.js';

export interface WorkerInit {
  workerId: string;
  engine: EngineName;
  engineOptions: EngineOptions;
  /** Test hook: chunks marked as poison fail in the engine (engines/poison-test-hook.ts). */
  testPoison?: boolean;
  /** Where tasks' samples wait in shared memory (sample-slots.ts). */
  samples: SharedSamples;
}

/** A task's samples: in a shared slot, or (too long for one, or none free) transferred. */
export type WorkerTask = { taskId: string; sampleRate: number } & (
  { slot: number; samples: number } | { pcm: Int16Array }
);

export interface WorkerResult {
  taskId: string;
  text?: string;
  error?: { code: string; message: string };
  /** ms the task waited in the worker behind tasks handed to it earlier (prefetch). */
  waitedMs: number;
  processingMs: number;
}

// Tasks and results travel in batches: a message between threads has a fixed cost
// (serialising, waking the other side) that, one per chunk at thousands of chunks a
// second, was a tenth of the gateway's main thread (docs/benchmarks.md, "Live streams").
export type ToWorker = { type: 'tasks'; tasks: WorkerTask[] } | { type: 'close' };

export type FromWorker =
  | {
      type: 'ready';
      engine: string;
      model?: ModelInfo;
      /** The engine's speed on a warm-up clip, so admission knows it before real traffic. */
      warmup?: { audioSeconds: number; processingMs: number };
    }
  | { type: 'load_error'; message: string }
  | { type: 'results'; results: WorkerResult[] };
