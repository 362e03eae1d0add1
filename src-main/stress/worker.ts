// A stress worker thread: runs its share of the sessions, sweeps their deadlines,
// and reports cumulative counters plus the second's histograms once per second.
// Runs from dist/ (new Worker(...worker.js)).
import { parentPort, workerData } from 'node:worker_threads';
import { Backoff, createRng } from '../../src-shared/backoff.js';
import { ConnectionGauge } from './connection-gauge.js';
import { ArrivalClock, shareOf, slotSeed, targetAt } from './load-model.js';
import { Tally } from './tally.js';
import { StressSession, type SessionEnd, type SessionPlan } from './session.js';
import type { MainToWorker, StressWorkerData, WorkerToMain } from './worker-messages.js';

const SWEEP_MS = 250;
// Several reports per engine snapshot, so each second's numbers land in that second.
const TICK_MS = 250;
// Open model: the thread sleeps until its next arrival is due, at least this long (timer
// wake-ups cost ~0.1 ms of CPU each) and at most the longer one, so a ramp's changing
// rate is read often enough.
const OPEN_MODEL_MIN_STEP_MS = 20;
const OPEN_MODEL_MAX_STEP_MS = 250;
/** Open model: arrivals beyond this many sessions in flight per thread are not started. */
const MAX_IN_FLIGHT_PER_THREAD = 20_000;

const data = workerData as StressWorkerData;
const port = parentPort!;
const { config, audio, workerIndex, workerCount } = data;
const tally = new Tally();
const gauge = new ConnectionGauge(data.gaugeBuffer);
const active = new Set<StressSession>();
const timers = new Set<NodeJS.Timeout>();
let phase: 'waiting' | 'running' | 'draining' | 'done' = 'waiting';
let runStartedAt = 0;

const settings = {
  url: config.url,
  token: config.token,
  connectTimeoutMs: config.connectTimeoutMs,
  ackTimeoutMs: config.ackTimeoutMs,
  finalTimeoutMs: config.finalTimeoutMs,
  busyGiveUpMs: config.busyGiveUpMs,
  backoffBaseMs: config.backoffBaseMs,
  backoffCapMs: config.backoffCapMs,
  chunkMs: config.chunkMs,
  pacing: config.pacing,
  tls: data.tls,
  reconnect: config.reconnect,
};
const shortPlan: SessionPlan = { chunkCount: audio.chunks.length };
const averageChunkMs = (audio.totalSeconds * 1000) / audio.chunks.length;
const streamPlan: SessionPlan = {
  chunkCount: Math.max(1, Math.ceil(config.streamMs / averageChunkMs)),
  stopAtEnd: true,
};
const idlePlan: SessionPlan = { chunkCount: 0, idle: true, stopAtEnd: true };
const rngFor = (slot: number) =>
  config.seed === undefined ? Math.random : createRng(slotSeed(config.seed, workerIndex, slot));

function post(message: WorkerToMain): void {
  port.postMessage(message);
}

function later(ms: number, fn: () => void): void {
  const timer = setTimeout(() => {
    timers.delete(timer);
    fn();
  }, ms);
  timers.add(timer);
}

function every(ms: number, fn: () => void): void {
  const timer = setInterval(fn, ms);
  timers.add(timer);
}

function launch(plan: SessionPlan, onEnd: (end: SessionEnd) => void): StressSession {
  const session = new StressSession(
    {
      settings,
      audio,
      tally,
      gauge,
      onEnd: (s, end) => {
        active.delete(s);
        onEnd(end);
        if (phase === 'draining' && active.size === 0) finish();
      },
    },
    plan,
  );
  active.add(session);
  session.begin();
  // A session stopping at the end of the run (zombies, long streams) is told so at once.
  if (phase === 'draining') session.requestFinishIfStreaming();
  return session;
}

/** Closed model: one slot keeps one session in flight, backing off after failures. */
function runSlot(slot: number, plan: SessionPlan, slotActive: () => boolean): void {
  const backoff = new Backoff({
    baseMs: config.backoffBaseMs,
    capMs: config.backoffCapMs,
    rng: rngFor(slot),
  });
  const next = (): void => {
    if (phase !== 'running') return;
    if (!slotActive()) {
      later(200, next); // ramping down: this slot waits for the target to come back up
      return;
    }
    launch(plan, (end) => {
      if (end.outcome === 'ok') {
        backoff.reset();
        next();
      } else {
        later(backoff.next(end.retryAfterMs ?? 0), next);
      }
    });
  };
  next();
}

function startClosedModel(plan: SessionPlan, total: number): void {
  const slots = shareOf(total, workerIndex, workerCount);
  for (let slot = 0; slot < slots; slot++) {
    const slotActive =
      config.stages.length === 0
        ? () => true
        : () =>
            slot <
            shareOf(
              Math.round(targetAt(config.stages, performance.now() - runStartedAt, 0)),
              workerIndex,
              workerCount,
            );
    runSlot(slot, plan, slotActive);
  }
}

/** Launches the open model's arrivals due up to run time `untilMs`; set while an open model runs. */
let launchArrivalsUntil: ((untilMs: number) => void) | undefined;

function startOpenModel(): void {
  const clock = new ArrivalClock(workerIndex, workerCount);
  // Arrivals are owed in run time, never past the run's end: a drain timer that fires late on
  // a busy machine must not add sessions (50/s for 10 s is 500 sessions, not 509).
  let reachedMs = 0;
  launchArrivalsUntil = (untilMs) => {
    const to = Math.min(untilMs, config.durationMs);
    if (to <= reachedMs) return;
    // The rate at the step's midpoint integrates a linear ramp exactly.
    const rate = targetAt(config.stages, (reachedMs + to) / 2, config.ratePerSecond ?? 0);
    const due = clock.due(rate, to - reachedMs);
    reachedMs = to;
    for (let i = 0; i < due; i++) {
      if (active.size >= MAX_IN_FLIGHT_PER_THREAD) {
        tally.add('arrivals_skipped', due - i);
        break;
      }
      launch(shortPlan, () => {});
    }
  };
  const step = () => {
    if (phase !== 'running') return;
    const elapsed = performance.now() - runStartedAt;
    launchArrivalsUntil?.(elapsed);
    const wait = clock.msUntilNext(targetAt(config.stages, elapsed, config.ratePerSecond ?? 0));
    later(Math.min(OPEN_MODEL_MAX_STEP_MS, Math.max(OPEN_MODEL_MIN_STEP_MS, Math.ceil(wait))), step);
  };
  step();
}

function startMode(): void {
  switch (config.mode) {
    case 'short':
      if (config.model === 'open') startOpenModel();
      else startClosedModel(shortPlan, config.concurrency);
      return;
    case 'long':
      startClosedModel(streamPlan, config.concurrency);
      return;
    case 'zombie':
      startClosedModel(idlePlan, config.concurrency);
      return;
    case 'storm':
      startClosedModel(shortPlan, config.concurrency);
      every(config.everyMs, () => {
        if (phase !== 'running') return;
        for (const session of active) session.drop();
      });
      return;
    case 'mixed': {
      startClosedModel(streamPlan, config.longStreams);
      const burst = shareOf(config.concurrency, workerIndex, workerCount);
      every(config.everyMs, () => {
        if (phase !== 'running') return;
        for (let i = 0; i < burst; i++) launch(shortPlan, () => {});
      });
      return;
    }
  }
}

function tick(): void {
  post({
    type: 'tick',
    workerIndex,
    counters: { ...tally.counters },
    latencies: tally.drainLatencies(),
    inFlight: active.size,
    phase: phase === 'done' ? 'done' : phase === 'draining' ? 'draining' : 'running',
  });
}

function drain(): void {
  if (phase !== 'running') return;
  // The arrivals owed up to the run's end go out even when this timer fires between two steps.
  launchArrivalsUntil?.(config.durationMs);
  phase = 'draining';
  for (const session of active) session.requestFinishIfStreaming();
  if (active.size === 0) return finish();
  later(config.drainMs, () => {
    for (const session of [...active]) session.abandon();
    finish();
  });
}

function finish(): void {
  if (phase === 'done') return;
  phase = 'done';
  for (const timer of timers) clearTimeout(timer);
  timers.clear();
  tick();
  // Let the closing frames go out before the thread ends.
  setTimeout(() => process.exit(0), 200).unref();
}

port.on('message', (message: MainToWorker) => {
  if (message.type === 'go' && phase === 'waiting') {
    phase = 'running';
    runStartedAt = performance.now();
    every(SWEEP_MS, () => {
      const now = performance.now();
      for (const session of active) session.checkDeadlines(now);
    });
    every(TICK_MS, tick);
    later(config.durationMs, drain);
    startMode();
  } else if (message.type === 'cancel') {
    if (phase === 'waiting') phase = 'running';
    drain();
    for (const session of [...active]) session.abandon();
    finish();
  }
});

post({ type: 'ready', workerIndex });
