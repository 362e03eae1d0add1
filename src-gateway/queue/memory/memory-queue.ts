// The in-process TaskQueue: a queue in the gateway served in the order audio was admitted
// (admission-order-queue.ts) and N recognizer worker threads, each loading its engine once. Used by
// the embedded gateway and single-node deployments.
import { PROTOCOL_SAMPLE_RATE } from '../../../src-shared/audio/wav.js';
import { Worker } from 'node:worker_threads';
import type { ModelInfo } from '../../../src-shared/models/manifest.js';
import { EngineUnavailableError, type EngineName, type EngineOptions } from '../../engines/engine.js';
import type {
  Admission,
  ProvisionalDecode,
  ProvisionalTask,
  QueueStats,
  RecognitionResult,
  RecognitionTask,
  TaskQueue,
} from '../types.js';
import { distinctModels } from '../models.js';
import { ThroughputMeter, admitChunk } from './backlog.js';
import { AdmissionOrderQueue } from './admission-order-queue.js';
import { SampleSlots } from './sample-slots.js';
import type { FromWorker, ToWorker, WorkerInit, WorkerResult, WorkerTask } from './worker-protocol.js';

export interface MemoryQueueOptions {
  engine: EngineName;
  engineOptions?: EngineOptions;
  workers: number;
  maxBacklogSeconds: number;
  gatewayId: string;
  /** Called when a worker thread dies unexpectedly (it is replaced). */
  onWorkerCrash?: (workerId: string, reason: string) => void;
  /** Test hook: poison-marked chunks fail in the engine. */
  testPoison?: boolean;
}

const WORKER_SCRIPT = new URL('./worker-thread.js', import.meta.url);
/**
 * Prefetch. With one task per worker, a worker idles from posting a result until the
 * main thread reads it and posts the next task: under a flood of WebSocket traffic that
 * is one event-loop turn per task, and cheap tasks (the synthetic engine: ~1 ms) then
 * ran at a fraction of the engine's speed. A worker is handed more tasks while those it
 * holds are estimated to take less than PREFETCH_TARGET_MS in all, so it has work for at
 * least that long; slow engines (pocketsphinx: ~1 s a chunk) keep one task each, so no
 * chunk waits behind another worker's while a worker sits idle.
 */
const PREFETCH_TARGET_MS = 50;
/**
 * A backstop on the estimate. The time target is what sizes prefetch: a cheap engine must
 * hold enough to outlast the main thread's turns under load, and at 16, then 64, a worker of
 * the synthetic engine (0.1 ms a chunk) ran dry between them while thousands of live streams
 * backed the queue up (docs/benchmarks.md, "Live streams"). 1,024 one-second chunks are 32 MiB.
 */
const MAX_TASKS_PER_WORKER = 1024;

interface HeldTask extends Omit<RecognitionTask, 'pcm'>, SlotHolder {
  dispatchedAt: number;
}

/** Where a task handed to a worker keeps the shared slot of its samples, until its result. */
interface SlotHolder {
  sampleSlot?: number;
}

/** A task handed to a worker and not yet posted: its samples are still the gateway's. */
interface OutgoingTask {
  taskId: string;
  pcm: Int16Array;
  /** The held task, or the provisional decode, that learns its slot. */
  holder: SlotHolder;
}

interface Slot {
  id: string;
  worker: Worker;
  ready: boolean;
  model?: ModelInfo;
  /** Tasks handed to this worker, in the order it runs them: the first is in progress. */
  held: Map<string, HeldTask>;
  heldAudioSeconds: number;
  /** Tasks handed but not yet posted: they leave together once this event-loop turn's I/O is read. */
  outbox: OutgoingTask[];
  /** Memory shared with this worker that carries the samples. */
  samples: SampleSlots;
  /** A provisional decode this worker runs (handed only while it held nothing else). */
  provisional?: SlotHolder & {
    taskId: string;
    audioSeconds: number;
    done: (outcome: ProvisionalDecode) => void;
  };
}

export class MemoryTaskQueue implements TaskQueue {
  readonly kind = 'memory' as const;
  private readonly slots: Slot[] = [];
  private readonly pending = new AdmissionOrderQueue<RecognitionTask>();
  private readonly listeners: ((result: RecognitionResult) => void)[] = [];
  private readonly meter = new ThroughputMeter();
  private backlog = 0;
  private failed = 0;
  private started = false;
  private closing = false;
  private workerSeq = 0;
  private provisionalSeq = 0;
  private postScheduled = false;
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
    const samples = new SampleSlots();
    const init: WorkerInit = {
      workerId: id,
      engine: this.options.engine,
      engineOptions: this.options.engineOptions ?? {},
      testPoison: this.options.testPoison,
      samples: samples.shared,
    };
    const worker = new Worker(WORKER_SCRIPT, { workerData: init });
    const slot: Slot = {
      id,
      worker,
      ready: false,
      held: new Map(),
      heldAudioSeconds: 0,
      outbox: [],
      samples,
    };
    this.slots.push(slot);
    return new Promise((resolve, reject) => {
      worker.on('message', (message: FromWorker) => {
        if (message.type === 'ready') {
          slot.ready = true;
          slot.model = message.model;
          if (message.warmup) this.meter.calibrate(message.warmup.audioSeconds, message.warmup.processingMs);
          resolve();
          this.dispatch();
        } else if (message.type === 'load_error') {
          reject(new Error(message.message));
        } else {
          for (const result of message.results) {
            if (slot.provisional?.taskId === result.taskId) {
              this.endProvisional(slot, {
                ...(result.error ? { error: result.error } : { text: result.text ?? '' }),
                processingMs: result.processingMs,
              });
            } else {
              this.finish(slot, result);
            }
          }
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

  /**
   * A worker died: fail the tasks it held, replace it unless we are closing. Even those
   * it had not started cannot run elsewhere: their samples were transferred to it, not
   * copied. Prefetch keeps that to a few milliseconds of work (one task for slow engines).
   */
  private lose(slot: Slot, reason: string): void {
    const index = this.slots.indexOf(slot);
    if (index < 0) return;
    this.slots.splice(index, 1);
    const wasReady = slot.ready;
    slot.ready = false;
    slot.outbox.length = 0;
    this.failHeld(slot, `recognizer worker died: ${reason}`, `recognizer worker died: ${reason}`);
    if (wasReady && !this.closing) {
      this.options.onWorkerCrash?.(slot.id, reason);
      this.spawn().catch(() => undefined);
    }
  }

  /** Everything a worker holds fails with `internal`: its own decode, and the chunks queued on it. */
  private failHeld(slot: Slot, provisionalMessage: string, chunkMessage: string): void {
    this.endProvisional(slot, {
      error: { code: 'internal', message: provisionalMessage },
      processingMs: 0,
    });
    for (const taskId of [...slot.held.keys()]) {
      this.finish(slot, {
        taskId,
        error: { code: 'internal', message: chunkMessage },
        waitedMs: 0,
        processingMs: 0,
      });
    }
  }

  admit(audioSeconds: number): Admission {
    return admitChunk(this.backlog, audioSeconds, this.options, this.meter);
  }

  throughput(): number {
    return this.meter.audioSecondsPerSecond(this.slots.filter((slot) => slot.ready).length);
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

  /**
   * Low priority by construction: a provisional decode starts only when no real chunk
   * waits and a worker holds nothing, and with more than one worker one idle worker is
   * always left for the next real chunk. Otherwise it is dropped, never queued, so it can
   * delay a real chunk by at most the one decode a worker is in when that chunk arrives
   * while every other worker is busy too (bench/provisional-cost.ts measures it).
   */
  provisional(task: ProvisionalTask): Promise<ProvisionalDecode> | undefined {
    if (this.closing || this.pending.size > 0) return undefined;
    const ready = this.slots.filter((slot) => slot.ready);
    const idle = ready.filter((slot) => this.load(slot) === 0);
    if (idle.length === 0 || (ready.length > 1 && idle.length < 2)) return undefined;
    const slot = idle[0];
    const taskId = `provisional:${this.provisionalSeq++}`;
    return new Promise<ProvisionalDecode>((resolve) => {
      const provisional: NonNullable<Slot['provisional']> = {
        taskId,
        audioSeconds: task.audioSeconds,
        done: resolve,
      };
      slot.provisional = provisional;
      this.post(slot, [{ taskId, pcm: task.pcm, holder: provisional }]);
    });
  }

  private endProvisional(slot: Slot, outcome: ProvisionalDecode): void {
    const running = slot.provisional;
    if (!running) return;
    slot.provisional = undefined;
    if (running.sampleSlot !== undefined) slot.samples.release(running.sampleSlot);
    running.done(outcome);
    this.dispatch();
  }

  /** Tasks a worker holds, a provisional decode included. */
  private load(slot: Slot): number {
    return slot.held.size + (slot.provisional ? 1 : 0);
  }

  private dispatch(): void {
    // Always to the worker holding the fewest tasks, so work spreads evenly.
    while (this.pending.size > 0) {
      let target: Slot | undefined;
      for (const slot of this.slots) {
        if (!slot.ready || (target && this.load(slot) >= this.load(target))) continue;
        if (this.load(slot) === 0 || (slot.held.size < MAX_TASKS_PER_WORKER && this.wantsMore(slot)))
          target = slot;
      }
      if (!target) break;
      const task = this.pending.shift();
      if (task) this.hand(target, task);
    }
  }

  /** Whether `slot`'s tasks would keep it busy for less than PREFETCH_TARGET_MS. */
  private wantsMore(slot: Slot): boolean {
    const msPerAudioSecond = this.meter.engineMsPerAudioSecond();
    const heldSeconds = slot.heldAudioSeconds + (slot.provisional?.audioSeconds ?? 0);
    return msPerAudioSecond !== undefined && heldSeconds * msPerAudioSecond < PREFETCH_TARGET_MS;
  }

  private hand(slot: Slot, task: RecognitionTask): void {
    // Without the samples: they are posted below, and a task a dead worker held is failed,
    // never run again (lose), so keeping them would only hold the socket's buffer.
    const { pcm, ...described } = task;
    const held: HeldTask = { ...described, dispatchedAt: Date.now() };
    slot.held.set(task.taskId, held);
    slot.heldAudioSeconds += task.audioSeconds;
    slot.outbox.push({ taskId: task.taskId, pcm, holder: held });
    if (!this.postScheduled) {
      this.postScheduled = true;
      setImmediate(() => this.postOutboxes());
    }
  }

  /**
   * One message per worker per event-loop turn (worker-protocol.ts): setImmediate runs
   * after the turn's socket reads, so the chunks they brought travel together.
   */
  private postOutboxes(): void {
    this.postScheduled = false;
    for (const slot of this.slots) {
      if (slot.outbox.length === 0) continue;
      const tasks = slot.outbox;
      slot.outbox = [];
      this.post(slot, tasks);
    }
  }

  /**
   * A task's samples are copied into a slot shared with the worker (sample-slots.ts), or
   * into memory of their own that is transferred. Never is the task's own buffer sent: it
   * may be a view into the socket's, which other frames share.
   */
  private post(slot: Slot, tasks: OutgoingTask[]): void {
    const transfer: ArrayBuffer[] = [];
    const message: ToWorker = {
      type: 'tasks',
      tasks: tasks.map(({ taskId, pcm, holder }): WorkerTask => {
        const index = slot.samples.put(pcm);
        if (index !== undefined) {
          holder.sampleSlot = index;
          return { taskId, sampleRate: PROTOCOL_SAMPLE_RATE, slot: index, samples: pcm.length };
        }
        const own = pcm.slice();
        transfer.push(own.buffer);
        return { taskId, sampleRate: PROTOCOL_SAMPLE_RATE, pcm: own };
      }),
    };
    slot.worker.postMessage(message, transfer);
  }

  private finish(slot: Slot, { taskId, text, error, waitedMs, processingMs }: WorkerResult): void {
    const task = slot.held.get(taskId);
    if (!task) return;
    slot.held.delete(taskId);
    if (task.sampleSlot !== undefined) slot.samples.release(task.sampleSlot);
    slot.heldAudioSeconds = slot.held.size === 0 ? 0 : Math.max(0, slot.heldAudioSeconds - task.audioSeconds);
    this.backlog = Math.max(0, this.backlog - task.audioSeconds);
    if (error) this.failed++;
    else this.meter.record(task.audioSeconds, processingMs);
    const result: RecognitionResult = {
      taskId: task.taskId,
      sessionId: task.sessionId,
      chunkIndex: task.chunkIndex,
      ...(error ? { error } : { text: text ?? '' }),
      workerId: slot.id,
      // Waiting in the queue, then in the worker behind the tasks handed to it before.
      queuedMs: task.dispatchedAt - task.enqueuedAt + waitedMs,
      processingMs,
    };
    for (const listener of this.listeners) listener(result);
    this.dispatch();
    if (this.isIdle()) {
      // Sums of fractional seconds drift (0.1 + 0.2 - 0.3 != 0): idle means exactly none.
      this.backlog = 0;
      for (const wake of this.drainWaiters.splice(0)) wake();
    }
  }

  private isIdle(): boolean {
    return this.pending.size === 0 && this.slots.every((slot) => slot.held.size === 0);
  }

  stats(): QueueStats {
    let processing = 0;
    let workersBusy = 0;
    for (const slot of this.slots) {
      processing += slot.held.size;
      if (slot.held.size > 0) workersBusy++;
    }
    return {
      queued: this.pending.size,
      processing,
      failed: this.failed,
      workers: this.slots.filter((slot) => slot.ready).length,
      workersBusy,
      backlogSeconds: this.backlog,
    };
  }

  models(): ModelInfo[] {
    return distinctModels(this.slots.filter((slot) => slot.ready).map((slot) => slot.model));
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
    const left = this.pending.drain();
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
      this.failHeld(
        slot,
        'gateway shut down during the provisional decode',
        'gateway shut down while this chunk was being recognised',
      );
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
