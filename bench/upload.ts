// Client-side delivery figures. (1) Chunker speed: seconds of audio cut per CPU second,
// on the long fixtures. (2) Outbox drain: N recordings (each a long fixture, ~6 chunks)
// delivered by the Uploader through a real synthetic-engine gateway on loopback, with
// `parallel` sessions: recordings/s, chunks/s, and per-recording latency from the start
// of the drain. A benchmark, not a test.
//   npx tsx bench/upload.ts [--recordings N] [--parallel P] [--cost-ms MS]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { boundedInt } from './bounded-int.js';
import { chunkPcm } from '../src-main/audio/chunker.js';
import { OutboxStore } from '../src-main/outbox/store.js';
import { Uploader } from '../src-main/upload/index.js';
import { toProtocolPcm } from '../src-shared/audio/wav.js';
import { startGateway } from '../test/helpers/gateway.js';

const { values } = parseArgs({
  options: {
    recordings: { type: 'string', default: '40' },
    parallel: { type: 'string', default: '2,8' },
    'cost-ms': { type: 'string', default: '5' },
  },
});

const recordings = boundedInt(values.recordings, 'recordings', 1, 2000);
const parallels = values.parallel.split(',').map((p) => boundedInt(p, 'parallel', 1, 64));
const costMs = boundedInt(values['cost-ms'], 'cost-ms', 0, 10_000);

const fixtures = ['long-01-rms.wav', 'long-02-kal16.wav', 'long-03-awb.wav'].map((file) =>
  toProtocolPcm(readFileSync(join(import.meta.dirname, '..', 'test', 'fixtures', file))),
);

// (1) chunker
{
  const audioSeconds = fixtures.reduce((n, pcm) => n + pcm.length / 16_000, 0);
  const rounds = 20;
  const started = process.cpuUsage();
  let chunks = 0;
  for (let r = 0; r < rounds; r++) for (const pcm of fixtures) chunks += (await chunkPcm(pcm)).length;
  const used = process.cpuUsage(started);
  const cpuSeconds = (used.user + used.system) / 1e6;
  console.log(
    `chunker: ${(audioSeconds * rounds).toFixed(0)} s of audio into ${chunks} chunks in ${cpuSeconds.toFixed(2)} CPU s = ${((audioSeconds * rounds) / cpuSeconds).toFixed(0)}x real time`,
  );
}

// (2) drain
const gateway = await startGateway([
  '--synthetic-cost-ms',
  String(costMs),
  '--synthetic-rtf',
  '0',
  '--log-level',
  'warn',
]);
try {
  for (const parallel of parallels) {
    const dir = mkdtempSync(join(tmpdir(), 'earshot-bench-upload-'));
    const store = OutboxStore.open(dir);
    let chunkTotal = 0;
    const ids: number[] = [];
    for (let i = 0; i < recordings; i++) {
      const { id } = store.createRecording({ source: `bench-${i}` });
      for (const chunk of await chunkPcm(fixtures[i % fixtures.length])) {
        store.appendChunk(id, chunk);
        chunkTotal++;
      }
      store.sealRecording(id);
      ids.push(id);
    }
    const latencies: number[] = [];
    const uploader = new Uploader({ store, urls: [gateway.url], parallel });
    const started = performance.now();
    uploader.on('finished', () => latencies.push(performance.now() - started));
    uploader.start();
    const done = await uploader.waitFor(ids, 600_000);
    const seconds = (performance.now() - started) / 1000;
    await uploader.stop();
    store.close();
    rmSync(dir, { recursive: true, force: true });
    const failed = done.filter((r) => r.state !== 'done').length;
    latencies.sort((a, b) => a - b);
    const p = (q: number) =>
      latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))].toFixed(0);
    console.log(
      `drain parallel=${parallel}: ${recordings} recordings / ${chunkTotal} chunks in ${seconds.toFixed(2)} s = ${(recordings / seconds).toFixed(1)} rec/s, ${(chunkTotal / seconds).toFixed(0)} chunks/s; done after p50 ${p(0.5)} ms, p100 ${p(1)} ms; not done: ${failed}`,
    );
  }
} finally {
  await gateway.stop();
}
