// Gateway capacity: N concurrent sessions (default 1000) on the synthetic engine against
// a gateway process this script starts on 127.0.0.1. Prints connections held, ack
// latency (start ack and chunk ack) p50/p99 from HDR histograms, final-result latency,
// errors by code, and the gateway's RSS per held connection (from /proc/PID/status).
// A benchmark, not a test: it prints figures.
//   npx tsx bench/gateway-capacity.ts [--sessions 1000] [--chunks 2] [--chunk-seconds 1]
//        [--workers 2] [--rtf 0.001] [--open-parallel 100]
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import * as hdr from 'hdr-histogram-js';
import WebSocket from 'ws';
import { encodeWav } from '../src-shared/audio/wav.js';
import { Backoff } from '../src-shared/backoff.js';
import { ensureBuilt } from '../test/helpers/build.js';
import { startGateway } from '../test/helpers/gateway.js';
import { processCpuMs, rssKb } from './gateway-stats.js';

const { values } = parseArgs({
  options: {
    sessions: { type: 'string', default: '1000' },
    chunks: { type: 'string', default: '2' },
    'chunk-seconds': { type: 'string', default: '1' },
    workers: { type: 'string', default: '2' },
    rtf: { type: 'string', default: '0.001' },
    'open-parallel': { type: 'string', default: '100' },
  },
});

function bounded(raw: string | undefined, name: string, min: number, max: number): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) {
    process.stderr.write(`gateway-capacity: --${name} must be a number in [${min}, ${max}], got ${raw}\n`);
    process.exit(2);
  }
  return value;
}

const sessionCount = bounded(values.sessions, 'sessions', 1, 10_000);
const chunkCount = bounded(values.chunks, 'chunks', 0, 20);
const chunkSeconds = bounded(values['chunk-seconds'], 'chunk-seconds', 0.1, 15);
const workers = bounded(values.workers, 'workers', 1, 16);
const rtf = bounded(values.rtf, 'rtf', 0, 2);
const openParallel = bounded(values['open-parallel'], 'open-parallel', 1, 1000);
const RUN_TIMEOUT_MS = 300_000;

const histogram = () =>
  hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 600_000_000,
    numberOfSignificantValueDigits: 3,
  });
const connectUs = histogram();
const startAckUs = histogram();
const chunkAckUs = histogram();
const finalUs = histogram();
const busyRetryUs = histogram();
const MAX_BUSY_RETRIES = 50;
const errors = new Map<string, number>();
const countError = (kind: string) => errors.set(kind, (errors.get(kind) ?? 0) + 1);
const nowUs = () => Number(process.hrtime.bigint() / 1000n);

type Pending = {
  resolve: (m: Record<string, unknown>) => void;
  match: (m: Record<string, unknown>) => boolean;
};

class BenchSession {
  private waiters: Pending[] = [];
  constructor(
    readonly socket: WebSocket,
    readonly id: string,
  ) {
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as Record<string, unknown>;
      if (message.type === 'error') countError(`error:${String(message.code)}`);
      const index = this.waiters.findIndex((w) => w.match(message));
      if (index >= 0) this.waiters.splice(index, 1)[0].resolve(message);
    });
    socket.on('close', () => {
      for (const waiter of this.waiters.splice(0)) waiter.resolve({ type: 'closed' });
    });
  }
  expect(match: (m: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
    return new Promise((resolve) => this.waiters.push({ resolve, match }));
  }
}

function connect(url: string): Promise<WebSocket | undefined> {
  const startedAt = nowUs();
  return new Promise((resolve) => {
    const socket = new WebSocket(url, { perMessageDeflate: false });
    socket.once('open', () => {
      connectUs.recordValue(Math.max(1, nowUs() - startedAt));
      resolve(socket);
    });
    socket.once('error', (error) => {
      countError(`connect:${(error as NodeJS.ErrnoException).code ?? error.message}`);
      resolve(undefined);
    });
  });
}

async function runSession(session: BenchSession, audio: string): Promise<boolean> {
  const { socket, id } = session;
  let t = nowUs();
  const started = session.expect((m) => m.type === 'ack' || m.type === 'error' || m.type === 'closed');
  socket.send(JSON.stringify({ action: 'start', session_id: id }));
  if ((await started).type !== 'ack') return false;
  startAckUs.recordValue(Math.max(1, nowUs() - t));
  for (let index = 0; index < chunkCount; index++) {
    // Like a real client: `busy` means come back after retry_after_ms (bounded attempts).
    let acked = false;
    const backoff = new Backoff({ baseMs: 250, capMs: 10_000 });
    for (let attempt = 0; attempt < MAX_BUSY_RETRIES && !acked; attempt++) {
      t = nowUs();
      const reply = session.expect(
        (m) => (m.chunk_index === index && (m.type === 'ack' || m.type === 'error')) || m.type === 'closed',
      );
      socket.send(JSON.stringify({ action: 'chunk', session_id: id, chunk_index: index, audio_data: audio }));
      const answer = await reply;
      if (answer.type === 'ack') {
        chunkAckUs.recordValue(Math.max(1, nowUs() - t));
        acked = true;
      } else if (answer.type === 'error' && answer.code === 'busy') {
        busyRetryUs.recordValue(Math.max(1, Number(answer.retry_after_ms) * 1000));
        // retry_after_ms is a floor; full jitter on top, as every Earshot client does.
        await new Promise((r) => setTimeout(r, backoff.next(Number(answer.retry_after_ms))));
      } else return false;
    }
    if (!acked) return false;
  }
  t = nowUs();
  const final = session.expect((m) => m.type === 'final_result' || m.type === 'closed');
  socket.send(JSON.stringify({ action: 'finish', session_id: id }));
  const result = await final;
  if (result.type !== 'final_result') return false;
  if (result.partial) countError('final:partial');
  finalUs.recordValue(Math.max(1, nowUs() - t));
  return true;
}

const ms = (us: number) => (us / 1000).toFixed(2);
const line = (name: string, h: hdr.Histogram) =>
  `${name.padEnd(22)} n=${String(h.totalCount).padStart(6)}  p50=${ms(h.getValueAtPercentile(50)).padStart(8)} ms  p99=${ms(h.getValueAtPercentile(99)).padStart(8)} ms  max=${ms(h.maxValue).padStart(8)} ms`;

async function main(): Promise<void> {
  await ensureBuilt();
  const gateway = await startGateway([
    '--workers',
    String(workers),
    '--synthetic-rtf',
    String(rtf),
    '--log-level',
    'warn',
  ]);
  const watchdog = setTimeout(() => {
    process.stderr.write('gateway-capacity: run timed out\n');
    gateway.kill();
    process.exit(1);
  }, RUN_TIMEOUT_MS);
  try {
    await new Promise((r) => setTimeout(r, 500));
    const rssBase = rssKb(gateway.pid);
    const openStartedAt = Date.now();
    const sockets: WebSocket[] = [];
    for (let opened = 0; opened < sessionCount; opened += openParallel) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(openParallel, sessionCount - opened) }, () => connect(gateway.url)),
      );
      for (const socket of batch) if (socket) sockets.push(socket);
    }
    const openMs = Date.now() - openStartedAt;
    await new Promise((r) => setTimeout(r, 500));
    const health = (await (await fetch(`${gateway.httpUrl}/api/v1/health`)).json()) as {
      connections: number;
    };
    const rssHeld = rssKb(gateway.pid);

    const audio = Buffer.from(encodeWav(new Int16Array(Math.round(chunkSeconds * 16_000)))).toString(
      'base64',
    );
    const runStartedAt = Date.now();
    const cpuBefore = processCpuMs(gateway.pid);
    const outcomes = await Promise.all(
      sockets.map((socket, i) => runSession(new BenchSession(socket, `bench-${process.pid}-${i}`), audio)),
    );
    const runMs = Date.now() - runStartedAt;
    const rssAfter = rssKb(gateway.pid);
    const gatewayCpuMs = processCpuMs(gateway.pid) - cpuBefore;
    const completed = outcomes.filter(Boolean).length;
    await Promise.all(
      sockets.map(
        (socket) =>
          new Promise<void>((resolve) =>
            socket.readyState === WebSocket.OPEN
              ? (socket.once('close', () => resolve()), socket.close())
              : resolve(),
          ),
      ),
    );

    const perConnKb = (rssHeld - rssBase) / Math.max(1, sockets.length);
    const report = [
      `gateway-capacity: ${sessionCount} sessions x ${chunkCount} chunks of ${chunkSeconds} s, ${workers} workers, synthetic rtf ${rtf}`,
      `connections held        ${health.connections} / ${sessionCount} (opened in ${openMs} ms, ${openParallel} at a time)`,
      line('connect', connectUs),
      line('start ack', startAckUs),
      line('chunk ack', chunkAckUs),
      line('finish -> final', finalUs),
      line('busy retry_after', busyRetryUs),
      `sessions completed      ${completed} / ${sockets.length} in ${runMs} ms (${((completed * chunkCount) / (runMs / 1000)).toFixed(0)} chunks/s)`,
      `errors                  ${errors.size ? [...errors].map(([k, v]) => `${k}=${v}`).join(', ') : 'none'} (busy refusals were retried after retry_after_ms)`,
      `gateway CPU during run  ${gatewayCpuMs.toFixed(0)} ms (all threads) = ${(gatewayCpuMs / Math.max(1, completed)).toFixed(2)} ms per session; machine load ${loadavg()[0].toFixed(1)}`,
      `gateway RSS             idle ${(rssBase / 1024).toFixed(1)} MiB, holding ${sockets.length} connections ${(rssHeld / 1024).toFixed(1)} MiB, after the run ${(rssAfter / 1024).toFixed(1)} MiB`,
      `RSS per held connection ${perConnKb.toFixed(1)} KiB`,
    ];
    process.stdout.write(`${report.join('\n')}\n`);
  } finally {
    clearTimeout(watchdog);
    await gateway.stop();
  }
}

await main();
