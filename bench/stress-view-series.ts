// How much work the Stress view's live series cost per update, whatever the number of
// sessions: main sends one snapshot per second (counts, not per-session data), the store
// applies them at most 4x per second, and each update copies bounded columns. Prints the
// time per applied snapshot with full series (3600 points = one hour at 1/s).
//   npx tsx bench/stress-view-series.ts
import { appendSnapshot, emptySeries } from '../src-renderer/stores/stress.js';
import type { StressSnapshot } from '../src-shared/api/stress.js';

const MAX_POINTS = 3600;
const snapshot = (i: number): StressSnapshot => ({
  runId: 'bench',
  elapsedSec: i,
  phase: 'running',
  openConnections: 5000,
  peakConnections: 5000,
  inFlight: 4800,
  sessionsPerSec: 900,
  completedPerSec: 880,
  errorsPerSec: 3,
  attempted: i * 900,
  accepted: i * 897,
  completed: i * 880,
  timedOut: i,
  failed: i * 2,
  refused: { busy: i * 3 },
  outcomes: { ok: i * 880, busy: i * 3 },
  latencyMs: { p50: 420, p99: 1500 },
  runLatencyMs: {
    final: { count: 10, p50: 100, p90: 200, p99: 300, max: 400 },
    session: { count: 10, p50: 150, p90: 250, p99: 350, max: 450 },
  },
});

let series = emptySeries();
for (let i = 0; i < MAX_POINTS; i++) series = appendSnapshot(series, snapshot(i), MAX_POINTS);
const rounds = 2000;
const started = performance.now();
for (let i = 0; i < rounds; i++) series = appendSnapshot(series, snapshot(MAX_POINTS + i), MAX_POINTS);
const perUpdateMs = (performance.now() - started) / rounds;
console.log(
  `stress view series: ${perUpdateMs.toFixed(3)} ms per snapshot with ${MAX_POINTS} points x ${Object.keys(series).length} columns`,
);
console.log(
  `at 4 updates/s that is ${(perUpdateMs * 4).toFixed(2)} ms of main-thread work per second, independent of session count`,
);
