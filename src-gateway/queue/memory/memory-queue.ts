// The in-process TaskQueue: a FIFO in the gateway and N recognizer worker threads, each
// loading its engine once. Used by the embedded gateway and single-node deployments.
import { Worker } from 'node:worker_threads';
import { EngineUnavailableError, type EngineName, type EngineOptions } from '../../engines/engine.js';
import type { Admission, QueueStats, RecognitionResult, RecognitionTask, TaskQueue } from '../types.js';
import { ThroughputMeter, admitChunk } from './backlog.js';
import type { FromWorker, ToWorker, WorkerInit } from './worker-protocol.js';

export interface MemoryQueueOptions {
  engine: EngineName;
  engineOptions?: EngineOptions;
  workers: number;
  maxBacklogSeconds: number;
  gatewayId: string;
  /** Called when a worker thread dies unexpectedly (it is replaced). */
  onWorkerCrash?: (workerId: string, reason: string) => void;
}

const WORKER_SCRIPT = new URL('./worker-thread.js', import.meta.url);
const SAMPLE_RATE = 16_000;

interface Slot {
  id: string;
  worker: Worker;
  ready: boolean;
  task?: RecognitionTask & { startedAt: number };
}

export class MemoryTaskQueue implements TaskQueue {
  readonly kind = 'memory' as const;
  private readonly slots: Slot[] = [];
  private pending: RecognitionTask[] = [];
  private pendingHead = 0;
  private readonly listeners: ((result: RecognitionResult) => void)[] = [];
  private readonly meter = new ThroughputMeter();
  private backlog = 0;
  private failed = 0;
  private started = false;
  private closing = false;
  private workerSeq = 0;
  private drainWaiters: (() => void)[] = [];

  constructor(private readonly options: MemoryQueueOptions) {}

  async start(): Promise<void> {
    const loads = Array.from({ length: this.options.workers }, () => this.spawn());
    const outcomes = await Promise.allSettled(loads);
    const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failure) {
      await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
      this.slots.length = 0;
      const reason = failure.reason instanceof Error ? failure.reason.message : String(failure.reason);
      throw new EngineUnavailableError(`engine "${this.options.engine}" failed to load: ${reason}`);
    }
    this.started = true;
  }

  private spawn(): Promise<void> {
    const id = `${this.options.gatewayId}/w${this.workerSeq++}`;
    const init: WorkerInit = { workerId: id, engine: this.options.engine, engineOptions: this.options.engineOptions ?? {} };
    const worker = new Worker(WORKER_SCRIPT, { workerData: init });
    const slot: Slot = { id, worker, ready: false };
    this.slots.push(slot);
    return new Promise((resolve, reject) => {
      worker.on('message', (message: FromWorker) => {
        if (message.type === 'ready') {
          slot.ready = true;
          resolve();
          this.dispatch();
        } else if (message.type === 'load_error') {
          reject(new Error(message.message));
        } else {
          this.finish(slot, message.text, message.error, message.processingMs);
        }
      });
      worker.on('error', (error) => {
        if (!slot.ready) reject(error);
        this.lose(slot, `worker error: ${error.message}`);
      });
      worker.on('exit', (code) => {
        if (!slot.ready) reject(new Error(`worker exited with code ${code} while loading the engine`));
        this.lose(slot, `worker exited with code ${code}`);
      });
    });
  }

  /** A worker died: fail its task, replace it unless we are closing. */
  private lose(slot: Slot, reason: string): void {
    const index = this.slots.indexOf(slot);
    if (index < 0) return;
    this.slots.splice(index, 1);
    const wasReady = slot.ready;
    slot.ready = false;
    if (slot.task) this.finish(slot, undefined, { code: 'internal', message: `recognizer worker died: ${reason}` }, 0);
    if (wasReady && !this.closing) {
      this.options.onWorkerCrash?.(slot.id, reason);
      this.spawn().catch(() => undefined);
    }
  }

  admit(audioSeconds: number): Admission {
    return admitChunk(this.backlog, audioSeconds, this.options, this.meter);
  }

  async enqueue(task: RecognitionTask): Promise<void> {
    if (this.closing) throw new Error('queue is closing');
    this.pending.push(task);
    this.backlog += task.audioSeconds;
    this.dispatch();
  }

  onResult(listener: (result: RecognitionResult) => void): void {
    this.listeners.push(listener);
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.pendingHead >= this.pending.length) break;
      if (!slot.ready || slot.task) continue;
      const task = this.pending[this.pendingHead++];
      slot.task = { ...task, startedAt: Date.now() };
      const message: ToWorker = { type: 'task', taskId: task.taskId, pcm: task.pcm, sampleRate: SAMPLE_RATE };
      slot.worker.postMessage(message, [task.pcm.buffer as ArrayBuffer]);
    }
    // Compact the FIFO now and then instead of shifting on every take.
    if (this.pendingHead > 1024 && this.pendingHead * 2 > this.pending.length) {
      this.pending = this.pending.slice(this.pendingHead);
      this.pendingHead = 0;
    }
  }

  private finish(slot: Slot, text: string | undefined, error: RecognitionResult['error'], processingMs: number): void {
    const task = slot.task;
    if (!task) return;
    slot.task = undefined;
    this.backlog = Math.max(0, this.backlog - task.audioSeconds);
    if (error) this.failed++;
    else this.meter.record(task.audioSeconds, processingMs);
    const result: RecognitionResult = {
      taskId: task.taskId,
      sessionId: task.sessionId,
      chunkIndex: task.chunkIndex,
      ...(error ? { error } : { text: text ?? '' }),
      workerId: slot.id,
      queuedMs: task.startedAt - task.enqueuedAt,
      processingMs,
    };
    for (const listener of this.listeners) listener(result);
    this.dispatch();
    if (this.isIdle()) {
      for (const wake of this.drainWaiters.splice(0)) wake();
    }
  }

  private isIdle(): boolean {
    return this.pendingHead >= this.pending.length && this.slots.every((slot) => !slot.task);
  }

  stats(): QueueStats {
    const processing = this.slots.filter((slot) => slot.task).length;
    return {
      queued: this.pending.length - this.pendingHead,
      processing,
      failed: this.failed,
      workers: this.slots.filter((slot) => slot.ready).length,
      workersBusy: processing,
      backlogSeconds: this.backlog,
    };
  }

  /** Everything in this queue is this gateway's own. */
  inFlight(): number {
    const stats = this.stats();
    return stats.queued + stats.processing;
  }

  ready(): boolean {
    return this.started && !this.closing && this.slots.some((slot) => slot.ready);
  }

  /** Resolves once nothing is queued or in progress, or after `timeoutMs`. */
  drained(timeoutMs: number): Promise<boolean> {
    if (this.isIdle()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.drainWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  async close(graceMs = 0): Promise<void> {
    this.closing = true;
    await this.drained(graceMs);
    // In memory there is nowhere to hand unfinished work back to: say so per task.
    const left = this.pending.slice(this.pendingHead);
    this.pending = [];
    this.pendingHead = 0;
    for (const task of left) {
      this.backlog = Math.max(0, this.backlog - task.audioSeconds);
      this.failed++;
      const result: RecognitionResult = {
        taskId: task.taskId,
        sessionId: task.sessionId,
        chunkIndex: task.chunkIndex,
        error: { code: 'internal', message: 'gateway shut down before this chunk was recognised' },
        workerId: 'none',
        queuedMs: Date.now() - task.enqueuedAt,
        processingMs: 0,
      };
      for (const listener of this.listeners) listener(result);
    }
    // Workers still busy past the grace period are stopped; their chunks fail too.
    for (const slot of this.slots) {
      if (slot.task) this.finish(slot, undefined, { code: 'internal', message: 'gateway shut down while this chunk was being recognised' }, 0);
    }
    const slots = this.slots.splice(0);
    await Promise.all(
      slots.map(async (slot) => {
        slot.ready = false;
        slot.worker.postMessage({ type: 'close' } satisfies ToWorker);
        await slot.worker.terminate();
      }),
    );
  }
}
