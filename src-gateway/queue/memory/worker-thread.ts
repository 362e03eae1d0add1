// One recognizer worker thread: loads its engine once, then transcribes the tasks the
// queue hands it, one at a time, in the order they came. The queue hands it a few tasks
// ahead (prefetch), so the next one is already here when one ends: the thread never
// idles waiting for a busy main thread to read a result and post more work.
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { PROTOCOL_SAMPLE_RATE } from '../../../src-shared/audio/wav.js';
import { createEngine } from '../../engines/index.js';
import type { Engine } from '../../engines/engine.js';
import { withPoisonTestHook } from '../../engines/poison-test-hook.js';
import { samplesIn } from './sample-slots.js';
import type { FromWorker, ToWorker, WorkerInit, WorkerResult, WorkerTask } from './worker-protocol.js';

const port = parentPort;
if (!port) throw new Error('worker-thread.js must run as a worker thread');
const init = workerData as WorkerInit;
const send = (message: FromWorker) => port.postMessage(message);

let engine: Engine;
try {
  engine = await createEngine(init.engine, init.engineOptions);
  if (init.testPoison) engine = withPoisonTestHook(engine, 'throw');
  send({ type: 'ready', engine: engine.name, model: engine.model, warmup: await warmUp(engine) });
} catch (error) {
  send({ type: 'load_error', message: error instanceof Error ? error.message : String(error) });
  port.close();
  process.exit(0);
}

/**
 * One decode of a short quiet clip before taking work: the first real chunk does not pay
 * for lazy initialisation, and admission (server/admission.ts) learns this engine's speed
 * from a measurement instead of assuming real time. A failed warm-up measures nothing.
 */
async function warmUp(loaded: Engine): Promise<{ audioSeconds: number; processingMs: number } | undefined> {
  // pocketsphinx carries its cepstral mean normalisation from one utterance to the next:
  // a noise clip first skews the recognition of the first real chunk (seen as 25% WER
  // instead of 0-5% in test/e2e/offline.test.ts). Its speed is measured on real chunks.
  if (loaded.name === 'pocketsphinx') return undefined;
  const audioSeconds = 1;
  const pcm = new Int16Array(PROTOCOL_SAMPLE_RATE * audioSeconds);
  let seed = 1;
  for (let i = 0; i < pcm.length; i++) {
    seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
    pcm[i] = (seed % 200) - 100; // faint noise: silence can take a shortcut in some engines
  }
  try {
    const startedAt = performance.now();
    await loaded.transcribe(pcm, PROTOCOL_SAMPLE_RATE);
    return { audioSeconds, processingMs: performance.now() - startedAt };
  } catch {
    return undefined;
  }
}

type Task = WorkerTask & { arrivedAt: number };
const waiting: Task[] = [];
let running = false;

/**
 * Results go back in batches (worker-protocol.ts) but never late: a batch is sent as soon
 * as nothing else waits, once it is BATCH_MAX_MS old or BATCH_MAX_RESULTS long, or after
 * a decode that itself took BATCH_MAX_MS (the next is likely as slow). So a result waits
 * at most for one more cheap decode, and a slow engine's leaves the moment it ends.
 */
const BATCH_MAX_MS = 2;
const BATCH_MAX_RESULTS = 64;
let batch: WorkerResult[] = [];
let batchStartedAt = 0;

function addResult(result: WorkerResult): void {
  if (batch.length === 0) batchStartedAt = performance.now();
  batch.push(result);
  if (
    waiting.length === 0 ||
    batch.length >= BATCH_MAX_RESULTS ||
    result.processingMs >= BATCH_MAX_MS ||
    performance.now() - batchStartedAt >= BATCH_MAX_MS
  ) {
    send({ type: 'results', results: batch });
    batch = [];
  }
}

async function runWaiting(): Promise<void> {
  running = true;
  for (let task = waiting.shift(); task; task = waiting.shift()) {
    const startedAt = performance.now();
    const waitedMs = startedAt - task.arrivedAt;
    let outcome: Pick<WorkerResult, 'text' | 'error'>;
    try {
      // A slot's samples are read in place: the queue reuses the slot only after this result.
      const pcm = 'pcm' in task ? task.pcm : samplesIn(init.samples, task.slot, task.samples);
      outcome = { text: (await engine.transcribe(pcm, task.sampleRate)).text };
    } catch (error) {
      const message = `recognizer failed: ${error instanceof Error ? error.message : String(error)}`;
      outcome = { error: { code: 'internal', message } };
    }
    addResult({ taskId: task.taskId, ...outcome, waitedMs, processingMs: performance.now() - startedAt });
  }
  running = false;
}

port.on('message', (message: ToWorker) => {
  if (message.type === 'close') {
    engine.close();
    port.close();
    return;
  }
  const arrivedAt = performance.now();
  for (const task of message.tasks) waiting.push({ ...task, arrivedAt });
  if (!running) void runWaiting();
});
