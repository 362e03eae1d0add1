// Every recognizer engine on the same speech: the flite fixtures and the public-domain
// human speech (test/fixtures/human/). Per engine, in a process of its own (so RSS is
// that engine's): model load time, word error rate, real-time factor per thread (CPU
// seconds spent per second of audio, with one decoder), peak RSS; then the throughput of
// the gateway's in-process queue with 2 worker threads (audio seconds recognised per
// wall second). A benchmark, not a test: it prints figures.
//   npx tsx bench/engine-speed.ts [--engines moonshine,pocketsphinx,synthetic] [--passes N]
// Needs the compiled gateway (dist/, from scripts/setup.sh) for the 2-worker queue.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createEngine, isEngineName, type EngineName } from '../src-gateway/engines/index.js';
import type { MemoryTaskQueue as MemoryTaskQueueType } from '../src-gateway/queue/memory/memory-queue.js';
import { allFixtures, readPcm, type SpeechFixture } from '../test/helpers/speech-fixtures.js';
import { corpusWer } from '../test/helpers/wer.js';
import { boundedInt } from './bounded-int.js';

const RATE = 16_000;
const { values } = parseArgs({
  options: {
    engines: { type: 'string', default: 'moonshine,pocketsphinx,synthetic' },
    passes: { type: 'string', default: '1' },
    child: { type: 'string' },
  },
});
const passes = boundedInt(values.passes, 'passes', 1, 20);

interface EngineFigures {
  engine: string;
  loadSeconds: number;
  werFlite: number;
  werHuman: number;
  audioSeconds: number;
  /** CPU seconds per audio second, one decoder. */
  rtf: number;
  peakRssMb: number;
  /** Audio seconds per wall second through a MemoryTaskQueue with 2 worker threads. */
  twoWorkerThroughput: number;
}

const cpuSeconds = (usage: NodeJS.CpuUsage): number => (usage.user + usage.system) / 1e6;

async function measure(name: EngineName): Promise<EngineFigures> {
  const corpus = allFixtures().map((fixture) => ({ fixture, pcm: readPcm(fixture) }));
  let wall = performance.now();
  const engine = await createEngine(name);
  const loadSeconds = (performance.now() - wall) / 1000;

  const pairs: Record<SpeechFixture['kind'], { reference: string; hypothesis: string }[]> = {
    flite: [],
    human: [],
  };
  let audioSeconds = 0;
  const cpu = process.cpuUsage();
  for (let pass = 0; pass < passes; pass++) {
    for (const { fixture, pcm } of corpus) {
      const { text } = await engine.transcribe(pcm, RATE);
      pairs[fixture.kind].push({ reference: fixture.text, hypothesis: text });
      audioSeconds += pcm.length / RATE;
    }
  }
  const rtf = cpuSeconds(process.cpuUsage(cpu)) / audioSeconds;
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  engine.close();

  // The gateway's own queue: 2 worker threads, each loading its own engine.
  const dist = new URL('../dist/src-gateway/queue/memory/memory-queue.js', import.meta.url);
  const { MemoryTaskQueue } = (await import(dist.href)) as { MemoryTaskQueue: typeof MemoryTaskQueueType };
  const queue = new MemoryTaskQueue({ engine: name, workers: 2, maxBacklogSeconds: 1e6, gatewayId: 'bench' });
  await queue.start();
  let pending = 0;
  const done = new Promise<void>((resolve) =>
    queue.onResult(() => {
      if (--pending === 0) resolve();
    }),
  );
  let queuedAudio = 0;
  wall = performance.now();
  for (let pass = 0; pass < Math.max(2, passes); pass++) {
    for (const { pcm } of corpus) {
      pending++;
      queuedAudio += pcm.length / RATE;
      await queue.enqueue({
        taskId: randomUUID(),
        sessionId: 'bench',
        chunkIndex: pending,
        pcm: pcm.slice(),
        audioSeconds: pcm.length / RATE,
        gatewayId: 'bench',
        enqueuedAt: Date.now(),
      });
    }
  }
  await done;
  const twoWorkerThroughput = queuedAudio / ((performance.now() - wall) / 1000);
  await queue.close(0);

  return {
    engine: name,
    loadSeconds,
    werFlite: corpusWer(pairs.flite),
    werHuman: corpusWer(pairs.human),
    audioSeconds,
    rtf,
    peakRssMb,
    twoWorkerThroughput,
  };
}

if (values.child) {
  if (!isEngineName(values.child)) throw new Error(`unknown engine ${values.child}`);
  process.stdout.write(`${JSON.stringify(await measure(values.child))}\n`);
  process.exit(0);
}

const engines = values.engines.split(',').map((name) => name.trim());
for (const name of engines) {
  if (!isEngineName(name)) {
    console.error(`--engines: unknown engine "${name}"`);
    process.exit(2);
  }
}
const script = fileURLToPath(import.meta.url);
const rows: EngineFigures[] = [];
for (const name of engines) {
  // One process per engine: its RSS and its load time are its own.
  const out = execFileSync(
    process.execPath,
    [...process.execArgv, script, '--child', name, '--passes', String(passes)],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  rows.push(JSON.parse(out.trim().split('\n').at(-1)!) as EngineFigures);
}

const fixtures = allFixtures();
const seconds = (kind: SpeechFixture['kind']) =>
  fixtures.filter((f) => f.kind === kind).reduce((sum, f) => sum + f.seconds, 0);
console.log(
  `engines on the same speech: ${fixtures.filter((f) => f.kind === 'flite').length} flite recordings (${seconds('flite').toFixed(0)} s), ` +
    `${fixtures.filter((f) => f.kind === 'human').length} human (${seconds('human').toFixed(0)} s, LibriVox), ${passes} pass(es)`,
);
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const table: [string, (r: EngineFigures) => string][] = [
  ['WER, flite voices', (r) => pct(r.werFlite)],
  ['WER, human speech', (r) => pct(r.werHuman)],
  ['real-time factor per thread (CPU s / audio s)', (r) => r.rtf.toFixed(3)],
  ['audio seconds per CPU second', (r) => (1 / r.rtf).toFixed(1)],
  ['model load', (r) => `${r.loadSeconds.toFixed(2)} s`],
  ['peak RSS, process with one engine', (r) => `${r.peakRssMb.toFixed(0)} MB`],
  ['2 workers: audio s per wall s', (r) => r.twoWorkerThroughput.toFixed(1)],
];
const width = Math.max(...table.map(([label]) => label.length));
console.log(`${''.padEnd(width)}  ${rows.map((r) => r.engine.padStart(13)).join('')}`);
for (const [label, cell] of table)
  console.log(`${label.padEnd(width)}  ${rows.map((r) => cell(r).padStart(13)).join('')}`);
