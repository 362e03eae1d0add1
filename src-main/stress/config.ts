// The stress run's configuration: one zod schema shared by the CLI, the desktop app's
// Stress view and the worker threads, plus parsers for the human forms of its values
// ("30s", "2m", "30s:100", "10/s"). Every value is checked here once, with a one-line
// reason, so the engine never meets a half-valid config.
import { z } from 'zod';

export const STRESS_MODES = ['short', 'long', 'storm', 'zombie', 'mixed'] as const;
export type StressMode = (typeof STRESS_MODES)[number];

export const PACING = ['realtime', 'ack'] as const;
export type Pacing = (typeof PACING)[number];

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "30s", "1.5m", "250ms", "2h", or a bare number of seconds -> milliseconds. */
export function parseDuration(text: string, what = 'duration'): number {
  const match = DURATION.exec(text.trim());
  if (!match) throw new RangeError(`${what} "${text}" is not a duration like 30s, 2m, 500ms or 1h`);
  const ms = Number(match[1]) * UNIT_MS[match[2] ?? 's'];
  if (!Number.isFinite(ms)) throw new RangeError(`${what} "${text}" is too large`);
  return Math.round(ms);
}

/** "10", "10/s", "600/m" -> arrivals per second. */
export function parseRate(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(?:\/(s|m))?$/.exec(text.trim());
  if (!match) throw new RangeError(`rate "${text}" is not a rate like 50, 50/s or 600/m`);
  const perSecond = Number(match[1]) / (match[2] === 'm' ? 60 : 1);
  if (perSecond <= 0) throw new RangeError(`rate "${text}" must be above 0`);
  return perSecond;
}

export const stageSchema = z.object({
  durationMs: z.number().int().positive('a stage lasts more than 0 ms'),
  /** Arrivals per second (open model) or sessions in flight (closed model) at the stage's end. */
  target: z.number().nonnegative('a stage target is >= 0'),
});
export type Stage = z.infer<typeof stageSchema>;

/** "30s:100" -> reach 100 over 30 s (linear ramp from the previous stage's target). */
export function parseStage(text: string): Stage {
  const [duration, target, extra] = text.split(':');
  if (duration === undefined || target === undefined || extra !== undefined) {
    throw new RangeError(`stage "${text}" is not DURATION:TARGET like 30s:100`);
  }
  const value = Number(target.replace(/\/s$/, ''));
  if (!Number.isFinite(value) || value < 0)
    throw new RangeError(`stage "${text}": target must be a number >= 0`);
  return { durationMs: parseDuration(duration, `stage "${text}" duration`), target: value };
}

const positiveMs = (what: string) =>
  z.number().int(`${what} must be whole ms`).positive(`${what} must be > 0`);

export const stressConfigSchema = z
  .object({
    url: z.string().regex(/^wss?:\/\/[^\s]+$/, 'url must be a ws:// or wss:// URL'),
    mode: z.enum(STRESS_MODES).default('short'),
    /** Closed model: sessions in flight. */
    concurrency: z.number().int().min(1, 'concurrency must be >= 1').max(100_000).optional(),
    /** Open model: arrivals per second. */
    ratePerSecond: z.number().positive().max(100_000).optional(),
    stages: z.array(stageSchema).max(100).default([]),
    durationMs: positiveMs('duration')
      .max(24 * 3_600_000)
      .optional(),
    drainMs: z.number().int().min(0).max(3_600_000).optional(),
    /** PCM16 mono 16 kHz samples of the audio every session sends (already loaded). */
    audioPath: z.string().min(1),
    chunkMs: positiveMs('chunk length').min(100).max(15_000).default(1000),
    pacing: z.enum(PACING).optional(),
    threads: z.number().int().min(1).max(64).optional(),
    connectTimeoutMs: positiveMs('connect timeout').default(10_000),
    ackTimeoutMs: positiveMs('ack timeout').default(10_000),
    finalTimeoutMs: positiveMs('final timeout').default(120_000),
    busyGiveUpMs: positiveMs('busy give-up time').default(120_000),
    backoffBaseMs: positiveMs('backoff base').default(250),
    backoffCapMs: positiveMs('backoff cap').default(30_000),
    /** long / mixed: how long one stream lasts (looping the audio). */
    streamMs: positiveMs('stream length').default(30 * 60_000),
    /** mixed: long streams that run beside the bursts. */
    longStreams: z.number().int().min(0).max(1000).default(1),
    /** storm and mixed: period of the drop-everything (storm) or the burst (mixed). */
    everyMs: positiveMs('period').default(10_000),
    token: z.string().min(1).optional(),
    /** Gateway on this machine: sample its CPU and RSS by pid (else from /metrics when loopback). */
    gatewayPid: z.number().int().positive().optional(),
    seed: z.number().int().optional(),
  })
  .superRefine((config, ctx) => {
    const models = [config.concurrency !== undefined, config.ratePerSecond !== undefined].filter(
      Boolean,
    ).length;
    if (models > 1)
      ctx.addIssue({
        code: 'custom',
        message: 'choose one load model: -c N (closed) or --rate R (open), not both',
      });
    if (config.mode !== 'short' && config.ratePerSecond !== undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `--rate (open model) works with --mode short only, not ${config.mode}`,
      });
    }
    if (config.durationMs === undefined && config.stages.length === 0) {
      ctx.addIssue({ code: 'custom', message: 'give a duration (-d 30s) or ramp stages (--stage 30s:100)' });
    }
    if (config.backoffCapMs < config.backoffBaseMs) {
      ctx.addIssue({ code: 'custom', message: 'backoff cap must be >= backoff base' });
    }
    let host = '';
    try {
      host = new URL(config.url).hostname;
    } catch {
      ctx.addIssue({ code: 'custom', message: `url "${config.url}" is not a valid URL` });
    }
    // Load only ever goes to this machine (docs/architecture.md, "Rules").
    if (host && !['127.0.0.1', 'localhost', '[::1]', '::1'].includes(host)) {
      ctx.addIssue({
        code: 'custom',
        message: `stress traffic goes to loopback only (127.0.0.1/localhost), not ${host}`,
      });
    }
  });

export type StressConfigInput = z.input<typeof stressConfigSchema>;
export type StressConfig = z.output<typeof stressConfigSchema>;

/** The resolved plan: defaults that depend on other fields filled in. */
export interface ResolvedStressConfig extends StressConfig {
  model: 'closed' | 'open';
  concurrency: number;
  durationMs: number;
  drainMs: number;
  pacing: Pacing;
  threads: number;
}

export function formatZodError(error: z.ZodError): string {
  return error.issues
    .map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}

/** Validates and fills every derived default; throws RangeError with a one-line reason. */
export function resolveStressConfig(input: StressConfigInput, cpuCount: number): ResolvedStressConfig {
  const parsed = stressConfigSchema.safeParse(input);
  if (!parsed.success) throw new RangeError(formatZodError(parsed.error));
  const config = parsed.data;
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
    threads: config.threads ?? Math.max(1, cpuCount - 1),
  };
}
