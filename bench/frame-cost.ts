// Gateway CPU per chunk: base64 JSON chunks vs binary audio frames (extension binary_audio,
// docs/protocol.md). For each encoding, starts the compiled gateway on 127.0.0.1 (synthetic
// engine at a tiny real-time factor, so recognition costs nearly nothing and the main thread
// is what is measured), starts N sessions, then sends each session's 1 s chunks as fast as
// they are acked until every chunk has its result. Prints, per chunk: the CPU of the
// gateway's main thread and of its other threads (/proc/PID/task/*/stat), the bytes on the
// wire, and the event-loop lag the gateway itself reports (health, last 5 s window).
// Encodings alternate over --rounds, each on a fresh gateway.
//
// Then, in this process without sockets, what reading one chunk costs per encoding (frame
// decode + audio read, the gateway's own functions) and what a JSON header in front of a
// binary frame would have cost instead of the fixed 12-byte header.
//
// --cpu-prof runs each gateway under `node --cpu-prof` and prints where its main thread's
// time went during the chunk phase (self time by function, top 12).
//   npx tsx bench/frame-cost.ts [--sessions 100] [--chunks 20] [--rounds 2] [--cpu-prof]
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { readPayload } from '../src-gateway/server/chunk-audio.js';
import { encodeWav } from '../src-shared/audio/wav.js';
import { decodeBinaryFrame, encodeBinaryFrame } from '../src-shared/protocol/binary-frame.js';
import { decodeClientMessage } from '../src-shared/protocol/codec.js';
import type { ServerMessage } from '../src-shared/protocol/messages.js';
import { ensureBuilt } from '../test/helpers/build.js';
import { startGateway } from '../test/helpers/gateway.js';
import { lagNow, threadCpuMs } from './gateway-stats.js';

const { values } = parseArgs({
  options: {
    sessions: { type: 'string', default: '100' },
    chunks: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '2' },
    'cpu-prof': { type: 'boolean', default: false },
  },
});

function bounded(raw: string | undefined, name: string, min: number, max: number): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    process.stderr.write(`frame-cost: --${name} must be an integer in [${min}, ${max}], got ${raw}\n`);
    process.exit(2);
  }
  return value;
}

const sessionCount = bounded(values.sessions, 'sessions', 1, 2_000);
const chunkCount = bounded(values.chunks, 'chunks', 1, 200);
const rounds = bounded(values.rounds, 'rounds', 1, 10);
const profile = values['cpu-prof'];
const RUN_TIMEOUT_MS = 300_000;

type Encoding = 'json' | 'binary';

// 1 s of a tone, the chunk every session sends: base64 WAV for JSON, raw PCM for binary.
const samples = new Int16Array(16_000);
for (let i = 0; i < samples.length; i++) samples[i] = Math.round(4000 * Math.sin(i / 11));
const wav = encodeWav(samples);
const wavBase64 = Buffer.from(wav).toString('base64');
const pcm = wav.slice(44);

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { perMessageDeflate: false });
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
  });
}

interface Session {
  socket: WebSocket;
  id: string;
  stream?: number;
}

/** Starts a session; resolves with its stream handle when binary frames were asked for and given. */
function start(socket: WebSocket, id: string, encoding: Encoding): Promise<Session> {
  return new Promise((resolve, reject) => {
    socket.once('message', (data) => {
      const message = JSON.parse(String(data)) as ServerMessage;
      if (message.type !== 'ack') return reject(new Error(`start of ${id}: ${JSON.stringify(message)}`));
      if (encoding === 'binary' && message.stream === undefined)
        return reject(new Error('the gateway gave no stream handle'));
      resolve({ socket, id, stream: message.stream });
    });
    const binary = encoding === 'binary' ? ',"binary_audio":true' : '';
    // Declared, so admission reserves it: the chunks are never refused at the door.
    socket.send(`{"action":"start","session_id":"${id}","expected_seconds":${chunkCount}${binary}}`);
  });
}

/** Sends every chunk, each once the previous one is acked; resolves when every result is in. */
function sendChunks(session: Session, encoding: Encoding, bytes: { sent: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    let next = 0;
    let results = 0;
    const sendNext = () => {
      if (next >= chunkCount) return;
      if (encoding === 'binary') {
        const frame = encodeBinaryFrame(
          { stream: session.stream!, chunkIndex: next, provisional: false },
          pcm,
        );
        bytes.sent += frame.byteLength;
        session.socket.send(frame, { binary: true });
      } else {
        // Built by hand around the shared payload, as the stress engine does.
        const text = `{"action":"chunk","session_id":"${session.id}","chunk_index":${next},"audio_data":"${wavBase64}"}`;
        bytes.sent += text.length;
        session.socket.send(text);
      }
      next++;
    };
    session.socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as ServerMessage;
      if (message.type === 'ack') sendNext();
      else if (message.type === 'chunk_result') {
        if (++results === chunkCount) resolve();
      } else if (message.type === 'error')
        reject(new Error(`session ${session.id}: ${message.code}: ${message.message}`));
    });
    sendNext();
  });
}

interface RoundResult {
  encoding: Encoding;
  chunks: number;
  mainCpuMs: number;
  otherCpuMs: number;
  wallMs: number;
  bytesPerChunk: number;
  lagP99Ms: number;
  lagMaxMs: number;
  profile?: string[];
}

async function round(encoding: Encoding, index: number): Promise<RoundResult> {
  const profileDir = profile ? mkdtempSync(join(tmpdir(), 'earshot-frame-cost-')) : undefined;
  const gateway = await startGateway(
    [
      '--workers',
      '2',
      '--synthetic-rtf',
      '0.001',
      '--max-queue-wait-ms',
      '0',
      // Admission is not the subject: a starved worker on a shared machine must not refuse chunks.
      '--max-backlog-seconds',
      '1000000',
      '--log-level',
      'warn',
    ],
    {
      skipBuild: true,
      ...(profileDir ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] } : {}),
    },
  );
  const sockets: WebSocket[] = [];
  try {
    for (let i = 0; i < sessionCount; i++) sockets.push(await open(gateway.url));
    const sessions = await Promise.all(
      sockets.map((socket, i) => start(socket, `fc-${process.pid}-${index}-${i}`, encoding)),
    );
    // Lag is read from the gateway's own window (5 s): poll once a second, keep the worst.
    let lagP99 = 0;
    let lagMax = 0;
    const poll = setInterval(() => {
      void lagNow(gateway.httpUrl).then(
        (lag) => {
          lagP99 = Math.max(lagP99, lag.p99);
          lagMax = Math.max(lagMax, lag.max);
        },
        () => undefined,
      );
    }, 1000);
    const bytes = { sent: 0 };
    const cpuBefore = threadCpuMs(gateway.pid);
    const startedAt = performance.now();
    const phaseStartUs = process.hrtime.bigint() / 1000n;
    await Promise.all(sessions.map((session) => sendChunks(session, encoding, bytes)));
    const phaseEndUs = process.hrtime.bigint() / 1000n;
    const wallMs = performance.now() - startedAt;
    const cpuAfter = threadCpuMs(gateway.pid);
    clearInterval(poll);
    // The window that saw the end of the phase (a short phase may not fill one).
    await new Promise((resolve) => setTimeout(resolve, 5_500));
    const last = await lagNow(gateway.httpUrl);
    const chunks = sessionCount * chunkCount;
    for (const socket of sockets) socket.terminate();
    await gateway.stop();
    return {
      encoding,
      chunks,
      mainCpuMs: cpuAfter.main - cpuBefore.main,
      otherCpuMs: cpuAfter.others - cpuBefore.others,
      wallMs,
      bytesPerChunk: bytes.sent / chunks,
      lagP99Ms: Math.max(lagP99, last.p99),
      lagMaxMs: Math.max(lagMax, last.max),
      ...(profileDir ? { profile: summariseProfile(profileDir, gateway.pid, phaseStartUs, phaseEndUs) } : {}),
    };
  } finally {
    for (const socket of sockets) socket.terminate();
    await gateway.stop().catch(() => undefined);
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  }
}

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/**
 * Self time by function of the main thread's profile, within the chunk phase (the profile's
 * clock and process.hrtime are both CLOCK_MONOTONIC on Linux; all samples if none match).
 */
function summariseProfile(dir: string, pid: number, fromUs: bigint, toUs: bigint): string[] {
  // Node names profiles CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile; thread 0 is main.
  const file = readdirSync(dir).find((name) => name.includes(`.${pid}.0.`));
  if (!file) return ['(no main-thread profile written)'];
  const cpu = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
  const byId = new Map(cpu.nodes.map((node) => [node.id, node.callFrame]));
  const inPhase = (at: number) => at >= Number(fromUs) && at <= Number(toUs);
  const times: number[] = [];
  let at = cpu.startTime;
  for (const delta of cpu.timeDeltas) times.push((at += delta));
  const windowed = times.some(inPhase);
  const self = new Map<string, number>();
  let total = 0;
  cpu.samples.forEach((id, i) => {
    if (windowed && !inPhase(times[i]!)) return;
    const frame = byId.get(id);
    const name = frame?.functionName || '(anonymous)';
    if (name === '(idle)' || name === '(program)') return;
    const where = frame?.url ? `${basename(frame.url)}:${frame.lineNumber + 1}` : '';
    const key = `${name} ${where}`.trim();
    const weight = cpu.timeDeltas[i + 1] ?? 0;
    self.set(key, (self.get(key) ?? 0) + weight);
    total += weight;
  });
  const lines = [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 12)
    .map(([key, us]) => `    ${((100 * us) / total).toFixed(1).padStart(5)}%  ${key}`);
  return [
    `  main-thread profile (${windowed ? 'chunk phase' : 'whole run'}, ${(total / 1000).toFixed(0)} ms busy):`,
    ...lines,
  ];
}

/** µs per call of `work`, best of 5 batches (this process, no sockets). */
function microseconds(work: (i: number) => void, iterations: number): number {
  let best = Infinity;
  for (let batch = 0; batch < 5; batch++) {
    const begin = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) work(i);
    best = Math.min(best, Number(process.hrtime.bigint() - begin) / 1000 / iterations);
  }
  return best;
}

function readingCosts(): string[] {
  const id = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
  const jsonChunk = `{"action":"chunk","session_id":"${id}","chunk_index":7,"audio_data":"${wavBase64}"}`;
  const binaryChunk = encodeBinaryFrame({ stream: 1, chunkIndex: 7, provisional: false }, pcm);
  const jsonHeader = `{"action":"chunk","session_id":"${id}","chunk_index":7,"audio_data":""}`;
  const features = ['provisional', 'binary_audio'] as const;
  const jsonRead = microseconds(() => {
    const decoded = decodeClientMessage(jsonChunk, false, { features });
    if (!decoded.ok || decoded.message.action !== 'chunk') throw new Error('bad chunk');
    if (!readPayload({ base64: decoded.message.audio_data }).ok) throw new Error('bad audio');
  }, 2_000);
  const binaryRead = microseconds(() => {
    const decoded = decodeBinaryFrame(binaryChunk);
    if (!decoded.ok || !readPayload({ pcm: decoded.pcm }).ok) throw new Error('bad frame');
  }, 20_000);
  const fixedHeader = microseconds(() => {
    if (!decodeBinaryFrame(binaryChunk).ok) throw new Error('bad frame');
  }, 200_000);
  const headerOnly = microseconds(() => {
    if (!decodeClientMessage(jsonHeader, false, { features }).ok) throw new Error('bad header');
  }, 50_000);
  return [
    'reading one 1 s chunk in this process (frame decode + audio read, no sockets):',
    `  json  (JSON.parse + schema + strict base64 + decode): ${jsonRead.toFixed(1)} µs`,
    `  binary (12-byte header + PCM copy):                   ${binaryRead.toFixed(1)} µs`,
    'header choice for binary frames (the header alone):',
    `  fixed 12-byte header:                                 ${fixedHeader.toFixed(2)} µs`,
    `  JSON header message (parse + schema), before a 2nd frame: ${headerOnly.toFixed(2)} µs`,
  ];
}

async function main(): Promise<void> {
  await ensureBuilt();
  const timer = setTimeout(() => {
    process.stderr.write('frame-cost: run timed out\n');
    process.exit(1);
  }, RUN_TIMEOUT_MS);
  const load = loadavg()[0]!.toFixed(1);
  process.stdout.write(
    `frame-cost: ${sessionCount} sessions x ${chunkCount} chunks of 1 s, ${rounds} round(s) per encoding, load ${load}\n`,
  );
  const results: RoundResult[] = [];
  for (let r = 0; r < rounds; r++)
    for (const encoding of r % 2 === 0 ? (['json', 'binary'] as const) : (['binary', 'json'] as const))
      results.push(await round(encoding, r));
  for (const result of results) {
    const perChunk = (ms: number) => ((1000 * ms) / result.chunks).toFixed(0).padStart(5);
    process.stdout.write(
      `${result.encoding.padEnd(6)} main thread ${perChunk(result.mainCpuMs)} µs/chunk, other threads ${perChunk(result.otherCpuMs)} µs/chunk, ` +
        `${(result.chunks / (result.wallMs / 1000)).toFixed(0)} chunks/s, ${(result.bytesPerChunk / 1024).toFixed(1)} KiB/chunk, ` +
        `lag p99 ${result.lagP99Ms.toFixed(1)} ms (max ${result.lagMaxMs.toFixed(1)} ms)\n`,
    );
    for (const line of result.profile ?? []) process.stdout.write(`${line}\n`);
  }
  process.stdout.write(`${readingCosts().join('\n')}\n`);
  process.stdout.write(`load average after: ${loadavg()[0]!.toFixed(1)}\n`);
  clearTimeout(timer);
}

await main();
