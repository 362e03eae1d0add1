// One recognizer worker thread: loads its engine once, then transcribes the tasks the
// queue hands it, one at a time, in the order they came. The queue hands it a few tasks
// ahead (prefetch), so the next one is already here when one ends: the thread never
// idles waiting for a busy main thread to read a result and post more work.
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { createEngine } from '../../engines/index.js';
import type { Engine } from '../../engines/engine.js';
import { withPoisonTestHook } from '../../engines/poison-test-hook.js';
import type { FromWorker, ToWorker, WorkerInit } from './worker-protocol.js';

const port = parentPort;
if (!port) throw new Error('worker-thread.js must run as a worker thread');
const init = workerData as WorkerInit;
const send = (message: FromWorker) => port.postMessage(message);

let engine: Engine;
try {
  engine = await createEngine(init.engine, init.engineOptions);
  if (init.testPoison) engine = withPoisonTestHook(engine, 'throw');
  send({ type: 'ready', engine: engine.name, model: engine.model });
} catch (error) {
  send({ type: 'load_error', message: error instanceof Error ? error.message : String(error) });
  port.close();
  process.exit(0);
}

type Task = Extract<ToWorker, { type: 'task' }> & { arrivedAt: number };
const waiting: Task[] = [];
let running = false;

async function runWaiting(): Promise<void> {
  running = true;
  for (let task = waiting.shift(); task; task = waiting.shift()) {
    const startedAt = performance.now();
    const waitedMs = startedAt - task.arrivedAt;
    try {
      const result = await engine.transcribe(task.pcm, task.sampleRate);
      send({
        type: 'result',
        taskId: task.taskId,
        text: result.text,
        waitedMs,
        processingMs: performance.now() - startedAt,
      });
    } catch (error) {
      send({
        type: 'result',
        taskId: task.taskId,
        error: {
          code: 'internal',
          message: `recognizer failed: ${error instanceof Error ? error.message : String(error)}`,
        },
        waitedMs,
        processingMs: performance.now() - startedAt,
      });
    }
  }
  running = false;
}

port.on('message', (message: ToWorker) => {
  if (message.type === 'close') {
    engine.close();
    port.close();
    return;
  }
  waiting.push({ ...message, arrivedAt: performance.now() });
  if (!running) void runWaiting();
});
