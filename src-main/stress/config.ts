// The engine's plan for one run: the shared configuration (src-shared/stress/config.ts,
// the one schema the CLI, the Stress view and the engine read) checked, with the defaults
// that depend on other fields filled in.
import {
  stressConfigSchema,
  type Pacing,
  type StressConfig,
  type StressConfigInput,
} from '../../src-shared/stress/config.js';
import { describeZodError, type DescribeOptions } from '../../src-shared/zod-error.js';

/** What the workers run: a checked config with every derived default resolved. */
export interface StressPlan extends StressConfig {
  model: 'closed' | 'open';
  concurrency: number;
  durationMs: number;
  drainMs: number;
  pacing: Pacing;
  reconnect: 'immediate' | 'backoff';
  threads: number;
}

/** Validates and fills every derived default; throws RangeError with a one-line reason. */
export function planStressRun(
  input: StressConfigInput,
  cpuCount: number,
  describe: DescribeOptions = {},
): StressPlan {
  const parsed = stressConfigSchema.safeParse(input);
  if (!parsed.success) throw new RangeError(describeZodError(parsed.error, describe));
  const config = parsed.data;
  // The CLI and the app fill these in (embedded gateway, bundled sample) before the engine runs.
  if (config.url === '') throw new RangeError('url: the engine needs the gateway URL to stress');
  if (config.audioPath === '') throw new RangeError('audioPath: the engine needs the audio file to send');
  // Stages without -c are arrival-rate targets (open model); with -c they ramp sessions in flight.
  const model =
    config.ratePerSecond !== undefined || (config.stages.length > 0 && config.concurrency === undefined)
      ? 'open'
      : 'closed';
  if (model === 'open' && config.mode !== 'short')
    throw new RangeError(
      `the open model (--rate / --stage without -c) works with --mode short only, not ${config.mode}`,
    );
  const stagesMs = config.stages.reduce((sum, stage) => sum + stage.durationMs, 0);
  const durationMs = config.durationMs ?? stagesMs;
  const defaultConcurrency = config.mode === 'long' ? 2 : 10;
  const concurrency =
    config.concurrency ??
    (model === 'closed'
      ? Math.max(1, Math.ceil(Math.max(defaultConcurrency, ...config.stages.map((s) => s.target))))
      : 0);
  // Long streams and storms must be in flight when things happen, so they pace at real time.
  const pacing = config.pacing ?? (config.mode === 'short' ? 'ack' : 'realtime');
  return {
    ...config,
    model,
    concurrency,
    durationMs,
    drainMs: config.drainMs ?? Math.min(config.finalTimeoutMs + config.ackTimeoutMs, 10 * 60_000),
    pacing,
    reconnect: config.reconnect ?? 'immediate',
    threads: config.threads ?? Math.max(1, cpuCount - 1),
  };
}
