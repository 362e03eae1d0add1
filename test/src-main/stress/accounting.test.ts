// The stress engine's accounting against real sockets on loopback: a real gateway with
// a connection cap, a closed port, and a server that never sends final_result. The
// engine runs its worker threads from dist/, so the build comes first.
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { attemptSchedule, createRng } from '../../../src-shared/backoff.js';
import type { StressSnapshot } from '../../../src-shared/api/stress.js';
import { toApiSnapshot } from '../../../src-main/services/stress-service.js';
import { runStress } from '../../../src-main/stress/engine.js';
import { slotSeed } from '../../../src-main/stress/load-model.js';
import { REPO_ROOT, ensureBuilt } from '../../helpers/build.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';

const AUDIO = join(REPO_ROOT, 'test', 'fixtures', 'short-01-rms.wav');

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Exact upper bound of attempts for a seeded closed-model run whose every attempt fails. */
function seededAttemptBound(
  seed: number,
  slots: number,
  windowMs: number,
  baseMs: number,
  capMs: number,
): number {
  let total = 0;
  for (let slot = 0; slot < slots; slot++) {
    total += attemptSchedule(windowMs, { baseMs, capMs, rng: createRng(slotSeed(seed, 0, slot)) }).length;
  }
  return total;
}

beforeAll(async () => {
  await ensureBuilt();
});

describe('a gateway capped at 100 connections, 500 clients', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startGateway([
      '--max-connections',
      '100',
      '--synthetic-rtf',
      '0.01',
      '--log-level',
      'warn',
    ]);
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  // The cap answers 503 with Retry-After: the clients beyond it wait at the door and come
  // back when told (as real clients do), so none of them is lost, and none spins.
  it('peaks at 100 open connections, the rest wait at the door after 503 + Retry-After, and back off', async () => {
    const durationMs = 8000;
    const baseMs = 250;
    const capMs = 30_000;
    let last: StressSnapshot | undefined;
    const report = await runStress(
      {
        url: gateway.url,
        concurrency: 500,
        durationMs,
        drainMs: 30_000,
        audioPath: AUDIO,
        threads: 1,
        backoffBaseMs: baseMs,
        backoffCapMs: capMs,
        seed: 7,
        gatewayPid: gateway.pid,
      },
      { onSnapshot: (second, run) => (last = toApiSnapshot('run', second, run)) },
    );
    expect(report.connections.peak).toBe(100);
    expect(report.traffic.upgrades_deferred).toBeGreaterThan(0);
    // Told to come back, then let in: a door wait, not a failure (give-up is 120 s).
    expect(report.outcomes.rejected).toBe(0);
    expect(report.latency_ms.door_wait.count).toBeGreaterThan(0);
    expect(report.outcomes.refused).toBe(0);
    expect(report.outcomes.ok).toBeGreaterThanOrEqual(100);
    // Every session ends in one class, and every attempt is one session.
    const ended = Object.values(report.outcomes).reduce((a, b) => a + b, 0);
    expect(ended).toBe(report.sessions.attempted);
    // The Stress view's "Attempted" counts sessions as the report does, not the connection
    // attempts the door waits added.
    expect(report.connections.attempts).toBeGreaterThan(report.sessions.attempted);
    expect(last?.attempted).toBe(report.sessions.attempted);
    // Bounded by the backoff. The seed's client made ~7.4 attempts per client per second;
    // full jitter from 250 ms doubling makes a failing slot's attempts grow with log(time):
    // on average 6 in 8 s, so even slots reset by a success stay far below 2 per second.
    expect(report.connections.attempts / 500 / (durationMs / 1000)).toBeLessThan(2);
    expect(report.observations.join(' ')).toMatch(
      /stopped at 100 .* upgrades were told to come back later \(503 with Retry-After\): a connection cap\?/,
    );
  });
});

describe('a gateway on loopback, watched through its /metrics', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startGateway(['--synthetic-rtf', '0.01', '--log-level', 'warn']);
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  // No pid given: one scrape a second gives its CPU and memory and its event-loop lag.
  it('reports its CPU, memory and event-loop lag from the same scrape', async () => {
    const report = await runStress({
      url: gateway.url,
      concurrency: 2,
      durationMs: 2500,
      audioPath: AUDIO,
      threads: 1,
    });
    expect(report.outcomes.ok).toBe(report.sessions.ended);
    expect(report.environment.gateway_watch).toBe(
      gateway.url.replace(/^ws:/, 'http:').replace(/\/ws\/asr$/, '/metrics'),
    );
    expect(report.resources.gateway?.rss_mb_peak).toBeGreaterThan(0);
    expect(report.timeseries.some((second) => second.gateway_rss_mb !== null)).toBe(true);
    expect(report.gateway_event_loop_lag?.samples).toBeGreaterThan(0);
    expect(report.gateway_event_loop_lag?.scrapes_failed).toBe(0);
  });
});

describe('a closed port', () => {
  it('counts every attempt as refused, and the attempts stay within the seeded backoff schedule', async () => {
    const port = await closedPort();
    const durationMs = 3000;
    const report = await runStress({
      url: `ws://127.0.0.1:${port}/ws/asr`,
      concurrency: 20,
      durationMs,
      audioPath: AUDIO,
      threads: 1,
      backoffBaseMs: 100,
      backoffCapMs: 2000,
      seed: 3,
    });
    expect(report.outcomes.refused).toBe(report.sessions.attempted);
    expect(report.sessions.started).toBe(0);
    expect(report.connections.peak).toBe(0);
    expect(report.sessions.attempted).toBeGreaterThanOrEqual(20);
    expect(report.connections.attempts).toBe(report.sessions.attempted);
    expect(report.connections.attempts).toBeLessThanOrEqual(seededAttemptBound(3, 20, durationMs, 100, 2000));
    expect(report.observations.join(' ')).toMatch(/Every attempt was refused/);
  });
});

describe('a server that acks but never sends final_result', () => {
  // Not a gateway: a tiny ws server written here, because the real gateway always
  // answers `finish` (with a partial final after its merge timeout). The last test
  // switches it to answer `finish` with such a partial final.
  let wss: WebSocketServer;
  let answerFinish = false;
  let url: string;
  beforeAll(async () => {
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    url = `ws://127.0.0.1:${(wss.address() as { port: number }).port}/ws/asr`;
    wss.on('connection', (socket) => {
      socket.on('message', (raw) => {
        const message = JSON.parse(String(raw)) as {
          action: string;
          session_id: string;
          chunk_index?: number;
        };
        if (message.action === 'start')
          socket.send(
            JSON.stringify({
              type: 'ack',
              status: 'session_started',
              session_id: message.session_id,
              chunk_index: 0,
            }),
          );
        if (message.action === 'chunk')
          socket.send(
            JSON.stringify({
              type: 'ack',
              status: 'received',
              session_id: message.session_id,
              chunk_index: message.chunk_index,
            }),
          );
        if (message.action === 'finish' && answerFinish)
          socket.send(
            JSON.stringify({ type: 'final_result', session_id: message.session_id, text: '', partial: true }),
          );
      });
    });
  });
  afterAll(async () => {
    for (const client of wss.clients) client.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  });

  it('ends every session as timeout (final)', async () => {
    const report = await runStress({
      url,
      concurrency: 5,
      durationMs: 1500,
      finalTimeoutMs: 1000,
      audioPath: AUDIO,
      threads: 1,
    });
    expect(report.sessions.attempted).toBeGreaterThanOrEqual(5);
    expect(report.outcomes.timeout).toBe(report.sessions.attempted);
    expect(report.outcome_details.timeout).toEqual({ final: report.sessions.attempted });
    expect(report.sessions.started).toBe(report.sessions.attempted);
    expect(report.sessions.completed).toBe(0);
    expect(report.traffic.chunks_acked).toBe(report.traffic.chunks_sent);
  });

  it('counts final_results with partial:true as completed, and partial', async () => {
    answerFinish = true;
    const report = await runStress({ url, concurrency: 3, durationMs: 1000, audioPath: AUDIO, threads: 1 });
    expect(report.sessions.completed).toBe(report.sessions.attempted);
    expect(report.sessions.completed_partial).toBe(report.sessions.completed);
    expect(report.observations.join(' ')).toMatch(/final_results were partial/);
  });
});
