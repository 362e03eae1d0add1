// ONNX Runtime sessions as Earshot uses them: created from bytes that were verified
// first (src-node/models/model-files.ts), on the CPU, with a fixed number of threads.
// onnxruntime-node is imported lazily so processes that never run a model (the
// synthetic engine, a client talking to a remote gateway) never load its native library.
import type * as OnnxRuntime from 'onnxruntime-node';
import type { InferenceSession } from 'onnxruntime-node';

export type Ort = typeof OnnxRuntime;

let ort: Promise<Ort> | undefined;

export function loadOrt(): Promise<Ort> {
  ort ??= import('onnxruntime-node').then((module) => (module.default ?? module) as Ort);
  return ort;
}

export interface SessionOptions {
  /**
   * Threads inside one operator. 1 by default: a gateway runs one session pair per worker
   * thread, and measured on 2 cores two intra-op threads per decode were slower than one
   * (docs/benchmarks.md).
   */
  threads?: number;
}

export async function createSession(
  bytes: Uint8Array,
  options: SessionOptions = {},
): Promise<InferenceSession> {
  const threads = options.threads ?? 1;
  if (!Number.isInteger(threads) || threads < 1 || threads > 64) {
    throw new RangeError(`ONNX threads must be a whole number from 1 to 64, got ${String(threads)}`);
  }
  const { InferenceSession } = await loadOrt();
  return InferenceSession.create(bytes, {
    executionProviders: ['cpu'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    // Warnings about unused initializers in the exported graphs are noise, not news.
    logSeverityLevel: 3,
  });
}
