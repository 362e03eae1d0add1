// The cost of live text while speaking (docs/protocol.md, "Extensions": provisional). N
// dictations at once, each through the real main-side path (DictationService with the real
// chunker and Silero, a SQLite outbox, the Uploader, LivePreviews), fed fixture speech in
// 200 ms batches at the pace a microphone delivers it, into a gateway process with the
// moonshine engine on 127.0.0.1; once with live text off, once on. Prints, per run: the
// gateway's CPU seconds per second of dictation (from /proc/PID/stat, over the whole run),
// the latency of real chunks (chunk stored -> its result stored: what a user waits for the
// real text), and the provisional requests by outcome with the recognizer time they took
// (from the gateway's /metrics). A benchmark, not a test: it prints figures.
//   npx tsx bench/provisional-cost.ts [--dictations 1,4,8] [--seconds 30] [--workers 2]
// Needs the compiled gateway (dist/) and the models (scripts/setup.sh).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { boundedInt } from './bounded-int.js';
import { loadSpeechDetectors } from '../src-main/audio/speech-detector.js';
import { OutboxStore } from '../src-main/outbox/store.js';
import { DictationService } from '../src-main/services/dictation-service.js';
import { LivePreviews, Uploader } from '../src-main/upload/index.js';
import { startGateway, type TestGateway } from '../test/helpers/gateway.js';
import { concatPcm, fliteFixtures, readPcm } from '../test/helpers/speech-fixtures.js';

const RATE = 16_000;
const BATCH = RATE / 5; // 200 ms, like the renderer's batcher

const { values } = parseArgs({
  options: {
    dictations: { type: 'string', default: '1,4,8' },
    seconds: { type: 'string', default: '30' },
    workers: { type: 'string', default: '2' },
  },
});
const counts = values.dictations.split(',').map((n) => boundedInt(n, 'dictations', 1, 32));
const seconds = boundedInt(values.seconds, 'seconds', 5, 600);
const workers = boundedInt(values.workers, 'workers', 1, 16);

/** The short fixture sentences with a 1.2 s pause after each, as one loop a microphone plays. */
const loop = concatPcm(
  fliteFixtures()
    .filter((f) => f.file.startsWith('short-'))
    .flatMap((f) => [readPcm(f), new Int16Array(Math.round(1.2 * RATE))]),
);

/** utime + stime of a process in seconds, from /proc/PID/stat (clock ticks of 10 ms). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function provisionalMetrics(
  gateway: TestGateway,
): Promise<{ outcomes: string; engineSeconds: number }> {
  const text = await (await fetch(`${gateway.httpUrl}/metrics`)).text();
  const outcomes = [...text.matchAll(/^earshot_provisional_requests_total\{outcome="([^"]+)"\} (\S+)$/gm)]
    .map(([, outcome, n]) => `${outcome} ${n}`)
    .join(', ');
  const engine = /^earshot_provisional_engine_seconds_total (\S+)$/m.exec(text);
  return { outcomes: outcomes || 'none', engineSeconds: engine ? Number(engine[1]) : 0 };
}

interface RunFigures {
  dictations: number;
  liveText: boolean;
  cpuPerDictationSecond: number;
  chunks: number;
  latency: { p50: number; p95: number; max: number };
  previewsSent: number;
  previewTexts: number;
  provisional: { outcomes: string; engineSeconds: number };
}

async function run(dictations: number, liveText: boolean): Promise<RunFigures> {
  const gateway = await startGateway(
    ['--engine', 'moonshine', '--workers', String(workers), '--log-level', 'warn'],
    {
      timeoutMs: 120_000,
    },
  );
  const detectors = await loadSpeechDetectors();
  const dirs: string[] = [];
  const latencies: number[] = [];
  const sessions = Array.from({ length: dictations }, (_, i) => {
    const dir = mkdtempSync(join(tmpdir(), 'earshot-provisional-bench-'));
    dirs.push(dir);
    const store = OutboxStore.open(dir);
    const previews = new LivePreviews();
    const uploader = new Uploader({ store, urls: [gateway.url], previews, pollIntervalMs: 200 });
    const storedAt = new Map<number, number>();
    store.on('change', (recordingId, what) => {
      if (what === 'chunk') storedAt.set(store.getRecording(recordingId)!.chunkCount - 1, performance.now());
    });
    const dictation = new DictationService(
      store,
      () => ({ chunkMinSec: 1, chunkMaxSec: 15, userId: '', pasteIntoFocusedApp: false, liveText }),
      (event, payload) => {
        if (event !== 'dictation.chunk_result') return;
        const at = storedAt.get((payload as { chunkIndex: number }).chunkIndex);
        if (at !== undefined) latencies.push(performance.now() - at);
      },
      (source, message) => console.error(`dictation ${i}: ${source}: ${message}`),
      detectors,
      undefined,
      { previews },
    );
    // Each microphone starts at another place of the loop, so the pauses do not line up.
    return { store, previews, uploader, dictation, offset: Math.floor((loop.length / dictations) * i) };
  });
  for (const s of sessions) s.uploader.start();

  const cpuBefore = cpuSeconds(gateway.pid);
  const started = sessions.map((s) => ({ ...s, ...s.dictation.start({}) }));
  const batches = Math.round((seconds * RATE) / BATCH);
  const t0 = performance.now();
  for (let b = 0; b < batches; b++) {
    for (const s of started) {
      const pcm = new Int16Array(BATCH);
      for (let k = 0; k < BATCH; k++) pcm[k] = loop[(s.offset + b * BATCH + k) % loop.length];
      s.dictation.pushAudio({ dictationId: s.dictationId, seq: b, pcm });
    }
    // Real time, without drift: batch b is due at b * 200 ms.
    const due = t0 + (b + 1) * 200 - performance.now();
    if (due > 0) await new Promise((resolve) => setTimeout(resolve, due));
  }
  await Promise.all(started.map((s) => s.dictation.stop(s.dictationId)));
  await Promise.all(started.map((s) => s.uploader.waitFor([Number(s.recordingId)], 120_000)));
  const cpu = cpuSeconds(gateway.pid) - cpuBefore;
  const provisional = await provisionalMetrics(gateway);

  for (const s of sessions) {
    await s.uploader.stop();
    await s.dictation.close();
    s.store.close();
  }
  await gateway.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  latencies.sort((a, b) => a - b);
  return {
    dictations,
    liveText,
    cpuPerDictationSecond: cpu / (dictations * seconds),
    chunks: latencies.length,
    latency: { p50: percentile(latencies, 50), p95: percentile(latencies, 95), max: latencies.at(-1) ?? NaN },
    previewsSent: sessions.reduce((n, s) => n + s.previews.counts.sent, 0),
    previewTexts: sessions.reduce((n, s) => n + s.previews.counts.texts, 0),
    provisional,
  };
}

console.log(
  `provisional-cost: moonshine, ${workers} worker(s), ${seconds} s of fixture speech per dictation, real-time pace`,
);
console.log(
  'dictations  live text  gateway CPU s / dictation s  real chunks  result latency p50 / p95 / max (ms)  previews sent -> texts  provisional at the gateway (recognizer s)',
);
for (const n of counts) {
  for (const liveText of [false, true]) {
    const r = await run(n, liveText);
    console.log(
      [
        String(r.dictations).padStart(10),
        (r.liveText ? 'on' : 'off').padStart(10),
        r.cpuPerDictationSecond.toFixed(3).padStart(28),
        String(r.chunks).padStart(12),
        `${r.latency.p50.toFixed(0)} / ${r.latency.p95.toFixed(0)} / ${r.latency.max.toFixed(0)}`.padStart(
          37,
        ),
        `${r.previewsSent} -> ${r.previewTexts}`.padStart(23),
        `  ${r.provisional.outcomes} (${r.provisional.engineSeconds.toFixed(1)} s)`,
      ].join(' '),
    );
  }
}
