// Benchmark: the same short-session scenario driven by Earshot's stress engine and by
// Artillery's WebSocket engine against the same gateway in one run; prints completed
// sessions per client CPU-second for each and the ratio.
//
//   npx tsx bench/stress-vs-artillery.ts [--rate 20] [--duration 20] [--audio FILE.wav]
//        [--frames both|json|binary]
//
// Scenario: open model, RATE session arrivals per second for DURATION seconds; each
// session connects, sends `start`, every chunk of the audio (each waiting for its ack),
// `finish`, and waits for `final_result`. Both tools run as child processes under
// /usr/bin/time, so "client CPU" is the user+system time of each tool's whole process
// tree, measured the same way. Artillery is installed on demand into a temporary
// folder (not a project dependency); the install is reused by later runs.
//
// Artillery sends base64 JSON chunks. Earshot sends binary audio frames where the gateway
// offers them (extension binary_audio) and the same JSON chunks where it does not; with
// --frames both (the default) Earshot runs twice, once against a gateway started with
// --no-binary-audio, so the JSON row is byte for byte the traffic Artillery sends.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadStressAudio } from '../src-main/stress/audio.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const ARTILLERY_DIR = join(tmpdir(), 'earshot-bench-artillery-2');
const ARTILLERY_BIN = join(ARTILLERY_DIR, 'node_modules', '.bin', 'artillery');
const TIME = '/usr/bin/time';

function flag(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 && process.argv[index + 1] ? process.argv[index + 1] : fallback;
}

const rate = Number(flag('rate', '20'));
const durationS = Number(flag('duration', '20'));
const audioPath = resolve(flag('audio', join(ROOT, 'test', 'fixtures', 'short-01-rms.wav')));
const frames = flag('frames', 'both');
if (!(rate > 0 && rate <= 500) || !(durationS > 0 && durationS <= 600)) {
  console.error('bench: --rate must be in (0, 500] and --duration in (0, 600] seconds');
  process.exit(2);
}
if (!['both', 'json', 'binary'].includes(frames)) {
  console.error('bench: --frames must be both, json or binary');
  process.exit(2);
}
if (!existsSync(TIME)) {
  console.error(`bench: ${TIME} is needed to measure each tool's CPU time (Debian package "time")`);
  process.exit(2);
}

function ensureArtillery(): void {
  if (existsSync(ARTILLERY_BIN)) return;
  console.log(`installing artillery@2 into ${ARTILLERY_DIR} (about a minute)...`);
  mkdirSync(ARTILLERY_DIR, { recursive: true });
  writeFileSync(join(ARTILLERY_DIR, 'package.json'), '{"name":"earshot-bench-artillery","private":true}\n');
  execFileSync('npm', ['install', 'artillery@2', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: ARTILLERY_DIR,
    stdio: 'inherit',
    env: { ...process.env, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' },
  });
}

async function startGateway(binaryAudio: boolean): Promise<{ url: string; stop(): Promise<void> }> {
  const script = join(ROOT, 'dist', 'src-gateway', 'cli', 'gateway.js');
  const child = spawn(
    process.execPath,
    [
      script,
      ...['--port', '0', '--engine', 'synthetic', '--synthetic-rtf', '0.01', '--log-level', 'warn'],
      ...(binaryAudio ? [] : ['--no-binary-audio']),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const url = await new Promise<string>((ok, fail) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error('gateway did not start in 60 s')), 60_000);
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      out += text;
      const match = /listening on (ws:\/\/\S+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        ok(match[1]);
      }
    });
  });
  return {
    url,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

interface Measured {
  completed: number;
  failed: number;
  /** Sessions begun (Earshot) or virtual users created (Artillery). */
  sessions: number;
  cpuSeconds: number;
  wallSeconds: number;
  /** 1-minute load average before and after the run. */
  load: [number, number];
}

/** Runs a command under /usr/bin/time; returns its CPU seconds (user + sys, children included). */
async function timed(
  command: string,
  args: string[],
  cwd: string,
): Promise<{ cpuSeconds: number; wallSeconds: number; stdout: string; load: [number, number] }> {
  const marker = 'EARSHOT_BENCH_TIME';
  // No telemetry: this machine has no network beyond the package registries.
  const env = { ...process.env, ARTILLERY_DISABLE_TELEMETRY: 'true' };
  const loadBefore = loadavg()[0];
  const child = spawn(TIME, ['-f', `${marker} %U %S %e`, command, ...args], {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
  child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
  const code = await new Promise<number | null>((done) => child.once('exit', done));
  const match = new RegExp(`${marker} ([\\d.]+) ([\\d.]+) ([\\d.]+)`).exec(stderr);
  if (!match) throw new Error(`${command} exited ${code}: ${stderr.slice(-1500)}`);
  return {
    cpuSeconds: Number(match[1]) + Number(match[2]),
    wallSeconds: Number(match[3]),
    stdout,
    load: [loadBefore, loadavg()[0]],
  };
}

async function runEarshot(url: string, work: string, name: string): Promise<Measured> {
  const reportDir = join(work, `earshot-report-${name}`);
  const args = [
    join(ROOT, 'bin', 'earshot.js'),
    'stress',
    '--url',
    url,
    '--rate',
    String(rate),
    '-d',
    `${durationS}s`,
    '--audio',
    audioPath,
    '--pace',
    'ack',
    '--report-dir',
    reportDir,
    '--json',
  ];
  const run = await timed(process.execPath, args, ROOT);
  const report = JSON.parse(readFileSync(join(reportDir, 'report.json'), 'utf8')) as {
    sessions: { attempted: number; completed: number; ended: number };
    traffic: { bytes_sent: number; chunks_sent: number };
  };
  return {
    completed: report.sessions.completed,
    failed: report.sessions.ended - report.sessions.completed,
    sessions: report.sessions.attempted,
    cpuSeconds: run.cpuSeconds,
    wallSeconds: run.wallSeconds,
    load: run.load,
  };
}

function writeArtilleryScenario(url: string, work: string, chunkCount: number): string {
  const chunksFile = join(work, 'chunks.json');
  writeFileSync(chunksFile, JSON.stringify(loadStressAudio(audioPath, 1000).chunks));
  // The processor gives each virtual user a session id and the shared chunk payloads,
  // and keeps the final loop going until final_result has been captured.
  writeFileSync(
    join(work, 'processor.cjs'),
    `const { randomUUID } = require('node:crypto');
const chunks = JSON.parse(require('node:fs').readFileSync(${JSON.stringify(chunksFile)}, 'utf8'));
module.exports = {
  setup(context, events, done) {
    context.vars.sessionId = randomUUID();
    chunks.forEach((chunk, i) => { context.vars['chunk' + i] = chunk; });
    return done();
  },
  notFinal(context, next) { return next(context.vars.msgType !== 'final_result'); },
};
`,
  );
  const capture = { json: '$.type', as: 'msgType' };
  const flow: unknown[] = [
    { function: 'setup' },
    { send: { payload: { action: 'start', session_id: '{{ sessionId }}' }, capture } },
  ];
  for (let i = 0; i < chunkCount; i++) {
    flow.push({
      send: {
        payload: {
          action: 'chunk',
          session_id: '{{ sessionId }}',
          chunk_index: i,
          audio_data: `{{ chunk${i} }}`,
        },
        capture,
      },
    });
  }
  flow.push({ send: { payload: { action: 'finish', session_id: '{{ sessionId }}' }, capture } });
  flow.push({ loop: [{ wait: { capture } }], whileTrue: 'notFinal', count: 100 });
  const scenario = {
    config: {
      target: url,
      phases: [{ duration: durationS, arrivalRate: rate }],
      processor: './processor.cjs',
      ws: { perMessageDeflate: false },
      timeout: 60,
    },
    scenarios: [{ engine: 'ws', flow }],
  };
  // JSON is valid YAML; artillery reads either.
  const file = join(work, 'scenario.json');
  writeFileSync(file, JSON.stringify(scenario, null, 2));
  return file;
}

async function runArtillery(url: string, work: string, chunkCount: number): Promise<Measured> {
  const scenario = writeArtilleryScenario(url, work, chunkCount);
  const output = join(work, 'artillery-report.json');
  const run = await timed(ARTILLERY_BIN, ['run', '--output', output, scenario], work);
  const report = JSON.parse(readFileSync(output, 'utf8')) as {
    aggregate: { counters: Record<string, number> };
  };
  const counters = report.aggregate.counters;
  return {
    completed: counters['vusers.completed'] ?? 0,
    failed: counters['vusers.failed'] ?? 0,
    sessions: counters['vusers.created'] ?? 0,
    cpuSeconds: run.cpuSeconds,
    wallSeconds: run.wallSeconds,
    load: run.load,
  };
}

const perCpu = (m: Measured) => m.completed / Math.max(0.001, m.cpuSeconds);

function row(name: string, m: Measured): string {
  const msPerSession = (m.cpuSeconds * 1000) / Math.max(1, m.sessions);
  return (
    `${name.padEnd(22)} completed ${String(m.completed).padStart(6)}  failed ${String(m.failed).padStart(5)}  ` +
    `client CPU ${m.cpuSeconds.toFixed(2).padStart(6)} s (${msPerSession.toFixed(2)} ms/session)  wall ${m.wallSeconds.toFixed(1)} s  ` +
    `-> ${perCpu(m).toFixed(1)} completed per CPU-second  (load ${m.load[0].toFixed(2)} -> ${m.load[1].toFixed(2)})`
  );
}

async function main(): Promise<void> {
  ensureArtillery();
  if (!existsSync(join(ROOT, 'dist', 'src-main', 'stress', 'worker.js'))) {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'ignore' });
  }
  const work = join(tmpdir(), `earshot-bench-${process.pid}`);
  mkdirSync(work, { recursive: true });
  const chunkCount = loadStressAudio(audioPath, 1000).chunks.length;
  console.log(
    `scenario: ${rate} sessions/s for ${durationS} s, ${chunkCount} chunks each, ack-paced, wait for final_result`,
  );
  const rows: [string, Measured][] = [];
  try {
    // Artillery and Earshot's binary row share a gateway that offers binary frames
    // (Artillery does not ask for them); Earshot's JSON row gets one that does not.
    for (const binary of frames === 'both' ? [true, false] : [frames === 'binary']) {
      const gateway = await startGateway(binary);
      try {
        console.log(`gateway ${gateway.url}${binary ? '' : ' (--no-binary-audio)'}`);
        const name = binary ? 'earshot, binary frames' : 'earshot, JSON chunks';
        rows.push([name, await runEarshot(gateway.url, work, binary ? 'binary' : 'json')]);
        console.log(row(...rows[rows.length - 1]));
        if (binary || frames === 'json') {
          rows.push(['artillery (JSON chunks)', await runArtillery(gateway.url, work, chunkCount)]);
          console.log(row(...rows[rows.length - 1]));
        }
      } finally {
        await gateway.stop();
      }
    }
    const artillery = rows.find(([name]) => name.startsWith('artillery'))![1];
    for (const [name, measured] of rows.filter(([n]) => n.startsWith('earshot')))
      console.log(
        `ratio (${name} / artillery, completed per CPU-second): ${(perCpu(measured) / Math.max(0.001, perCpu(artillery))).toFixed(2)}x`,
      );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
