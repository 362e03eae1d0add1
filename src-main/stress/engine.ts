// The stress engine's programmatic API, used by `earshot stress` and the app's Stress
// view: runStress(config, { onSnapshot, signal }) starts the worker threads, gathers a
// snapshot every second, and resolves with the StressReport once every thread is done.
import { cpus, loadavg } from 'node:os';
import { Worker } from 'node:worker_threads';
import { stressWorkerPath } from '../paths.js';
import type { RunLatency, StressSecond } from './aggregate.js';
import { StressAggregator } from './aggregate.js';
import { loadStressAudio } from './audio.js';
import { isLoopbackUrl, type StressConfigInput } from '../../src-shared/stress/config.js';
import { planStressRun, type StressPlan } from './config.js';
import { ConnectionGauge } from './connection-gauge.js';
import { buildReport, type StressReport } from './report.js';
import {
  ClientResources,
  GatewayLagWatch,
  GatewayResources,
  gatewaySourceFor,
  metricsUrlOf,
  scrapeMetrics,
  type ResourceSample,
} from './resources.js';
import { evaluateThresholds, parseThreshold } from './thresholds.js';
import { loadStressTls } from './tls.js';
import type { StressWorkerData, WorkerToMain } from './worker-messages.js';

export interface RunStressOptions {
  /** Called once per second (and once at the end) with that second's numbers and the run-wide latencies so far. */
  onSnapshot?(snapshot: StressSecond, run: RunLatency): void;
  /** Aborting ends the run at once: sessions in flight count as `unfinished`. */
  signal?: AbortSignal;
  /** Called once the config is resolved, before any traffic. */
  onStart?(config: StressPlan): void;
}

const SNAPSHOT_MS = 1000;
/** Past duration + drain, threads get this long to report before they are terminated. */
const SHUTDOWN_GRACE_MS = 15_000;

export async function runStress(
  input: StressConfigInput,
  options: RunStressOptions = {},
): Promise<StressReport> {
  const config = planStressRun(input, cpus().length);
  const audio = loadStressAudio(config.audioPath, config.chunkMs);
  const tls = loadStressTls(config);
  const thresholds = config.thresholds.map(parseThreshold);
  options.onStart?.(config);
  const gauge = new ConnectionGauge();
  const aggregator = new StressAggregator(config.threads);
  const client = new ClientResources();
  const gatewaySource = gatewaySourceFor(config.url, config.gatewayPid, config.token);
  const gateway = gatewaySource ? new GatewayResources(gatewaySource) : undefined;
  // The gateway's event-loop lag over the run, from its /metrics (an Earshot gateway's on
  // this machine, like its CPU and memory).
  const lagWatch = isLoopbackUrl(config.url)
    ? new GatewayLagWatch(metricsUrlOf(config.url), config.token)
    : undefined;
  // Where the resource watch reads the gateway's own /metrics, one scrape a second serves both.
  const sharedScrape =
    lagWatch !== undefined &&
    gatewaySource?.kind === 'metrics' &&
    gatewaySource.url === lagWatch.url &&
    gatewaySource.token === config.token;
  const loadavgStart = loadavg();
  const workerPath = stressWorkerPath();

  const workers: Worker[] = [];
  const exited: Promise<void>[] = [];
  // Set from callbacks; a holder object keeps TypeScript from narrowing it to undefined.
  const failure: { error?: Error } = {};
  let ready = 0;
  let resolveReady!: () => void;
  const allReady = new Promise<void>((resolve) => (resolveReady = resolve));
  for (let index = 0; index < config.threads; index++) {
    const data: StressWorkerData = {
      config,
      audio,
      tls,
      gaugeBuffer: gauge.buffer,
      workerIndex: index,
      workerCount: config.threads,
    };
    const worker = new Worker(workerPath, { workerData: data });
    workers.push(worker);
    worker.on('message', (message: WorkerToMain) => {
      if (message.type === 'ready' && ++ready === config.threads) resolveReady();
      else if (message.type === 'tick') aggregator.accept(message);
      else if (message.type === 'fatal')
        failure.error ??= new Error(`stress worker ${index}: ${message.message}`);
    });
    exited.push(
      new Promise<void>((resolve) => {
        worker.once('error', (error) => {
          failure.error ??= new Error(`stress worker ${index} crashed: ${error.message}`);
          resolveReady();
        });
        worker.once('exit', () => resolve());
      }),
    );
  }
  await allReady;
  if (failure.error) {
    await Promise.all(workers.map((w) => w.terminate()));
    throw failure.error;
  }

  await lagWatch?.sample(); // the baseline: the run's lag is what comes after it
  const startedAt = new Date();
  const began = performance.now();
  for (const worker of workers) worker.postMessage({ type: 'go' });
  const cancel = () => {
    for (const worker of workers) worker.postMessage({ type: 'cancel' });
  };
  if (options.signal?.aborted) cancel();
  options.signal?.addEventListener('abort', cancel, { once: true });

  let lastGateway: ResourceSample | undefined;
  let sampling = false;
  const takeSnapshot = async () => {
    if (sampling) return;
    sampling = true;
    try {
      const clientSample = client.sample();
      let gatewaySample: ResourceSample | undefined;
      let lagP99Ms: number | null;
      if (sharedScrape) {
        const text = await scrapeMetrics(lagWatch.url, config.token);
        gatewaySample = gateway?.fromMetrics(text);
        lagP99Ms = lagWatch.read(text);
      } else [gatewaySample, lagP99Ms] = await Promise.all([gateway?.sample(), lagWatch?.sample() ?? null]);
      lastGateway = gatewaySample;
      const t = Math.round((performance.now() - began) / 100) / 10;
      // Taken whether anyone listens or not: the report's series is made of these.
      const second = aggregator.snapshot(t, gauge, clientSample, lastGateway, lagP99Ms);
      options.onSnapshot?.(second, aggregator.runLatency());
    } finally {
      sampling = false;
    }
  };
  const timer = setInterval(() => void takeSnapshot(), SNAPSHOT_MS);
  // A thread that outlives duration + drain + grace is stuck: end it, its sessions stay uncounted.
  const hardStop = setTimeout(
    () => {
      failure.error ??= new Error('a stress worker did not finish in time and was terminated');
      for (const worker of workers) void worker.terminate();
    },
    config.durationMs + config.drainMs + SHUTDOWN_GRACE_MS,
  );

  await Promise.all(exited);
  clearInterval(timer);
  clearTimeout(hardStop);
  options.signal?.removeEventListener('abort', cancel);
  while (sampling) await new Promise((r) => setTimeout(r, 20));
  // The closing snapshot, unless one already holds the threads' last reports.
  if (aggregator.ticksSinceSnapshot > 0 || aggregator.series.length === 0) await takeSnapshot();
  const finishedAt = new Date();

  const reportInput = {
    config,
    audio: { totalSeconds: audio.totalSeconds, chunks: audio.chunks.length },
    startedAt,
    finishedAt,
    counters: aggregator.counters(),
    histograms: aggregator.totals,
    series: aggregator.series,
    connections: { peak: gauge.peak, atEnd: gauge.current },
    clientCpuSeconds: client.cpuSecondsSoFar(),
    gatewayCpuSeconds: null,
    gatewayWatch: gateway?.describe() ?? null,
    gatewayLag: lagWatch?.summary() ?? null,
    loadavgStart,
  };
  const draft = buildReport(reportInput);
  const report = thresholds.length ? buildReport(reportInput, evaluateThresholds(draft, thresholds)) : draft;
  const problem = failure.error as Error | undefined; // set by callbacks after the check above
  if (problem) report.observations.unshift(`Warning: ${problem.message}.`);
  return report;
}
