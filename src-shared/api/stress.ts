// Stress mode in the API: a run's request (src-shared/stress/config.ts), state and
// per-second snapshots, and its report.
import { z } from 'zod';
import { stressRunRequestSchema } from '../stress/config.js';
import { THRESHOLD_OPERATORS } from '../stress/thresholds.js';
import { emptyInput, idSchema, textFileSchema, timestampSchema } from './common.js';

/** One second's latency to final result, as the engine measures it per second (p50, p99). */
export const secondLatencySchema = z.object({
  p50: z.number().nonnegative(),
  p99: z.number().nonnegative(),
});

/** A latency over the whole run so far, from the merged histograms (count 0: none yet). */
export const runLatencySchema = z.object({
  count: z.number().int().nonnegative(),
  p50: z.number().nonnegative(),
  p90: z.number().nonnegative(),
  p99: z.number().nonnegative(),
  max: z.number().nonnegative(),
});
export type RunLatencySummary = z.infer<typeof runLatencySchema>;

/** One second of the run, for the live charts; main sends at most a few per second. */
export const stressSnapshotSchema = z.object({
  runId: idSchema,
  elapsedSec: z.number().nonnegative(),
  phase: z.enum(['running', 'draining', 'done']),
  openConnections: z.number().int().nonnegative(),
  peakConnections: z.number().int().nonnegative(),
  inFlight: z.number().int().nonnegative(),
  /** Sessions begun in this second. */
  sessionsPerSec: z.number().nonnegative(),
  completedPerSec: z.number().nonnegative(),
  errorsPerSec: z.number().nonnegative(),
  /** Cumulative totals so far. */
  attempted: z.number().int().nonnegative(),
  accepted: z.number().int().nonnegative(),
  completed: z.number().int().nonnegative(),
  timedOut: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  /** Refusals by reason so far (busy, rejected:503, refused, ...). */
  refused: z.record(z.string(), z.number().int().nonnegative()),
  /** Every outcome class so far (ok, busy, timeout, closed_early, ...). */
  outcomes: z.record(z.string(), z.number().int().nonnegative()),
  /** Time from `finish` to final_result in this second, milliseconds; null when no session got its final in this second. */
  latencyMs: secondLatencySchema.nullable(),
  /**
   * The run so far, from the merged histograms: `final` is `finish` -> final_result,
   * `session` is connect begun -> final_result (what a user waits). The report's figures.
   */
  runLatencyMs: z.object({ final: runLatencySchema, session: runLatencySchema }),
});
export type StressSnapshot = z.infer<typeof stressSnapshotSchema>;

/** A threshold of the finished run: its expression, the measured value, and whether it held. */
export const thresholdResultSchema = z.object({
  expression: z.string(),
  metric: z.string(),
  operator: z.enum(THRESHOLD_OPERATORS),
  limit: z.number(),
  value: z.number(),
  passed: z.boolean(),
});
export type ThresholdResultView = z.infer<typeof thresholdResultSchema>;

export const STRESS_RUN_STATES = ['idle', 'starting', 'running', 'stopping', 'finished', 'failed'] as const;
export const stressRunStatusSchema = z.object({
  state: z.enum(STRESS_RUN_STATES),
  runId: idSchema.optional(),
  config: stressRunRequestSchema.optional(),
  startedAt: timestampSchema.optional(),
  last: stressSnapshotSchema.optional(),
  error: z.string().optional(),
  /** true once a report can be exported. */
  reportReady: z.boolean(),
  /** The run's thresholds as evaluated at its end (the report's), once it has finished. */
  thresholds: z.array(thresholdResultSchema).optional(),
});
export type StressRunStatus = z.infer<typeof stressRunStatusSchema>;

export const REPORT_FORMATS = ['md', 'json', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export const stressCalls = {
  // Stress mode (QA). The engine runs in main's worker threads.
  'stress.start': { input: stressRunRequestSchema, output: z.object({ runId: idSchema }) },
  'stress.stop': { input: emptyInput, output: z.object({ stopped: z.boolean() }) },
  'stress.status': { input: emptyInput, output: stressRunStatusSchema },
  /** Every snapshot of the current (or last) run, oldest first: the charts after a reload. */
  'stress.series': {
    input: emptyInput,
    output: z.object({ runId: idSchema.optional(), snapshots: z.array(stressSnapshotSchema) }),
  },
  'stress.report': {
    input: z.object({ runId: idSchema.optional(), format: z.enum(REPORT_FORMATS) }).strict(),
    output: textFileSchema,
  },
} as const;

export const stressEvents = {
  'stress.snapshot': stressSnapshotSchema,
  'stress.state': stressRunStatusSchema,
} as const;
