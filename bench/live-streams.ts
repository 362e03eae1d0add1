// Capacity: how many live dictation streams one gateway holds on this machine, base64 JSON
// chunks and binary audio frames side by side. For each encoding, starts the compiled
// gateway on 127.0.0.1 (synthetic engine at a small real-time factor: recognition sleeps, so
// the gateway's own work is what is measured) and `earshot stress --mode long` against it as
// a second process: live streams of 1 s chunks at real time (1 s of audio per second each),
// ramped in steps, each step held for --hold seconds. A step is held when, over its whole
// hold (from its second second: the first still sees the ramp's last connects), every
// stream stayed open, no session ended in an error, and the chunk-ack p99 of every second
// stayed under --max-p99-ms; the first step that is not held ends the ramp.
// Prints per step: chunk-ack p99, the gateway's CPU per chunk (main thread and the rest),
// its RSS per stream, its event-loop lag (health, 5 s window), and the stress client's CPU,
// with the load average. A benchmark, not a test: it prints figures.
//
//   npx tsx bench/live-streams.ts [--steps 500,1000,1500,2000,3000,4000,5000] [--hold 60] [--ramp 15]
//        [--frames both|json|binary] [--rtf 0.0001] [--workers 2] [--threads 1] [--max-p99-ms 1000]
//
// Admission runs as shipped (live streams declare no length, so each reserves only the wait
// target). The ceiling on queued audio is raised to 2 s of audio per stream of the largest
// step: its default (120 s per worker) is sized for real engines, where it is minutes of
// work, but at --rtf 0.0001 it is 24 ms of work, so any hiccup of the main thread would
// refuse chunks whose resends then feed the hiccup (docs/benchmarks.md, "Live streams").
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { REPO_ROOT, ensureBuilt } from '../test/helpers/build.js';
import { startGateway, type TestGateway } from '../test/helpers/gateway.js';
import { boundedInt } from './bounded-int.js';
import { lagNow, processCpuMs, rssKb, threadCpuMs } from './gateway-stats.js';

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '500,1000,1500,2000,3000,4000,5000' },
    hold: { type: 'string', default: '60' },
    ramp: { type: 'string', default: '15' },
    frames: { type: 'string', default: 'both' },
    rtf: { type: 'string', default: '0.0001' },
    workers: { type: 'string', default: '2' },
    threads: { type: 'string', default: '1' },
    'max-p99-ms': { type: 'string', default: '1000' },
  },
});

const steps = (values.steps ?? '').split(',').map((step) => boundedInt(step, 'steps', 1, 20_000));
if (steps.some((step, i) => i > 0 && step <= steps[i - 1]!)) {
  console.error('--steps must rise, e.g. 1000,2000,3500,5000');
  process.exit(2);
}
const holdS = boundedInt(values.hold ?? '', 'hold', 5, 600);
const rampS = boundedInt(values.ramp ?? '', 'ramp', 1, 300);
const workers = boundedInt(values.workers ?? '', 'workers', 1, 16);
const threads = boundedInt(values.threads ?? '', 'threads', 1, 16);
const maxP99Ms = boundedInt(values['max-p99-ms'] ?? '', 'max-p99-ms', 1, 60_000);
const rtf = Number(values.rtf);
if (!(rtf >= 0 && rtf <= 0.1)) {
  console.error(`--rtf must be a number from 0 to 0.1, got "${values.rtf}"`);
  process.exit(2);
}
if (!['both', 'json', 'binary'].includes(values.frames ?? '')) {
  console.error('--frames must be both, json or binary');
  process.exit(2);
}
const encodings: Encoding[] = values.frames === 'both' ? ['json', 'binary'] : [values.frames as Encoding];
const AUDIO = join(REPO_ROOT, 'test', 'fixtures', 'short-01-rms.wav');
const EARSHOT = join(REPO_ROOT, 'bin', 'earshot.js');
/** A stress process that has not ended this long after its last stage is stopped. */
const STRESS_GRACE_MS = 90_000;

type Encoding = 'json' | 'binary';

function readOr<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch {
    return fallback;
  }
}

/** One second of the stress run, as `earshot stress --json` prints it. */
interface Second {
  t: number;
  open_connections: number;
  errors: number;
  p99_chunk_ack_ms: number;
  totals: Record<string, number>;
}

/** What the bench read of the gateway and the client when that second arrived. */
interface Sample {
  second: Second;
  gatewayMain: number;
  gatewayOthers: number;
  gatewayRssKb: number;
  lagP99Ms: number;
  clientCpuMs: number;
}

interface StepResult {
  streams: number;
  held: boolean;
  why: string;
  p99MaxMs: number;
  p99MedianMs: number;
  chunks: number;
  mainCpuMsPerChunk: number;
  otherCpuMsPerChunk: number;
  rssKibPerStream: number;
  /** Worst lag p99 over the health reads that were answered (NaN: none was). */
  lagP99MaxMs: number;
  /** Seconds whose health read went unanswered: an overloaded gateway's lag is unknown, not 0. */
  lagUnread: number;
  clientCpuPercent: number;
  load: number;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

/** Judges the hold window of one step from the samples inside it. */
function judge(streams: number, window: Sample[], rssBaseKb: number): StepResult {
  const first = window[0]!;
  const last = window[window.length - 1]!;
  const chunks = (last.second.totals.chunks_acked ?? 0) - (first.second.totals.chunks_acked ?? 0);
  const seconds = last.second.t - first.second.t;
  const p99s = window.map((s) => s.second.p99_chunk_ack_ms);
  const errors = window.reduce((sum, s) => sum + s.second.errors, 0);
  const dropped = window.filter((s) => s.second.open_connections < streams).length;
  const p99MaxMs = Math.max(...p99s);
  const lags = window.map((s) => s.lagP99Ms).filter(Number.isFinite);
  const why =
    errors > 0
      ? `${errors} sessions ended in errors`
      : dropped > 0
        ? `fewer than ${streams} streams open in ${dropped} of ${window.length} seconds`
        : p99MaxMs > maxP99Ms
          ? `chunk-ack p99 reached ${p99MaxMs} ms`
          : 'held';
  return {
    streams,
    held: why === 'held',
    why,
    p99MaxMs,
    p99MedianMs: median(p99s),
    chunks,
    mainCpuMsPerChunk: (last.gatewayMain - first.gatewayMain) / Math.max(1, chunks),
    otherCpuMsPerChunk: (last.gatewayOthers - first.gatewayOthers) / Math.max(1, chunks),
    rssKibPerStream: (last.gatewayRssKb - rssBaseKb) / streams,
    lagP99MaxMs: lags.length ? Math.max(...lags) : NaN,
    lagUnread: window.length - lags.length,
    clientCpuPercent: ((last.clientCpuMs - first.clientCpuMs) / Math.max(1, seconds * 1000)) * 100,
    load: loadavg()[0]!,
  };
}

async function run(encoding: Encoding): Promise<StepResult[]> {
  const gateway: TestGateway = await startGateway(
    [
      ...['--workers', String(workers), '--synthetic-rtf', String(rtf), '--log-level', 'warn'],
      ...['--max-backlog-seconds', String(2 * steps[steps.length - 1]!)],
      ...(encoding === 'json' ? ['--no-binary-audio'] : []),
    ],
    { skipBuild: true },
  );
  const reportDir = mkdtempSync(join(tmpdir(), 'earshot-live-streams-'));
  const results: StepResult[] = [];
  try {
    const rssBaseKb = rssKb(gateway.pid);
    // One stage pair per step: ramp to N, then hold N. The stream outlasts the run; the
    // drain lets every stream finish gracefully once the ramp is over.
    const stages = steps.flatMap((n) => ['--stage', `${rampS}s:${n}`, '--stage', `${holdS}s:${n}`]);
    const totalS = steps.length * (rampS + holdS);
    const stress = spawn(
      process.execPath,
      [
        EARSHOT,
        'stress',
        ...['--url', gateway.url, '--mode', 'long', '-c', String(steps[steps.length - 1])],
        ...stages,
        ...['--stream', `${totalS + 60}s`, '--pace', 'realtime', '--audio', AUDIO],
        ...['--threads', String(threads), '--drain', '30s', '--gateway-pid', String(gateway.pid)],
        ...['--report-dir', reportDir, '--json'],
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const stopStress = () => {
      if (stress.exitCode === null && stress.signalCode === null) stress.kill('SIGINT');
    };
    const hardStop = setTimeout(stopStress, (totalS + 30) * 1000 + STRESS_GRACE_MS);
    const exited = new Promise<void>((resolve) => stress.once('exit', () => resolve()));
    const samples: Sample[] = [];
    let step = 0;
    const lines = createInterface({ input: stress.stdout });
    for await (const line of lines) {
      if (!line.startsWith('{')) continue;
      const parsed = JSON.parse(line) as Partial<Second> & { type?: string };
      if (parsed.type === 'summary' || typeof parsed.t !== 'number') continue;
      const second = parsed as Second;
      const cpu = threadCpuMs(gateway.pid);
      const lag = await lagNow(gateway.httpUrl).catch(() => ({ p99: NaN, max: NaN }));
      samples.push({
        second,
        gatewayMain: cpu.main,
        gatewayOthers: cpu.others,
        gatewayRssKb: rssKb(gateway.pid),
        lagP99Ms: lag.p99,
        // Lines still buffered when the stress process has already ended: its CPU is gone with it.
        clientCpuMs: stress.pid === undefined ? NaN : readOr(() => processCpuMs(stress.pid!), NaN),
      });
      const holdFrom = step * (rampS + holdS) + rampS;
      const holdTo = holdFrom + holdS;
      if (step < steps.length && second.t >= holdTo) {
        // The first second of a hold still sees the ramp's last connections opening.
        const window = samples.filter((s) => s.second.t >= holdFrom + 1 && s.second.t <= holdTo);
        const result = judge(steps[step]!, window, rssBaseKb);
        results.push(result);
        console.log(`  ${encoding.padEnd(6)} ${line_(result)}`);
        step++;
        // Stop at the first step not held, and once the last step is judged.
        if (!result.held || step === steps.length) {
          stopStress();
          break;
        }
      }
    }
    lines.close();
    await exited;
    clearTimeout(hardStop);
    if (step < steps.length && (results.length === 0 || results[results.length - 1]!.held))
      console.log(
        `  ${encoding.padEnd(6)} the stress client ended (exit ${stress.exitCode ?? stress.signalCode}) ` +
          `before step ${steps[step]} was judged`,
      );
    return results;
  } finally {
    await gateway.stop();
    rmSync(reportDir, { recursive: true, force: true });
  }
}

function line_(r: StepResult): string {
  return (
    `${String(r.streams).padStart(6)} streams  ${r.held ? 'held    ' : 'NOT held'}  ` +
    `chunk-ack p99 max ${r.p99MaxMs} ms (median ${r.p99MedianMs})  ` +
    `gateway CPU/chunk main ${r.mainCpuMsPerChunk.toFixed(3)} ms + other threads ${r.otherCpuMsPerChunk.toFixed(3)} ms  ` +
    `RSS/stream ${r.rssKibPerStream.toFixed(1)} KiB  lag p99 max ${Number.isFinite(r.lagP99MaxMs) ? `${r.lagP99MaxMs.toFixed(0)} ms` : 'unknown'}` +
    (r.lagUnread ? ` (health unanswered in ${r.lagUnread} s)` : '') +
    `  ` +
    `client CPU ${r.clientCpuPercent.toFixed(0)}% of a core  load ${r.load.toFixed(1)}` +
    (r.held ? '' : `  (${r.why})`)
  );
}

await ensureBuilt();
console.log(
  `live streams: steps ${steps.join(', ')}; ramp ${rampS} s, hold ${holdS} s each; 1 s chunks at real time; ` +
    `synthetic rtf ${rtf}, ${workers} recognizer workers; stress client ${threads} thread(s); held: every stream open, ` +
    `no errors, chunk-ack p99 <= ${maxP99Ms} ms every second; load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
);
const summary: string[] = [];
for (const encoding of encodings) {
  const results = await run(encoding);
  const held = results.filter((r) => r.held);
  const best = held[held.length - 1];
  summary.push(
    `${encoding.padEnd(6)} largest N held for ${holdS} s: ${best ? best.streams : 'none'}` +
      (best
        ? `  (gateway CPU per chunk ${(best.mainCpuMsPerChunk + best.otherCpuMsPerChunk).toFixed(3)} ms, ` +
          `main thread ${best.mainCpuMsPerChunk.toFixed(3)} ms; RSS ${best.rssKibPerStream.toFixed(1)} KiB per stream)`
        : ''),
  );
}
console.log(summary.join('\n'));
