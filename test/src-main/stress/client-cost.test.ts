// What keeps the stress client cheap per session, checked as behaviour (the figures are in
// bench/stress-vs-artillery.ts): a run builds its audio payloads once, the open model sleeps
// until its next arrival instead of waking on a fixed step, JSON chunks are sent as bytes
// and still arrive as the protocol's text frames, and every report says the client's CPU
// per session.
import { copyFileSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWav } from '../../../src-shared/audio/wav.js';
import { loadStressAudio } from '../../../src-main/stress/audio.js';
import { runStress } from '../../../src-main/stress/engine.js';
import { ArrivalClock } from '../../../src-main/stress/load-model.js';
import { renderMarkdown } from '../../../src-main/stress/report-writers/markdown.js';
import { REPO_ROOT, ensureBuilt } from '../../helpers/build.js';
import { chunkFramesOf, startGateway, type TestGateway } from '../../helpers/gateway.js';

const AUDIO = join(REPO_ROOT, 'test', 'fixtures', 'short-01-rms.wav');

describe('audio payloads', () => {
  let scratch: string;
  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'earshot-stress-audio-'));
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('are built once per file and chunk length: the check before a run and the run share them', () => {
    const file = join(scratch, 'clip.wav');
    copyFileSync(AUDIO, file);
    const first = loadStressAudio(file, 1000);
    expect(loadStressAudio(file, 1000)).toBe(first);
    // Another chunk length cuts other payloads.
    const halves = loadStressAudio(file, 500);
    expect(halves).not.toBe(first);
    expect(halves.chunks.length).toBeGreaterThan(first.chunks.length);
  });

  it('are built again when the file changes', () => {
    const file = join(scratch, 'changing.wav');
    writeFileSync(file, encodeWav(new Int16Array(16_000).fill(1000)));
    const before = loadStressAudio(file, 1000);
    writeFileSync(file, encodeWav(new Int16Array(32_000).fill(1000)));
    // Same size or not, a new modification time is a new file.
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    const after = loadStressAudio(file, 1000);
    expect(after).not.toBe(before);
    expect(before.totalSeconds).toBe(1);
    expect(after.totalSeconds).toBe(2);
  });
});

describe('open model wake-ups', () => {
  it('says how long until this thread next owes an arrival', () => {
    const clock = new ArrivalClock();
    expect(clock.msUntilNext(0)).toBe(Infinity);
    expect(clock.msUntilNext(10)).toBeCloseTo(100, 6);
    expect(clock.due(10, 60)).toBe(0);
    expect(clock.msUntilNext(10)).toBeCloseTo(40, 6);
    expect(clock.due(10, 40)).toBe(1);
    expect(clock.msUntilNext(10)).toBeCloseTo(100, 6);
  });

  it('sleeping exactly that long launches one arrival per wake-up, on every thread', () => {
    const clocks = [new ArrivalClock(0, 2), new ArrivalClock(1, 2)];
    // Thread 0 takes arrivals 1, 3, 5...; thread 1 takes 2, 4, 6... (of the run's one sequence).
    expect(clocks[0]!.msUntilNext(20)).toBeCloseTo(50, 6);
    expect(clocks[1]!.msUntilNext(20)).toBeCloseTo(100, 6);
    for (const clock of clocks) {
      let launched = 0;
      for (let i = 0; i < 50; i++) launched += clock.due(20, clock.msUntilNext(20));
      expect(launched).toBe(50);
    }
  });
});

describe('a run against a gateway without binary frames', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    await ensureBuilt();
    gateway = await startGateway(['--synthetic-rtf', '0.01', '--log-level', 'warn', '--no-binary-audio']);
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it('sends JSON chunks the gateway takes, and reports the client CPU per session', async () => {
    const before = await chunkFramesOf(gateway);
    const report = await runStress({
      url: gateway.url,
      audioPath: AUDIO,
      threads: 1,
      concurrency: 3,
      durationMs: 1500,
      drainMs: 20_000,
    });
    expect(report.sessions.attempted).toBeGreaterThanOrEqual(3);
    expect(report.outcomes.ok).toBe(report.sessions.attempted);
    const after = await chunkFramesOf(gateway);
    expect(after.binary).toBe(before.binary);
    expect(after.json - before.json).toBe(report.traffic.chunks_acked);
    // The bytes counted are the frames' bytes: 3 chunks of base64 WAV per session and more.
    expect(report.traffic.bytes_sent).toBeGreaterThan(report.traffic.chunks_sent * 20_000);

    const cpuMs = report.rates.client_cpu_ms_per_session;
    expect(cpuMs).not.toBeNull();
    expect(cpuMs!).toBeGreaterThan(0);
    expect(cpuMs!).toBeCloseTo((report.resources.client.cpu_seconds! * 1000) / report.sessions.attempted, -1);
    expect(renderMarkdown(report)).toContain(`${cpuMs} ms per session`);
    expect(report.observations.join('\n')).toContain(`${cpuMs} ms of client CPU per session`);
  });
});
