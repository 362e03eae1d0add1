// Drains the outbox: recordings oldest first, each over its own WebSocket session,
// `parallel` at a time (default 2). It wakes on the store's change events and also polls,
// because another process (`earshot dictate`) may write the same database.
//
//   const uploader = new Uploader({ store, urls: ['ws://127.0.0.1:8081/ws/asr'] });
//   uploader.start();
//   await uploader.waitFor([recording.id]);   // done or failed
//   await uploader.stop();
import { EventEmitter } from 'node:events';
import type { BackoffOptions } from '../../src-shared/backoff.js';
import { ConnectionMonitors, type ConnectionSnapshot } from '../connection/monitor.js';
import { redactUrl } from '../protocol-client/urls.js';
import { DEFAULT_RESULTS_GRACE_MS } from '../protocol-client/result-tracker.js';
import type { OutboxStore, Recording } from '../outbox/store.js';
import { Connector } from './connector.js';
import type { LivePreviews } from './live-previews.js';
import { uploadRecording, type UploadEvent, type UploadOutcome } from './recording-upload.js';
import { abortableSleep } from '../async/abortable-sleep.js';

export interface UploaderOptions {
  store: OutboxStore;
  /** Gateway URLs; more than one is a failover list. */
  urls: readonly string[];
  token?: string;
  /** Recordings uploaded at once, each on its own connection. Default 2. */
  parallel?: number;
  ackTimeoutMs?: number;
  /** How long to wait for final_result after `finish` before reconnecting (default 120 s). */
  finalTimeoutMs?: number;
  /** How long to wait for every chunk's result before sending `finish` anyway (default 10 min). */
  resultsTimeoutMs?: number;
  /** A gateway without the Earshot extensions gets `finish` once results stop coming this long (default 10 s). */
  resultsGraceMs?: number;
  maxInFlight?: number;
  /** Reconnect backoff; `backoffFor` gives each session its own (e.g. seeded) options. */
  backoff?: BackoffOptions;
  backoffFor?: (recordingId: number) => BackoffOptions;
  breakerThreshold?: number;
  connectTimeoutMs?: number;
  /** A connection that leaves a ping unanswered this long is dropped and resumed. Default 15 s. */
  heartbeatIntervalMs?: number;
  pollIntervalMs?: number;
  /** Shared with the connection status view; one is created if not given. */
  monitors?: ConnectionMonitors;
  /** Live sessions are offered here for previews of the chunk still open (live text). */
  previews?: LivePreviews;
}

export interface UploaderEvents {
  upload: [UploadEvent];
  /** A recording reached done/failed (or vanished). */
  finished: [recordingId: number, outcome: UploadOutcome];
  /** Something unexpected (e.g. the disk); the recording is retried after a pause. */
  problem: [recordingId: number, error: Error];
}

const TERMINAL = new Set(['done', 'failed']);

export class Uploader extends EventEmitter<UploaderEvents> {
  readonly monitors: ConnectionMonitors;
  private readonly active = new Map<number, Promise<void>>();
  /** Per recording: aborting it ends that recording's session (or wait) only. */
  private readonly sessions = new Map<number, AbortController>();
  private readonly waiters = new Map<number, Set<() => void>>();
  private controller = new AbortController();
  private pollTimer: NodeJS.Timeout | undefined;
  private running = false;
  private readonly parallel: number;
  private readonly onChange = (recordingId: number) => {
    this.wakeRecording(recordingId);
    this.schedule();
  };
  private readonly onWanted = (recordingId: number) => this.onChange(recordingId);

  constructor(private readonly options: UploaderOptions) {
    super();
    if (options.urls.length === 0) throw new RangeError('the uploader needs at least one gateway URL');
    this.parallel = options.parallel ?? 2;
    if (!Number.isInteger(this.parallel) || this.parallel < 1)
      throw new RangeError('parallel must be a positive integer');
    this.monitors = options.monitors ?? new ConnectionMonitors();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.controller = new AbortController();
    this.options.store.on('change', this.onChange);
    this.options.previews?.on('wanted', this.onWanted);
    this.pollTimer = setInterval(() => {
      for (const id of this.waiters.keys()) this.wakeRecording(id);
      this.schedule();
    }, this.options.pollIntervalMs ?? 1000);
    this.pollTimer.unref();
    this.schedule();
  }

  /** Stops every session (recordings stay in the outbox and resume on the next start). */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    clearInterval(this.pollTimer);
    this.options.store.off('change', this.onChange);
    this.options.previews?.off('wanted', this.onWanted);
    this.controller.abort(new Error('uploader stopped'));
    for (const id of this.waiters.keys()) this.wakeRecording(id);
    await Promise.allSettled([...this.active.values()]);
    this.monitors.dispose();
  }

  /** Look at the outbox now (e.g. after the user pressed "retry"), not at the next poll. */
  wake(): void {
    for (const id of this.waiters.keys()) this.wakeRecording(id);
    this.schedule();
  }

  /**
   * "Retry now" for one recording: if it is waiting (reconnect backoff, a pause after a
   * problem) or in a session, that session ends and a new one starts at once with a fresh
   * backoff, resuming where the outbox says it is. Every other recording is left alone.
   */
  retryNow(recordingId: number): void {
    const session = this.sessions.get(recordingId);
    if (session) session.abort(new Error('retry now'));
    else this.schedule();
  }

  /** For the status page and diagnostics bundles: no tokens, URLs redacted. */
  diagnostics(): {
    urls: string[];
    parallel: number;
    running: boolean;
    activeRecordings: number[];
    connections: ConnectionSnapshot[];
  } {
    return {
      urls: this.options.urls.map((url) => redactUrl(url)),
      parallel: this.parallel,
      running: this.running,
      activeRecordings: this.activeRecordings,
      connections: this.monitors.snapshot(),
    };
  }

  get activeRecordings(): number[] {
    return [...this.active.keys()];
  }

  /** Resolves when every listed recording is done or failed (or gone). */
  async waitFor(recordingIds: readonly number[], timeoutMs = Infinity): Promise<Recording[]> {
    const deadline = Date.now() + timeoutMs;
    const pending = () =>
      recordingIds.filter((id) => {
        const recording = this.options.store.getRecording(id);
        return recording !== undefined && !TERMINAL.has(recording.state);
      });
    while (pending().length > 0) {
      if (Date.now() > deadline)
        throw new Error(`recordings ${pending().join(', ')} not finished within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const onFinished = () => {
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          this.off('finished', onFinished);
          resolve();
        }, 200);
        this.once('finished', onFinished);
      });
    }
    return recordingIds
      .map((id) => this.options.store.getRecording(id))
      .filter((r): r is Recording => r !== undefined);
  }

  private schedule(): void {
    if (!this.running || this.active.size >= this.parallel) return;
    let uploadable: Recording[];
    try {
      uploadable = this.options.store.listUploadable();
    } catch {
      return; // the poll tries again
    }
    for (const recording of uploadable) {
      if (this.active.size >= this.parallel) break;
      if (this.active.has(recording.id)) continue;
      this.launch(recording.id);
    }
  }

  private launch(recordingId: number): void {
    const own = new AbortController();
    this.sessions.set(recordingId, own);
    const signal = AbortSignal.any([this.controller.signal, own.signal]);
    const connector = new Connector({
      urls: this.options.urls,
      token: this.options.token,
      backoff: this.options.backoffFor?.(recordingId) ?? this.options.backoff,
      breakerThreshold: this.options.breakerThreshold,
      connectTimeoutMs: this.options.connectTimeoutMs,
      heartbeatIntervalMs: this.options.heartbeatIntervalMs ?? 15_000,
      monitors: this.monitors,
      onRetry: (retry) => this.emit('upload', { type: 'retrying', recordingId, ...retry }),
    });
    const run = async () => {
      try {
        const outcome = await uploadRecording(recordingId, {
          store: this.options.store,
          connector,
          signal,
          ackTimeoutMs: this.options.ackTimeoutMs ?? 15_000,
          finalTimeoutMs: this.options.finalTimeoutMs ?? 120_000,
          resultsTimeoutMs: this.options.resultsTimeoutMs ?? 600_000,
          resultsGraceMs: this.options.resultsGraceMs ?? DEFAULT_RESULTS_GRACE_MS,
          maxInFlight: this.options.maxInFlight ?? 4,
          previews: this.options.previews,
          waitForChange: (id, s) => this.changeOf(id, s),
          onEvent: (event) => this.emit('upload', event),
        });
        this.emit('finished', recordingId, outcome);
      } catch (error) {
        if (signal.aborted) return;
        this.emit('problem', recordingId, error as Error);
        // e.g. the disk is full: give the world a moment before this recording is tried again.
        await abortableSleep(this.options.pollIntervalMs ?? 1000, signal).catch(() => {});
      } finally {
        this.active.delete(recordingId);
        this.sessions.delete(recordingId);
        if (this.running) setImmediate(() => this.schedule());
      }
    };
    this.active.set(recordingId, run());
  }

  private changeOf(recordingId: number, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let set = this.waiters.get(recordingId);
      if (!set) this.waiters.set(recordingId, (set = new Set()));
      const cleanup = () => {
        set!.delete(done);
        if (set!.size === 0) this.waiters.delete(recordingId);
        signal.removeEventListener('abort', onAbort);
      };
      const done = () => {
        cleanup();
        resolve();
      };
      const onAbort = () => {
        cleanup();
        reject(signal.reason);
      };
      set.add(done);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private wakeRecording(recordingId: number): void {
    for (const resolve of [...(this.waiters.get(recordingId) ?? [])]) resolve();
  }
}
