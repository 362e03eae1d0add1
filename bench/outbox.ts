// Outbox figures: (1) durable appends per second of 1 s chunks (16,000 samples = 32 KB),
// each one a committed, fsynced transaction (WAL + synchronous=FULL); (2) the time to
// reopen an outbox holding 10,000 queued chunks and list what is to upload, with and
// without the open-time integrity check. A benchmark, not a test.
//   npx tsx bench/outbox.ts [--appends N] [--chunks N] [--dir DIR]
// --dir picks the file system to measure (default: the OS temp folder). fsync cost is
// a property of the disk: tmpfs makes it free, a laptop SSD makes it ~0.1-2 ms.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { boundedInt } from './bounded-int.js';
import { OutboxStore } from '../src-main/outbox/store.js';

const SAMPLES_PER_CHUNK = 16_000;
const CHUNKS_PER_RECORDING = 10;

const { values } = parseArgs({
  options: {
    appends: { type: 'string', default: '1000' },
    chunks: { type: 'string', default: '10000' },
    dir: { type: 'string', default: tmpdir() },
    reopens: { type: 'string', default: '5' },
  },
});

const appends = boundedInt(values.appends, 'appends', 10, 100_000);
const chunkTotal = boundedInt(values.chunks, 'chunks', CHUNKS_PER_RECORDING, 100_000);
const reopens = boundedInt(values.reopens, 'reopens', 1, 50);

function speechLike(seed: number): Int16Array {
  const pcm = new Int16Array(SAMPLES_PER_CHUNK);
  let x = seed * 2654435761;
  for (let i = 0; i < pcm.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0; // noise, so nothing compresses or dedupes
    pcm[i] = ((x >>> 16) % 16000) - 8000;
  }
  return pcm;
}

function fsType(dir: string): string {
  try {
    return execFileSync('df', ['-T', dir], { encoding: 'utf8' }).trim().split('\n').at(-1)!.split(/\s+/)[1];
  } catch {
    return 'unknown';
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function measureAppends(root: string): void {
  const dir = mkdtempSync(join(root, 'earshot-bench-append-'));
  try {
    const store = OutboxStore.open(dir);
    const pcm = speechLike(1);
    let recording = store.createRecording({ source: 'bench' });
    const latencies: number[] = [];
    const started = process.hrtime.bigint();
    for (let i = 0; i < appends; i++) {
      const index = i % 600;
      if (i > 0 && index === 0) {
        store.sealRecording(recording.id);
        recording = store.createRecording({ source: 'bench' }); // 10-minute recordings
      }
      const t0 = process.hrtime.bigint();
      store.appendChunk(recording.id, { index, pcm, startSample: index * SAMPLES_PER_CHUNK });
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    store.close();
    latencies.sort((a, b) => a - b);
    console.log(`durable appends of 1 s chunks (32 KB), ${appends} appends:`);
    console.log(
      `  ${(appends / seconds).toFixed(0)} appends/s = ${(appends / seconds).toFixed(0)}x real time, ${((appends * SAMPLES_PER_CHUNK * 2) / seconds / 1e6).toFixed(1)} MB/s`,
    );
    console.log(
      `  latency ms: p50 ${percentile(latencies, 50).toFixed(2)}  p99 ${percentile(latencies, 99).toFixed(2)}  max ${latencies.at(-1)!.toFixed(2)}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function measureReopen(root: string): void {
  const dir = mkdtempSync(join(root, 'earshot-bench-reopen-'));
  try {
    const fillStart = process.hrtime.bigint();
    const store = OutboxStore.open(dir);
    for (let r = 0; r < chunkTotal / CHUNKS_PER_RECORDING; r++) {
      const recording = store.createRecording({ source: `bench-${r}.wav` });
      for (let index = 0; index < CHUNKS_PER_RECORDING; index++) {
        store.appendChunk(recording.id, {
          index,
          pcm: speechLike(r * 100 + index),
          startSample: index * SAMPLES_PER_CHUNK,
        });
      }
      store.sealRecording(recording.id);
    }
    store.close();
    const fillSeconds = Number(process.hrtime.bigint() - fillStart) / 1e9;
    const size = statSync(join(dir, 'outbox.db')).size;
    console.log(
      `reopen with ${chunkTotal} queued chunks in ${chunkTotal / CHUNKS_PER_RECORDING} recordings (${(size / 1e6).toFixed(0)} MB file, filled durably in ${fillSeconds.toFixed(1)} s):`,
    );
    for (const integrityCheck of [false, true]) {
      const opens: number[] = [];
      const lists: number[] = [];
      for (let i = 0; i < reopens; i++) {
        const t0 = process.hrtime.bigint();
        const reopened = OutboxStore.open(dir, { integrityCheck });
        const t1 = process.hrtime.bigint();
        const queued = reopened.listUploadable();
        const t2 = process.hrtime.bigint();
        reopened.close();
        if (queued.reduce((n, r) => n + r.chunkCount, 0) !== chunkTotal)
          throw new Error('reopened outbox lost chunks');
        opens.push(Number(t1 - t0) / 1e6);
        lists.push(Number(t2 - t1) / 1e6);
      }
      opens.sort((a, b) => a - b);
      lists.sort((a, b) => a - b);
      console.log(
        `  open ${integrityCheck ? 'with quick_check of the metadata tables' : 'without any integrity check           '}: median ${percentile(opens, 50).toFixed(1)} ms (max ${opens.at(-1)!.toFixed(1)}); listUploadable median ${percentile(lists, 50).toFixed(1)} ms`,
      );
    }
    console.log('  (warm page cache: the file was just written; a cold disk adds read time for quick_check)');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`outbox bench in ${values.dir} (${fsType(values.dir)}), node ${process.version}`);
measureAppends(values.dir);
measureReopen(values.dir);
