// Storm mode's reconnect policies against a gateway that sheds the comeback burst
// (docs/stress.md, "Reconnect storms"). The real gateway holds its event loop 300 ms on
// every upgrade it takes (test hook --test-upgrade-stall-ms, a storm's cost at small
// numbers) and, while behind, takes one upgrade a second and refuses the rest with 503 +
// Retry-After. Both policies must bring every dropped session back, resumed: `immediate`
// (all in the same instant, then exactly when told) and `backoff` (jittered, never
// sooner than told). No timing is asserted beyond what Retry-After itself guarantees.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runStress } from '../../../src-main/stress/engine.js';
import { REPO_ROOT, ensureBuilt } from '../../helpers/build.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';

const AUDIO = join(REPO_ROOT, 'test', 'fixtures', 'short-01-rms.wav');
let gateway: TestGateway;

beforeAll(async () => {
  await ensureBuilt();
  gateway = await startGateway([
    ...['--synthetic-rtf', '0.01', '--log-level', 'warn'],
    ...['--test-upgrade-stall-ms', '300', '--shed-lag-ms', '50', '--shed-allowance', '1'],
  ]);
});
afterAll(async () => {
  await gateway?.stop();
});

describe.each(['immediate', 'backoff'] as const)('a storm with --reconnect %s', (reconnect) => {
  it('brings every dropped session back, resumed, through the 503s of a shedding gateway', async () => {
    const report = await runStress({
      url: gateway.url,
      audioPath: AUDIO,
      threads: 1,
      mode: 'storm',
      reconnect,
      // One new session every 0.75 s (no two connects collide), all four streaming when
      // the storm cuts them at 3.2 s; the next storm would come after the run.
      concurrency: 4,
      stages: [{ durationMs: 3000, target: 4 }],
      durationMs: 4500,
      everyMs: 3200,
      drainMs: 60_000,
      backoffBaseMs: 250,
      seed: 11,
    });
    const { traffic } = report;
    expect(report.config.reconnect).toBe(reconnect);
    expect(traffic.storm_drops).toBeGreaterThan(0);
    // The comeback burst was shed, and nobody gave up: each refused comeback tried again...
    expect(traffic.comebacks_refused).toBeGreaterThan(0);
    expect(traffic.comeback_retries).toBeGreaterThanOrEqual(traffic.comebacks_refused);
    // ...honouring Retry-After (whole seconds): a refused comeback took at least 1 s.
    expect(report.latency_ms.comeback.max).toBeGreaterThanOrEqual(1000);
    // ...and came back to the session it had: resumed, none started afresh, none lost.
    expect(traffic.resumed).toBe(traffic.storm_drops);
    expect(traffic.comeback_restarted).toBe(0);
    expect(traffic.comeback_lost).toBe(0);
    // New sessions told 503 + Retry-After at their first connect wait at the door and come
    // back as told: every session completed.
    expect(report.outcomes.ok).toBe(report.sessions.ended);
    expect(report.outcomes.ok).toBeGreaterThanOrEqual(3);
    // The report says so, and carries the gateway's loop lag (these stalls are in it).
    expect(report.observations.join(' ')).toMatch(/Every session the storm dropped came back/);
    expect(report.gateway_event_loop_lag?.samples).toBeGreaterThan(0);
    expect(report.gateway_event_loop_lag?.p99_ms).toBeGreaterThan(200);
  });
});
