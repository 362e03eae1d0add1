// Measures the pocketsphinx addon's decode speed on the test fixtures: seconds of audio
// per second of CPU (and of wall clock), plus model load time. A benchmark, not a test.
//   npx tsx bench/engine-speed.ts [--passes N] [--engines N]
// --engines N decodes with N decoders at once (each runs on a libuv thread-pool thread).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { boundedInt } from './bounded-int.js';
import { createEngine } from '../src-gateway/engines/index.js';
import type { Engine } from '../src-gateway/engines/index.js';
import { toProtocolPcm } from '../src-shared/audio/wav.js';
import { corpusWer } from '../test/helpers/wer.js';

const RATE = 16_000;
const FIXTURES = fileURLToPath(new URL('../test/fixtures/', import.meta.url));

const { values } = parseArgs({
  options: { passes: { type: 'string', default: '1' }, engines: { type: 'string', default: '1' } },
});
const passes = boundedInt(values.passes, 'passes', 1, 20);
const engineCount = boundedInt(values.engines, 'engines', 1, 8);

const cpuSeconds = (usage: NodeJS.CpuUsage): number => (usage.user + usage.system) / 1e6;

const manifest = JSON.parse(readFileSync(join(FIXTURES, 'manifest.json'), 'utf8')) as {
  file: string;
  text: string;
}[];
const audio = manifest.map((entry) => ({
  ...entry,
  pcm: toProtocolPcm(readFileSync(join(FIXTURES, entry.file))),
}));
const audioSecondsPerPass = audio.reduce((sum, entry) => sum + entry.pcm.length / RATE, 0);

let cpu = process.cpuUsage();
let wall = performance.now();
const engines: Engine[] = [];
for (let i = 0; i < engineCount; i++) engines.push(await createEngine('pocketsphinx'));
const loadWall = (performance.now() - wall) / 1000 / engineCount;
const loadCpu = cpuSeconds(process.cpuUsage(cpu)) / engineCount;

cpu = process.cpuUsage();
wall = performance.now();
const pairs: { reference: string; hypothesis: string }[] = [];
// Each engine works through its own copy of the fixture list, all engines at once.
await Promise.all(
  engines.map(async (engine) => {
    for (let pass = 0; pass < passes; pass++) {
      for (const entry of audio) {
        const { text } = await engine.transcribe(entry.pcm, RATE);
        pairs.push({ reference: entry.text, hypothesis: text });
      }
    }
  }),
);
const decodeWall = (performance.now() - wall) / 1000;
const decodeCpu = cpuSeconds(process.cpuUsage(cpu));
for (const engine of engines) engine.close();

const totalAudio = audioSecondsPerPass * passes * engineCount;
console.log(
  `pocketsphinx decode speed (${audio.length} fixtures, ${audioSecondsPerPass.toFixed(1)} s of audio, ${passes} pass(es), ${engineCount} decoder(s))`,
);
console.log(`  model load        ${loadWall.toFixed(2)} s wall, ${loadCpu.toFixed(2)} s CPU per decoder`);
console.log(
  `  audio decoded     ${totalAudio.toFixed(1)} s in ${decodeWall.toFixed(2)} s wall, ${decodeCpu.toFixed(2)} s CPU`,
);
console.log(
  `  per CPU second    ${(totalAudio / decodeCpu).toFixed(2)} s of audio (real-time factor ${(decodeCpu / totalAudio).toFixed(3)})`,
);
console.log(`  per wall second   ${(totalAudio / decodeWall).toFixed(2)} s of audio`);
console.log(`  corpus WER        ${(corpusWer(pairs) * 100).toFixed(1)}%`);
