// Stress mode through the web API: a short closed-model run against a real synthetic
// gateway on loopback, per-second snapshots as events, the run state, and the report in
// md, json and html. The engine runs in worker threads of the host (compiled dist/).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventPayload } from '../../../src-shared/api/contract.js';
import { ensureBuilt } from '../../helpers/build.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { nextEvent, startWebFixture, type WebFixture } from './web-fixture.js';

let gateway: TestGateway;
let fx: WebFixture;

beforeAll(async () => {
  await ensureBuilt();
  gateway = await startGateway(['--engine', 'synthetic', '--synthetic-cost-ms', '20']);
  fx = await startWebFixture({ gatewayUrl: gateway.url });
});

afterAll(async () => {
  await fx?.close();
  await gateway?.stop();
});

describe('stress through the API', () => {
  it('rejects an invalid config at the field', async () => {
    await expect(fx.api.call('stress.start', { concurrency: 0, durationMs: 2000 })).rejects.toMatchObject({
      code: 'bad_input',
      message: expect.stringContaining('concurrency'),
    });
    await expect(fx.api.call('stress.report', { format: 'md' })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('runs, streams snapshots, finishes, and exports the report', async () => {
    const snapshots: EventPayload<'stress.snapshot'>[] = [];
    fx.api.on('stress.snapshot', (s) => snapshots.push(s));
    const finished = nextEvent<EventPayload<'stress.state'>>(
      (l) => fx.api.on('stress.state', l),
      (s) => s.state === 'finished' || s.state === 'failed',
      90_000,
    );
    const { runId } = await fx.api.call('stress.start', { concurrency: 3, durationMs: 3000, mode: 'short' });
    await expect(fx.api.call('stress.start', { concurrency: 1, durationMs: 1000 })).rejects.toMatchObject({
      code: 'conflict',
    });
    const end = await finished;
    expect(end).toMatchObject({ state: 'finished', runId, reportReady: true });
    expect(snapshots.length).toBeGreaterThanOrEqual(2);
    expect(snapshots.every((s) => s.runId === runId)).toBe(true);
    const last = snapshots.at(-1)!;
    expect(last.completed).toBeGreaterThan(0);
    expect(last.outcomes.ok).toBe(last.completed);
    expect(last.peakConnections).toBeGreaterThanOrEqual(1);
    expect(last.peakConnections).toBeLessThanOrEqual(3);

    const json = JSON.parse((await fx.api.call('stress.report', { runId, format: 'json' })).content);
    expect(json.sessions.completed).toBe(last.completed);
    expect(json.config.url).toBe(gateway.url);
    const md = await fx.api.call('stress.report', { format: 'md' });
    expect(md.filename).toMatch(/\.md$/);
    expect(md.content).toMatch(/^# /m);
    const html = await fx.api.call('stress.report', { runId, format: 'html' });
    expect(html.content).toMatch(/<html/i);
    expect((await fx.api.call('stress.status', {})).state).toBe('finished');
  });

  it('stops a run on request', async () => {
    const stopped = nextEvent<EventPayload<'stress.state'>>(
      (l) => fx.api.on('stress.state', l),
      (s) => s.state === 'finished' || s.state === 'failed',
      90_000,
    );
    await fx.api.call('stress.start', { concurrency: 2, durationMs: 120_000 });
    await nextEvent<EventPayload<'stress.snapshot'>>((l) => fx.api.on('stress.snapshot', l));
    expect(await fx.api.call('stress.stop', {})).toEqual({ stopped: true });
    const end = await stopped;
    expect(end.state).toBe('finished');
    expect(end.last!.elapsedSec).toBeLessThan(120);
    expect(await fx.api.call('stress.stop', {})).toEqual({ stopped: false });
  });
});

describe('stress against the embedded gateway', () => {
  it('uses the gateway on this computer when no URL is given, and watches its process', async () => {
    const local = await startWebFixture();
    try {
      const embedded = local.services.gateway.embeddedStatus();
      expect(embedded.state).toBe('running');
      const finished = nextEvent<EventPayload<'stress.state'>>(
        (l) => local.api.on('stress.state', l),
        (s) => s.state === 'finished' || s.state === 'failed',
        90_000,
      );
      await local.api.call('stress.start', { concurrency: 2, durationMs: 2000 });
      expect((await finished).state).toBe('finished');
      const report = JSON.parse((await local.api.call('stress.report', { format: 'json' })).content);
      expect(report.config.url).toBe(embedded.url);
      expect(report.environment.gateway_watch).toMatch(new RegExp(`${local.services.gateway.embeddedPid}`));
      expect(report.sessions.completed).toBeGreaterThan(0);
    } finally {
      await local.close();
    }
  });
});
