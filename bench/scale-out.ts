// Scale-out benchmark, one run: chunks/s through a Redis-backed gateway with 1, 2 and 4
// workers (synthetic engine with a fixed per-chunk cost, so scaling shows even on 2
// cores: the cost is a wait, not CPU), and the gateway's ack latency (chunk sent -> ack
// received) with Redis vs the in-process queue under the same load. Everything runs on
// 127.0.0.1 against a private redis-server. A benchmark, not a test: it prints figures.
//   npx tsx bench/scale-out.ts [--chunks 240] [--sessions 8] [--cost-ms 50] [--chunk-seconds 1]
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { encodeWav } from '../src-shared/audio/wav.js';
import type { ServerMessage } from '../src-shared/protocol/messages.js';
import { ensureBuilt } from '../test/helpers/build.js';
import { startGateway, type TestGateway } from '../test/helpers/gateway.js';
import { startRedis } from '../test/helpers/redis.js';
import { startWorker, type TestWorker } from '../test/helpers/worker.js';

const { values } = parseArgs({
  options: {
    chunks: { type: 'string', default: '240' },
    sessions: { type: 'string', default: '8' },
    'cost-ms': { type: 'string', default: '50' },
    'chunk-seconds': { type: 'string', default: '1' },
  },
});
const totalChunks = bounded(values.chunks, 'chunks', 8, 5000);
const sessionCount = bounded(values.sessions, 'sessions', 1, 64);
const costMs = bounded(values['cost-ms'], 'cost-ms', 1, 1000);
const chunkSeconds = bounded(values['chunk-seconds'], 'chunk-seconds', 1, 15);
const WORKER_COUNTS = [1, 2, 4];
const RUN_TIMEOUT_MS = 180_000;

function bounded(text: string, name: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    console.error(`--${name} must be an integer from ${min} to ${max}, got "${text}"`);
    process.exit(2);
  }
  return value;
}

const audio = Buffer.from(
  encodeWav(new Int16Array(16_000 * chunkSeconds).map((_, i) => Math.round(800 * Math.sin(i / 7)))),
).toString('base64');

interface RunResult {
  chunks: number;
  seconds: number;
  chunksPerSecond: number;
  ackMs: number[];
}

/** `sessions` clients in parallel, each sends its share of chunks (next one once acked), then finish and waits for final_result. */
async function drive(url: string): Promise<RunResult> {
  const perSession = Math.ceil(totalChunks / sessionCount);
  const ackMs: number[] = [];
  const startedAt = performance.now();
  await Promise.all(
    Array.from(
      { length: sessionCount },
      () =>
        new Promise<void>((resolve, reject) => {
          const ws = new WebSocket(url);
          const id = randomUUID();
          let sentAt = 0;
          let index = 0;
          const timer = setTimeout(
            () => reject(new Error(`session ${id} did not finish within ${RUN_TIMEOUT_MS} ms`)),
            RUN_TIMEOUT_MS,
          );
          const sendNext = () => {
            if (index === perSession) {
              ws.send(JSON.stringify({ action: 'finish', session_id: id }));
              return;
            }
            sentAt = performance.now();
            ws.send(
              JSON.stringify({ action: 'chunk', session_id: id, chunk_index: index, audio_data: audio }),
            );
          };
          ws.on('open', () => ws.send(JSON.stringify({ action: 'start', session_id: id })));
          ws.on('message', (data) => {
            const m = JSON.parse(String(data)) as ServerMessage;
            if (m.type === 'ack' && m.status === 'session_started') sendNext();
            else if (m.type === 'ack' && m.status === 'received' && m.chunk_index === index) {
              ackMs.push(performance.now() - sentAt);
              index += 1;
              sendNext();
            } else if (m.type === 'final_result') {
              clearTimeout(timer);
              ws.close();
              if (m.partial) reject(new Error(`session ${id} ended partial`));
              else resolve();
            } else if (m.type === 'error') {
              clearTimeout(timer);
              ws.close();
              reject(new Error(`gateway error: ${m.message}`));
            }
          });
          ws.on('error', reject);
        }),
    ),
  );
  const seconds = (performance.now() - startedAt) / 1000;
  const chunks = perSession * sessionCount;
  return { chunks, seconds, chunksPerSecond: chunks / seconds, ackMs };
}

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

const fmt = (n: number, digits = 1) => n.toFixed(digits);
const syntheticArgs = [
  '--engine',
  'synthetic',
  '--synthetic-cost-ms',
  String(costMs),
  '--synthetic-rtf',
  '0',
];
const gatewayArgs = [
  '--log-level',
  'warn',
  '--max-backlog-seconds',
  '100000',
  '--merge-timeout-ms',
  String(RUN_TIMEOUT_MS),
];

await ensureBuilt();
const redis = await startRedis();
const admin = new Redis(redis.url);
const rows: { label: string; workers: number; result: RunResult }[] = [];
try {
  for (const count of WORKER_COUNTS) {
    await admin.flushall();
    const gateway = await startGateway(['--redis', redis.url, ...gatewayArgs], { skipBuild: true });
    const workers: TestWorker[] = [];
    try {
      for (let i = 0; i < count; i++)
        workers.push(await startWorker(redis.url, [...syntheticArgs, '--log-level', 'warn']));
      rows.push({ label: 'redis', workers: count, result: await drive(gateway.url) });
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
      await gateway.stop();
    }
  }
  const inProcess: TestGateway = await startGateway([...syntheticArgs, ...gatewayArgs, '--workers', '4'], {
    skipBuild: true,
  });
  try {
    rows.push({ label: 'in-process', workers: 4, result: await drive(inProcess.url) });
  } finally {
    await inProcess.stop();
  }
} finally {
  admin.disconnect();
  await redis.stop();
}

const base = rows[0].result.chunksPerSecond;
console.log(
  `\nscale-out: ${rows[0].result.chunks} chunks of ${chunkSeconds} s per run, ${sessionCount} sessions, synthetic cost ${costMs} ms/chunk`,
);
console.log(`ideal: ${fmt(1000 / costMs)} chunks/s per worker\n`);
console.log('queue       workers  chunks/s  x(1 worker)  ack p50 ms  ack p99 ms  ack max ms');
for (const { label, workers, result } of rows) {
  console.log(
    `${label.padEnd(11)} ${String(workers).padStart(7)}  ${fmt(result.chunksPerSecond).padStart(8)}  ${fmt(result.chunksPerSecond / base, 2).padStart(11)}` +
      `  ${fmt(percentile(result.ackMs, 50), 2).padStart(10)}  ${fmt(percentile(result.ackMs, 99), 2).padStart(10)}  ${fmt(Math.max(...result.ackMs), 2).padStart(10)}`,
  );
}
const redis4 = rows.find((r) => r.label === 'redis' && r.workers === 4)!.result;
const memory = rows.find((r) => r.label === 'in-process')!.result;
console.log(
  `\nscaling 1 -> 2 -> 4 workers: x${fmt(rows[1].result.chunksPerSecond / base, 2)}, x${fmt(redis4.chunksPerSecond / base, 2)}; ` +
    `ack p99 redis ${fmt(percentile(redis4.ackMs, 99), 2)} ms vs in-process ${fmt(percentile(memory.ackMs, 99), 2)} ms`,
);
