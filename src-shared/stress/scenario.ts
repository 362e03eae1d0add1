// A stress scenario file: a run written down so it can be reviewed and repeated
// (docs/stress.md "Scenario files"). Its keys are the `earshot stress` flags in camelCase
// (`--connect-timeout 5s` is `"connectTimeout": "5s"`), with the human forms the flags take
// ("30s", "50/s", "30s:100"); this schema turns them into the stress configuration's
// fields, and the one stress config schema (./config.ts) then checks the whole run.
import { z } from 'zod';
import {
  PACING,
  RECONNECT,
  STRESS_MODES,
  parseDuration,
  parseRate,
  parseStage,
  type StressConfigInput,
} from './config.js';

/** The configuration field each scenario key sets, and the flag that overrides it. */
export const SCENARIO_FIELDS = {
  url: { field: 'url', flag: '--url' },
  caFile: { field: 'caFile', flag: '--ca-file' },
  insecure: { field: 'insecure', flag: '--insecure' },
  mode: { field: 'mode', flag: '--mode' },
  concurrency: { field: 'concurrency', flag: '-c/--concurrency' },
  rate: { field: 'ratePerSecond', flag: '--rate' },
  stages: { field: 'stages', flag: '--stage' },
  duration: { field: 'durationMs', flag: '-d/--duration' },
  drain: { field: 'drainMs', flag: '--drain' },
  audio: { field: 'audioPath', flag: '--audio' },
  chunk: { field: 'chunkMs', flag: '--chunk-ms' },
  pace: { field: 'pacing', flag: '--pace' },
  threads: { field: 'threads', flag: '--threads' },
  connectTimeout: { field: 'connectTimeoutMs', flag: '--connect-timeout' },
  ackTimeout: { field: 'ackTimeoutMs', flag: '--ack-timeout' },
  finalTimeout: { field: 'finalTimeoutMs', flag: '--final-timeout' },
  busyGiveUp: { field: 'busyGiveUpMs', flag: '--busy-give-up' },
  backoffBase: { field: 'backoffBaseMs', flag: '--backoff-base' },
  backoffCap: { field: 'backoffCapMs', flag: '--backoff-cap' },
  stream: { field: 'streamMs', flag: '--stream' },
  longStreams: { field: 'longStreams', flag: '--long-streams' },
  every: { field: 'everyMs', flag: '--every' },
  reconnect: { field: 'reconnect', flag: '--reconnect' },
  seed: { field: 'seed', flag: '--seed' },
  thresholds: { field: 'thresholds', flag: '--threshold' },
} as const satisfies Record<string, { field: keyof StressConfigInput; flag: string }>;
export type ScenarioKey = keyof typeof SCENARIO_FIELDS;

/** The scenario key that sets a configuration field (for messages about the file). */
export function scenarioKeyOf(field: string): ScenarioKey | undefined {
  return (Object.keys(SCENARIO_FIELDS) as ScenarioKey[]).find((key) => SCENARIO_FIELDS[key].field === field);
}

/** A human form parsed by one of ./config.ts's parsers; its error becomes the issue's rule. */
function parsedBy<T>(parse: (text: string) => T, like: string) {
  return z.unknown().transform((value, ctx): T => {
    if (typeof value !== 'string' && typeof value !== 'number') {
      ctx.addIssue({ code: 'custom', message: `must be ${like}` });
      return z.NEVER;
    }
    try {
      return parse(String(value));
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  });
}

/** "30s", "2m", "500ms", or a number of seconds, as the flags take them. */
const duration = parsedBy((text) => parseDuration(text), 'a duration like "30s" or a number of seconds');

const stageObject = z.object({ duration, target: z.number().nonnegative('a stage target is >= 0') }).strict();

/** "30s:100", or {"duration": "30s", "target": 100}; each form's own rule when it is wrong. */
const stage = z.unknown().transform((value, ctx) => {
  if (typeof value === 'string') {
    try {
      return parseStage(value);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  }
  const parsed = stageObject.safeParse(value);
  if (parsed.success) return { durationMs: parsed.data.duration, target: parsed.data.target };
  for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, path: issue.path } as never);
  return z.NEVER;
});

const whole = z.number().int('must be a whole number');

export const scenarioSchema = z
  .object({
    /** What the scenario is for: the file's own comment (JSON has none). */
    description: z.string().optional(),
    url: z.string().optional(),
    caFile: z.string().optional(),
    insecure: z.boolean().optional(),
    mode: z.enum(STRESS_MODES).optional(),
    concurrency: whole.optional(),
    rate: parsedBy(parseRate, 'a rate like "50/s" or a number').optional(),
    stages: z.array(stage).optional(),
    duration: duration.optional(),
    drain: duration.optional(),
    audio: z.string().optional(),
    chunk: duration.optional(),
    pace: z.enum(PACING).optional(),
    threads: whole.optional(),
    connectTimeout: duration.optional(),
    ackTimeout: duration.optional(),
    finalTimeout: duration.optional(),
    busyGiveUp: duration.optional(),
    backoffBase: duration.optional(),
    backoffCap: duration.optional(),
    stream: duration.optional(),
    longStreams: whole.optional(),
    every: duration.optional(),
    reconnect: z.enum(RECONNECT).optional(),
    seed: whole.optional(),
    thresholds: z.array(z.string()).optional(),
  })
  .strict();
export type Scenario = z.output<typeof scenarioSchema>;

/** The configuration fields a parsed scenario sets (only those it names). */
export function scenarioToConfig(scenario: Scenario): Partial<StressConfigInput> {
  const config: Record<string, unknown> = {};
  for (const key of Object.keys(SCENARIO_FIELDS) as ScenarioKey[]) {
    if (scenario[key] !== undefined) config[SCENARIO_FIELDS[key].field] = scenario[key];
  }
  return config as Partial<StressConfigInput>;
}
