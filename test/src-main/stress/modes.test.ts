// The stress modes other than `short`, each against a real gateway: storms drop every
// connection and resume the sessions, zombies hold idle connections, long streams loop
// the audio and finish gracefully at the end of the run, mixed adds bursts.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runStress } from '../../../src-main/stress/engine.js';
import { REPO_ROOT, ensureBuilt } from '../../helpers/build.js';
import { chunkFramesOf, startGateway, type TestGateway } from '../../helpers/gateway.js';

const AUDIO = join(REPO_ROOT, 'test', 'fixtures', 'short-01-rms.wav');
let gateway: TestGateway;

beforeAll(async () => {
  await ensureBuilt();
  gateway = await startGateway(['--synthetic-rtf', '0.01', '--log-level', 'warn']);
});
afterAll(async () => {
  await gateway?.stop();
});

const common = () => ({ url: gateway.url, audioPath: AUDIO, threads: 1, drainMs: 20_000 });

describe('stress modes', () => {
  it('storm: every connection drops at once, reconnects, and resumes its session to completion', async () => {
    const before = await chunkFramesOf(gateway);
    const report = await runStress({
      ...common(),
      mode: 'storm',
      concurrency: 6,
      durationMs: 4000,
      everyMs: 1500,
    });
    expect(report.traffic.storm_drops).toBeGreaterThan(0);
    expect(report.traffic.resumed).toBe(report.traffic.storm_drops);
    expect(report.traffic.comeback_lost).toBe(0);
    // Every connection attempt is a session's first, a comeback, or a comeback tried again.
    expect(report.connections.attempts).toBe(
      report.sessions.attempted + report.traffic.storm_drops + report.traffic.comeback_retries,
    );
    expect(report.outcomes.ok).toBe(report.sessions.ended);
    expect(report.sessions.ended).toBeGreaterThanOrEqual(6);
    // Its audio went as binary frames (extension binary_audio), on every connection: each
    // comeback got a new stream handle with its resumed ack.
    const after = await chunkFramesOf(gateway);
    expect(after.json).toBe(before.json);
    expect(after.binary - before.binary).toBeGreaterThanOrEqual(Math.max(1, report.traffic.chunks_acked));
  });

  it('zombie: idle connections that only answer pings are held to the end', async () => {
    const report = await runStress({ ...common(), mode: 'zombie', concurrency: 8, durationMs: 1500 });
    expect(report.connections.peak).toBe(8);
    expect(report.sessions.started).toBe(0);
    expect(report.traffic.chunks_sent).toBe(0);
    expect(report.outcomes.ok).toBe(8);
  });

  it('long: a stream loops the audio past its length and finishes when the run ends', async () => {
    const report = await runStress({
      ...common(),
      mode: 'long',
      concurrency: 2,
      durationMs: 4500,
      streamMs: 60_000,
    });
    // 2.8 s of audio at real time for 4.5 s: the stream went past one pass of the file.
    expect(report.traffic.chunks_sent).toBeGreaterThan(2 * report.config.audio_chunks);
    expect(report.sessions.completed).toBe(2);
    expect(report.outcomes.ok).toBe(2);
  });

  it('mixed: a long stream plus bursts of short sessions', async () => {
    const report = await runStress({
      ...common(),
      mode: 'mixed',
      concurrency: 5,
      longStreams: 1,
      everyMs: 1000,
      durationMs: 2500,
    });
    expect(report.sessions.attempted).toBeGreaterThanOrEqual(1 + 2 * 5);
    expect(report.outcomes.ok).toBe(report.sessions.ended);
  });

  it('open model: arrivals follow the rate, ramped by stages, with no retries', async () => {
    const report = await runStress({ ...common(), stages: [{ durationMs: 2000, target: 20 }] });
    // A linear ramp 0 -> 20/s over 2 s owes 20 arrivals, counted in run time up to its end.
    expect(report.config.model).toBe('open');
    expect(report.sessions.attempted).toBe(20);
    expect(report.outcomes.ok).toBe(report.sessions.attempted);
  });

  it('open model: a constant rate over two threads starts exactly rate x duration sessions', async () => {
    // Timers on a busy machine fire late; the count must not follow them (30/s for 1.5 s is 45).
    const report = await runStress({ ...common(), threads: 2, ratePerSecond: 30, durationMs: 1500 });
    expect(report.sessions.attempted).toBe(45);
    expect(report.outcomes.ok).toBe(45);
  });
});
