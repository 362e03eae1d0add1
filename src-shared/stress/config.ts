// The stress run's configuration, with one owner: `earshot stress`, the app's Stress view
// (through `stress.start`) and the engine's worker threads all read this schema, these
// limits and this stage grammar, so a value one accepts the others accept too. Human forms
// of values ("30s", "2m", "30s:100", "10/s") are parsed here; every value is checked once,
// with a one-line reason, so the engine never meets a half-valid config. Pure zod: it runs
// in the renderer as well as in Node.
import { z } from 'zod';
import { parseThreshold } from './thresholds.js';

export const STRESS_MODES = ['short', 'long', 'storm', 'zombie', 'mixed'] as const;

export const PACING = ['realtime', 'ack'] as const;

/** Storm: how dropped sessions come back (docs/stress.md, "Reconnect storms"). */
export const RECONNECT = ['immediate', 'backoff'] as const;
export type Pacing = (typeof PACING)[number];

/** The one set of limits: the CLI's flags and the Stress view's form are held to the same bounds. */
export const STRESS_LIMITS = {
  concurrency: 100_000,
  ratePerSecond: 100_000,
  stageTarget: 100_000,
  stages: 100,
  durationMs: 24 * 3_600_000,
  drainMs: 3_600_000,
  threads: 64,
  longStreams: 1000,
} as const;

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/;
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
  durationMs: z.number().int().positive('a stage lasts more than 0 ms').max(STRESS_LIMITS.durationMs),
  /** Arrivals per second (open model) or sessions in flight (closed model) at the stage's end. */
  target: z.number().nonnegative('a stage target is >= 0').max(STRESS_LIMITS.stageTarget),
});
export type Stage = z.infer<typeof stageSchema>;

/** "30s:100" or "2m:100" -> reach 100 over that time (linear ramp from the previous stage's target). */
export function parseStage(text: string): Stage {
  const [duration, target, extra] = text.split(':');
  if (duration === undefined || target === undefined || extra !== undefined) {
    throw new RangeError(`stage "${text}" is not DURATION:TARGET like 30s:100`);
  }
  const value = Number(target.trim().replace(/\/s$/, ''));
  if (target.trim() === '' || !Number.isFinite(value) || value < 0)
    throw new RangeError(`stage "${text}": target must be a number >= 0`);
  return { durationMs: parseDuration(duration, `stage "${text}" duration`), target: value };
}

/** "10s:50, 2m:200, 10s:0" -> stages, in order (the Stress view's one-line form of repeated --stage). */
export function parseStages(text: string): Stage[] {
  const parts = text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  if (parts.length === 0) throw new RangeError('give at least one stage, e.g. 10s:50');
  return parts.map(parseStage);
}

const positiveMs = (what: string) =>
  z.number().int(`${what} must be whole ms`).positive(`${what} must be > 0`);

/** More thresholds than anyone reads in a summary is a mistake, not a test plan. */
export const MAX_THRESHOLDS = 50;

const stressConfigFields = z.object({
  /**
   * Gateway URL, ws:// or wss:// on any host (QA tests deployed gateways; this project's
   * own tests and benches keep to loopback); empty = the gateway started for the run.
   */
  url: z.string().trim().default(''),
  /** wss://: a PEM file of the certificate authorities to trust besides the system's. */
  caFile: z.string().trim().default(''),
  /** wss://: accept any certificate (self-signed staging gateways). Off unless asked; reported loudly. */
  insecure: z.boolean().default(false),
  /** k6-style pass/fail expressions (src-shared/stress/thresholds.ts), checked when the run ends. */
  thresholds: z.array(z.string().trim()).max(MAX_THRESHOLDS).default([]),
  mode: z.enum(STRESS_MODES).default('short'),
  /** Closed model: sessions in flight. */
  concurrency: z.number().int().min(1, 'concurrency must be >= 1').max(STRESS_LIMITS.concurrency).optional(),
  /** Open model: arrivals per second. */
  ratePerSecond: z.number().positive('rate must be > 0').max(STRESS_LIMITS.ratePerSecond).optional(),
  stages: z.array(stageSchema).max(STRESS_LIMITS.stages).default([]),
  durationMs: positiveMs('duration').max(STRESS_LIMITS.durationMs).optional(),
  drainMs: z.number().int().min(0).max(STRESS_LIMITS.drainMs).optional(),
  /** A WAV (any rate, converted to 16 kHz mono) every session sends; empty = the bundled sample. */
  audioPath: z.string().trim().default(''),
  chunkMs: positiveMs('chunk length').min(100).max(15_000).default(1000),
  pacing: z.enum(PACING).optional(),
  threads: z.number().int().min(1).max(STRESS_LIMITS.threads).optional(),
  connectTimeoutMs: positiveMs('connect timeout').default(10_000),
  ackTimeoutMs: positiveMs('ack timeout').default(10_000),
  finalTimeoutMs: positiveMs('final timeout').default(120_000),
  busyGiveUpMs: positiveMs('busy give-up time').default(120_000),
  backoffBaseMs: positiveMs('backoff base').default(250),
  backoffCapMs: positiveMs('backoff cap').default(30_000),
  /** long / mixed: how long one stream lasts (looping the audio). */
  streamMs: positiveMs('stream length').default(30 * 60_000),
  /** mixed: long streams that run beside the bursts. */
  longStreams: z.number().int().min(0).max(STRESS_LIMITS.longStreams).default(1),
  /** storm and mixed: period of the drop-everything (storm) or the burst (mixed). */
  everyMs: positiveMs('period').default(10_000),
  /** storm: `immediate` (all at once, the worst case; the default) or `backoff` (jittered, like a real client). */
  reconnect: z.enum(RECONNECT).optional(),
  token: z.string().min(1).optional(),
  /** Gateway on this machine: sample its CPU and RSS by pid (else from /metrics when loopback). */
  gatewayPid: z.number().int().positive().optional(),
  seed: z.number().int().optional(),
});

type CheckedFields = Pick<
  z.output<typeof stressConfigFields>,
  | 'url'
  | 'mode'
  | 'concurrency'
  | 'ratePerSecond'
  | 'stages'
  | 'durationMs'
  | 'backoffBaseMs'
  | 'backoffCapMs'
  | 'caFile'
  | 'insecure'
  | 'thresholds'
  | 'reconnect'
>;

/** Rules across fields, the same for every caller. */
function checkStressConfig(config: CheckedFields, ctx: z.RefinementCtx): void {
  if (config.reconnect !== undefined && config.mode !== 'storm')
    ctx.addIssue({
      code: 'custom',
      path: ['reconnect'],
      message: `reconnect applies to --mode storm only, not ${config.mode}`,
    });
  if (config.concurrency !== undefined && config.ratePerSecond !== undefined)
    ctx.addIssue({
      code: 'custom',
      path: ['ratePerSecond'],
      message: 'concurrency and rate are exclusive: choose one load model, -c N (closed) or --rate R (open)',
    });
  if (config.mode !== 'short' && config.ratePerSecond !== undefined)
    ctx.addIssue({
      code: 'custom',
      path: ['ratePerSecond'],
      message: `--rate (open model) works with --mode short only, not ${config.mode}`,
    });
  if (config.durationMs === undefined && config.stages.length === 0)
    ctx.addIssue({
      code: 'custom',
      path: ['durationMs'],
      message: 'give a duration (-d 30s) or ramp stages (--stage 30s:100)',
    });
  if (config.backoffCapMs < config.backoffBaseMs)
    ctx.addIssue({ code: 'custom', path: ['backoffCapMs'], message: 'backoff cap must be >= backoff base' });
  config.thresholds.forEach((expression, index) => {
    try {
      parseThreshold(expression);
    } catch (error) {
      ctx.addIssue({ code: 'custom', path: ['thresholds', index], message: (error as Error).message });
    }
  });
  const secure = /^wss:\/\//i.test(config.url);
  if (config.caFile !== '' && !secure)
    ctx.addIssue({
      code: 'custom',
      path: ['caFile'],
      message: 'ca file must go with a wss:// URL',
    });
  if (config.insecure && !secure)
    ctx.addIssue({
      code: 'custom',
      path: ['insecure'],
      message: 'skipping certificate checks must go with a wss:// URL',
    });
  if (config.url === '') return;
  if (!/^wss?:\/\/\S+$/i.test(config.url)) {
    ctx.addIssue({ code: 'custom', path: ['url'], message: 'url must be a ws:// or wss:// URL' });
    return;
  }
  try {
    if (!new URL(config.url).hostname) throw new TypeError('no host');
  } catch {
    ctx.addIssue({ code: 'custom', path: ['url'], message: `url "${config.url}" is not a valid URL` });
  }
}

/** Whether a URL's host is this machine (stress traffic to anything else is a remote target). */
export function isLoopbackUrl(url: string): boolean {
  try {
    return ['127.0.0.1', 'localhost', '[::1]', '::1'].includes(new URL(url).hostname);
  } catch {
    return false;
  }
}

export const stressConfigSchema = stressConfigFields.superRefine(checkStressConfig);
export type StressConfigInput = z.input<typeof stressConfigSchema>;
export type StressConfig = z.output<typeof stressConfigSchema>;

/**
 * What the app's `stress.start` takes: the same schema without what main supplies itself
 * (the gateway token from the settings, the embedded gateway's pid).
 */
export const stressRunRequestSchema = stressConfigFields
  .omit({ token: true, gatewayPid: true })
  .strict()
  .superRefine(checkStressConfig);
export type StressRunRequest = z.output<typeof stressRunRequestSchema>;
export type StressRunRequestInput = z.input<typeof stressRunRequestSchema>;
