// One recognizer worker thread: loads its engine once, then transcribes the tasks the
// queue hands it, one at a time.
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { createEngine } from '../../engines/index.js';
import type { Engine } from '../../engines/engine.js';
import type { FromWorker, ToWorker, WorkerInit } from './worker-protocol.js';

const port = parentPort;
if (!port) throw new Error('worker-thread.js must run as a worker thread');
const init = workerData as WorkerInit;
const send = (message: FromWorker) => port.postMessage(message);

let engine: Engine;
try {
  engine = await createEngine(init.engine, init.engineOptions);
  send({ type: 'ready', engine: engine.name });
} catch (error) {
  send({ type: 'load_error', message: error instanceof Error ? error.message : String(error) });
  port.close();
  process.exit(0);
}

port.on('message', (message: ToWorker) => {
  if (message.type === 'close') {
    engine.close();
    port.close();
    return;
  }
  const startedAt = performance.now();
  engine.transcribe(message.pcm, message.sampleRate).then(
    (result) => send({ type: 'result', taskId: message.taskId, text: result.text, processingMs: performance.now() - startedAt }),
    (error: unknown) =>
      send({
        type: 'result',
        taskId: message.taskId,
        error: { code: 'internal', message: `recognizer failed: ${error instanceof Error ? error.message : String(error)}` },
        processingMs: performance.now() - startedAt,
      }),
  );
});
