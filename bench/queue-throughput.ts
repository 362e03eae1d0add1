// Queue throughput: how many chunks per second the in-process queue and its worker
// threads recognise when the engine costs almost nothing (synthetic, rtf 0.001: a 1 s
// chunk costs 1 ms). Starts the compiled gateway on 127.0.0.1, opens N sessions, each
// sends its chunks as fast as they are acked (not waiting for results), and counts
// chunk_result messages. Prints chunks recognised per second, first-result latency and
// the gateway's CPU (all its threads, from /proc). A benchmark, not a test.
// First, the queue alone (MemoryTaskQueue from dist/, no sockets) while the main thread
// spends a fixed time per event-loop turn, as WebSocket work does in the gateway: that
// shows whether workers idle waiting for the main thread.
//   npx tsx bench/queue-throughput.ts [--sessions 200] [--chunks 10] [--workers 2] [--rtf 0.001]
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import * as hdr from 'hdr-histogram-js';
import WebSocket from 'ws';
import { encodeWav } from '../src-shared/audio/wav.js';
import type { ServerMessage } from '../src-shared/protocol/messages.js';
import type { MemoryTaskQueue as Queue } from '../src-gateway/queue/memory/memory-queue.js';
import { REPO_ROOT, ensureBuilt } from '../test/helpers/build.js';
import { startGateway } from '../test/helpers/gateway.js';

const { values } = parseArgs({
  options: {
    sessions: { type: 'string', default: '200' },
    chunks: { type: 'string', default: '10' },
    workers: { type: 'string', default: '2' },
    rtf: { type: 'string', default: '0.001' },
  },
});

function bounded(raw: string | undefined, name: string, min: number, max: number): number {
  const value = Number(raw);
  if (!Number.isInteger(value * 1000) || value < min || value > max) {
    process.stderr.write(`queue-throughput: --${name} must be a number in [${min}, ${max}], got ${raw}\n`);
    process.exit(2);
  }
  return value;
}

const sessionCount = bounded(values.sessions, 'sessions', 1, 2_000);
const chunkCount = bounded(values.chunks, 'chunks', 1, 100);
const workers = bounded(values.workers, 'workers', 1, 16);
const rtf = bounded(values.rtf, 'rtf', 0, 1);
const RUN_TIMEOUT_MS = 180_000;
const CHUNK_SECONDS = 1;

const nowMs = () => performance.now();
const histogram = () =>
  hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000, numberOfSignificantValueDigits: 3 });
const firstResultMs = histogram();
const resultMs = histogram();
let lastAckAt = 0;

/** utime + stime of a process (all its threads) in ms, from /proc/PID/stat. */
function cpuMs(pid: number, statPath = `/proc/${pid}/stat`): number {
  const fields = readFileSync(statPath, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // USER_HZ is 100 on Linux
}

/** CPU ms of the gateway's main thread (tid = pid) and of all its other threads together. */
function threadCpuMs(pid: number): { main: number; others: number } {
  let main = 0;
  let others = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const ms = cpuMs(Number(tid), `/proc/${pid}/task/${tid}/stat`);
      if (Number(tid) === pid) main += ms;
      else others += ms;
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return { main, others };
}

/**
 * Run-queue wait of the gateway's main thread in ms (/proc/.../schedstat, 2nd field):
 * time it was ready to run but another process had the core. High = starved by the
 * machine, not limited by its own design.
 */
function mainRunQueueWaitMs(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e6;
  } catch {
    return NaN;
  }
}

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { perMessageDeflate: false });
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** One session: start, every chunk as soon as the previous one is acked, until all results are in. */
function runSession(socket: WebSocket, id: string, audio: string, runStartedAt: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const sentAt = new Map<number, number>();
    let results = 0;
    let next = 0;
    const sendNext = () => {
      if (next >= chunkCount) return;
      sentAt.set(next, nowMs());
      socket.send(JSON.stringify({ action: 'chunk', session_id: id, chunk_index: next, audio_data: audio }));
      next++;
    };
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as ServerMessage;
      // The start's ack sends chunk 0; each chunk's ack sends the next.
      if (message.type === 'ack') {
        lastAckAt = nowMs();
        sendNext();
      } else if (message.type === 'chunk_result') {
        const at = nowMs();
        resultMs.recordValue(Math.max(1, Math.round(at - (sentAt.get(message.chunk_index ?? -1) ?? at))));
        if (results === 0) firstResultMs.recordValue(Math.max(1, Math.round(at - runStartedAt)));
        if (++results === chunkCount) resolve(at);
      } else if (message.type === 'error')
        reject(new Error(`session ${id}: ${message.code}: ${message.message}`));
    });
    socket.once('close', () => reject(new Error(`session ${id}: closed early`)));
    socket.send(JSON.stringify({ action: 'start', session_id: id }));
  });
}

/** Tasks per second through the queue alone while every event-loop turn costs `busyMs`. */
async function queueAlone(busyMs: number, tasks: number): Promise<number> {
  const { MemoryTaskQueue } = (await import(
    pathToFileURL(join(REPO_ROOT, 'dist/src-gateway/queue/memory/memory-queue.js')).href
  )) as {
    MemoryTaskQueue: typeof Queue;
  };
  const queue = new MemoryTaskQueue({
    engine: 'synthetic',
    engineOptions: { synthetic: { realTimeFactor: rtf } },
    workers,
    maxBacklogSeconds: 1e9,
    gatewayId: 'bench',
  });
  await queue.start();
  let done = 0;
  let running = true;
  const burn = () => {
    const end = performance.now() + busyMs;
    while (performance.now() < end); // stands in for parsing and decoding WebSocket frames
    if (running) setImmediate(burn);
  };
  const startedAt = nowMs();
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('queue-alone run timed out')), 60_000);
    queue.onResult(() => {
      if (++done === tasks) {
        clearTimeout(timer);
        resolve();
      }
    });
    for (let i = 0; i < tasks; i++) {
      void queue.enqueue({
        taskId: `t${i}`,
        sessionId: 'bench',
        chunkIndex: i,
        pcm: new Int16Array(CHUNK_SECONDS * 16_000),
        audioSeconds: CHUNK_SECONDS,
        gatewayId: 'bench',
        enqueuedAt: Date.now(),
      });
    }
    if (busyMs > 0) setImmediate(burn);
  });
  running = false;
  const rate = (tasks / (nowMs() - startedAt)) * 1000;
  await queue.close();
  return rate;
}

async function main(): Promise<void> {
  await ensureBuilt();
  for (const busyMs of [0, 2, 5]) {
    const rate = await queueAlone(busyMs, 2_000);
    process.stdout.write(
      `queue alone, main thread busy ${busyMs} ms per loop turn: ${rate.toFixed(0)} chunks/s (${workers} workers, rtf ${rtf})\n`,
    );
  }
  const gateway = await startGateway([
    '--engine',
    'synthetic',
    '--workers',
    String(workers),
    '--synthetic-rtf',
    String(rtf),
    '--max-backlog-seconds',
    '100000',
    '--log-level',
    'warn',
  ]);
  const watchdog = setTimeout(() => {
    process.stderr.write('queue-throughput: run timed out\n');
    gateway.kill();
    process.exit(1);
  }, RUN_TIMEOUT_MS);
  try {
    const sockets: WebSocket[] = [];
    for (let opened = 0; opened < sessionCount; opened += 50) {
      sockets.push(
        ...(await Promise.all(
          Array.from({ length: Math.min(50, sessionCount - opened) }, () => open(gateway.url)),
        )),
      );
    }
    const audio = Buffer.from(encodeWav(new Int16Array(CHUNK_SECONDS * 16_000))).toString('base64');
    const cpuBefore = cpuMs(gateway.pid);
    const threadsBefore = threadCpuMs(gateway.pid);
    const waitBefore = mainRunQueueWaitMs(gateway.pid);
    const clientCpuBefore = process.cpuUsage();
    const runStartedAt = nowMs();
    const ends = await Promise.all(
      sockets.map((socket, i) => runSession(socket, `qt-${process.pid}-${i}`, audio, runStartedAt)),
    );
    const runMs = Math.max(...ends) - runStartedAt;
    const gatewayCpuMs = cpuMs(gateway.pid) - cpuBefore;
    const threadsAfter = threadCpuMs(gateway.pid);
    const clientCpu = process.cpuUsage(clientCpuBefore);
    const clientCpuMs = (clientCpu.user + clientCpu.system) / 1000;
    const mainCpuMs = threadsAfter.main - threadsBefore.main;
    const mainWaitMs = mainRunQueueWaitMs(gateway.pid) - waitBefore;
    const otherCpuMs = threadsAfter.others - threadsBefore.others;
    for (const socket of sockets) socket.terminate();
    // The gateway's own view: enqueue -> result back on the main thread (queue wait + engine).
    const metrics = await (await fetch(`${gateway.httpUrl}/metrics`)).text();
    const metric = (name: string) =>
      Number(metrics.match(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm'))?.[1]);
    const queueMeanMs = (metric('earshot_chunk_seconds_sum') / metric('earshot_chunk_seconds_count')) * 1000;

    const total = sessionCount * chunkCount;
    const fmt = (h: hdr.Histogram) =>
      `p50 ${h.getValueAtPercentile(50)} ms, p99 ${h.getValueAtPercentile(99)} ms, max ${h.maxValue} ms`;
    process.stdout.write(
      [
        `queue-throughput: ${sessionCount} sessions x ${chunkCount} chunks of ${CHUNK_SECONDS} s = ${total} chunks, ${workers} workers, synthetic rtf ${rtf}`,
        `chunks recognised/s    ${((total / runMs) * 1000).toFixed(0)} (all ${total} in ${(runMs / 1000).toFixed(2)} s)`,
        `all chunks acked after ${((lastAckAt - runStartedAt) / 1000).toFixed(2)} s (intake: ${((total / (lastAckAt - runStartedAt)) * 1000).toFixed(0)} chunks/s)`,
        `first chunk_result     ${fmt(firstResultMs)} (from the start of the run)`,
        `chunk sent -> result   ${fmt(resultMs)}`,
        `enqueue -> result      mean ${queueMeanMs.toFixed(0)} ms (gateway's earshot_chunk_seconds: queue wait + engine)`,
        `gateway CPU            ${gatewayCpuMs.toFixed(0)} ms = ${((gatewayCpuMs / runMs) * 100).toFixed(0)}% of one core, ${(gatewayCpuMs / total).toFixed(2)} ms per chunk`,
        `  main thread          ${((mainCpuMs / runMs) * 100).toFixed(0)}% of one core, waiting for a core ${((mainWaitMs / runMs) * 100).toFixed(0)}% of the time; other threads (workers, libuv, GC) ${((otherCpuMs / runMs) * 100).toFixed(0)}%`,
        `bench client CPU       ${((clientCpuMs / runMs) * 100).toFixed(0)}% of one core (if near 100%, the client is the limit)`,
        `machine load (1 min)   ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores (shared)`,
      ].join('\n') + '\n',
    );
  } finally {
    clearTimeout(watchdog);
    await gateway.stop();
  }
}

await main();
