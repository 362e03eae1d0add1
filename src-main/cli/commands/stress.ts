// `earshot stress`: drive simulated protocol sessions at a gateway, show a live
// dashboard, write report.json/md/html, exit 99 when a --threshold is breached.
// Without --url it starts an embedded gateway (synthetic engine unless --engine).
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, resolve } from 'node:path';
import { folderPathProblem } from '../../../src-node/fs/folder-path.js';
import type { Command } from 'commander';
import { startEmbeddedGateway, type EmbeddedGateway } from '../../gateway-process/embedded.js';
import {
  PACING,
  RECONNECT,
  STRESS_MODES,
  isLoopbackUrl,
  parseDuration,
  parseRate,
  parseStage,
  type StressConfigInput,
} from '../../../src-shared/stress/config.js';
import { SCENARIO_FIELDS, scenarioKeyOf } from '../../../src-shared/stress/scenario.js';
import { planStressRun } from '../../stress/config.js';
import { loadScenario, scenarioPath, type LoadedScenario } from '../../stress/scenario.js';
import { loadStressTls } from '../../stress/tls.js';
import { loadStressAudio } from '../../stress/audio.js';
import { Dashboard } from '../../stress/dashboard.js';
import { runStress } from '../../stress/engine.js';
import { renderCsv } from '../../stress/report-writers/csv.js';
import { renderJunit } from '../../stress/report-writers/junit.js';
import { renderThresholdSummary } from '../../stress/report-writers/threshold-summary.js';
import { writeReportFolder, defaultReportDir } from '../../stress/report-writers/write.js';
import { THRESHOLD_EXIT_CODE } from '../../stress/thresholds.js';
import { ENGINE_CHOICES, parseEngine } from '../engine-flag.js';
import { CliError } from '../errors.js';
import { assetPath } from '../../paths.js';
import { collect } from '../flags.js';

interface StressFlags {
  url?: string;
  concurrency?: string;
  rate?: string;
  stage: string[];
  duration?: string;
  drain?: string;
  mode?: string;
  scenario?: string;
  caFile?: string;
  insecure?: boolean;
  audio?: string;
  chunkMs?: string;
  pace?: string;
  threads?: string;
  connectTimeout?: string;
  ackTimeout?: string;
  finalTimeout?: string;
  busyGiveUp?: string;
  backoffBase?: string;
  backoffCap?: string;
  stream?: string;
  longStreams?: string;
  every?: string;
  reconnect?: string;
  token?: string;
  gatewayPid?: string;
  seed?: string;
  reportDir?: string;
  junit?: string;
  csv?: string;
  threshold: string[];
  engine?: string;
  gatewayArg: string[];
  json?: boolean;
}

/** Each config field as the flag that sets it, for messages (src-shared/zod-error.ts). */
const FLAG_OF: Record<string, string> = {
  ...Object.fromEntries(Object.values(SCENARIO_FIELDS).map(({ field, flag }) => [field, flag])),
  token: '--token',
  gatewayPid: '--gateway-pid',
};

/**
 * Messages name a field as the user set it: the flag when it came from the command line
 * (or was not set at all), "FILE: key" when the scenario file set it.
 */
function labelsFor(fromFlags: Partial<StressConfigInput>, scenario: LoadedScenario | undefined) {
  return {
    alwaysLabel: scenario !== undefined,
    label: (path: readonly PropertyKey[]) => {
      const field = String(path[0]);
      const key = scenarioKeyOf(field);
      if (scenario && key && !(field in fromFlags) && field in scenario.config)
        return `${scenario.file}: ${scenarioPath([key, ...path.slice(1)])}`;
      return FLAG_OF[field];
    },
  };
}

function defaultAudio(): string {
  try {
    return assetPath('sample.wav');
  } catch {
    throw new CliError('no --audio given and assets/sample.wav is missing');
  }
}

function integer(text: string | undefined, flag: string, min = 0): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text.trim()) || Number(text) < min)
    throw new CliError(`${flag} must be a whole number >= ${min}, got "${text}"`);
  return Number(text);
}

function duration(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  try {
    return parseDuration(text, flag);
  } catch (error) {
    throw new CliError((error as Error).message);
  }
}

function wrap<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError((error as Error).message);
  }
}

/** Why `file` (given with `flag`) cannot be written, checked before any traffic; undefined when it can. */
function outputFileProblem(flag: string, file: string): string | undefined {
  const path = resolve(file);
  try {
    if (statSync(path).isDirectory()) return `${flag} ${file} is a folder; give a file name`;
  } catch {
    // Missing: its folder must be creatable.
  }
  const problem = folderPathProblem(dirname(path));
  return problem ? `${flag} ${file}: its folder ${problem.message}` : undefined;
}

function writeOutputFile(file: string, content: string): void {
  const path = resolve(file);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}

/** The fields the command line sets, and only those: they override a scenario file's. */
export function flagsToConfig(flags: StressFlags): Partial<StressConfigInput> {
  if (flags.mode !== undefined && !(STRESS_MODES as readonly string[]).includes(flags.mode))
    throw new CliError(`--mode must be one of ${STRESS_MODES.join(', ')}, got "${flags.mode}"`);
  if (flags.pace !== undefined && !(PACING as readonly string[]).includes(flags.pace))
    throw new CliError(`--pace must be realtime or ack, got "${flags.pace}"`);
  if (flags.reconnect !== undefined && !(RECONNECT as readonly string[]).includes(flags.reconnect))
    throw new CliError(`--reconnect must be immediate or backoff, got "${flags.reconnect}"`);
  const config: StressConfigInput = {
    url: flags.url,
    caFile: flags.caFile,
    insecure: flags.insecure,
    mode: flags.mode as StressConfigInput['mode'],
    concurrency: integer(flags.concurrency, '-c/--concurrency', 1),
    ratePerSecond: flags.rate === undefined ? undefined : wrap(() => parseRate(flags.rate!)),
    stages: flags.stage.length ? flags.stage.map((s) => wrap(() => parseStage(s))) : undefined,
    durationMs: duration(flags.duration, '-d/--duration'),
    drainMs: duration(flags.drain, '--drain'),
    audioPath: flags.audio,
    chunkMs: duration(flags.chunkMs, '--chunk-ms'),
    pacing: flags.pace as StressConfigInput['pacing'],
    threads: integer(flags.threads, '--threads', 1),
    connectTimeoutMs: duration(flags.connectTimeout, '--connect-timeout'),
    ackTimeoutMs: duration(flags.ackTimeout, '--ack-timeout'),
    finalTimeoutMs: duration(flags.finalTimeout, '--final-timeout'),
    busyGiveUpMs: duration(flags.busyGiveUp, '--busy-give-up'),
    backoffBaseMs: duration(flags.backoffBase, '--backoff-base'),
    backoffCapMs: duration(flags.backoffCap, '--backoff-cap'),
    streamMs: duration(flags.stream, '--stream'),
    longStreams: integer(flags.longStreams, '--long-streams'),
    everyMs: duration(flags.every, '--every'),
    reconnect: flags.reconnect as StressConfigInput['reconnect'],
    thresholds: flags.threshold.length ? flags.threshold : undefined,
    token: flags.token,
    gatewayPid: integer(flags.gatewayPid, '--gateway-pid', 1),
    seed: integer(flags.seed, '--seed'),
  };
  return Object.fromEntries(Object.entries(config).filter(([, value]) => value !== undefined));
}

/**
 * The run's settings: the scenario file's, then the command line's over them (docs/stress.md
 * "Scenario files"). A load model given on the command line (-c or --rate) replaces the
 * file's, whichever that was; a repeatable flag (--stage, --threshold) replaces its list.
 */
export function mergeScenario(
  fromFile: Partial<StressConfigInput>,
  fromFlags: Partial<StressConfigInput>,
): Partial<StressConfigInput> {
  const base = { ...fromFile };
  if (fromFlags.concurrency !== undefined || fromFlags.ratePerSecond !== undefined) {
    delete base.concurrency;
    delete base.ratePerSecond;
  }
  return { ...base, ...fromFlags };
}

/** One line each, before any traffic: where the load goes, and what is not protected. */
export function targetWarnings(config: Partial<StressConfigInput>, insecureFrom: string): string[] {
  const url = config.url ?? '';
  if (!url) return [];
  const lines: string[] = [];
  const host = new URL(url).host;
  if (!isLoopbackUrl(url))
    lines.push(
      `earshot stress: target ${host} is not this machine: the load goes over the network (make sure you may load it); its CPU and memory are not sampled`,
    );
  if (config.insecure)
    lines.push(
      `earshot stress: WARNING: ${insecureFrom}: the TLS certificate of ${host} is NOT verified; anyone on the path can read and alter this traffic${config.token ? ', token included' : ''}`,
    );
  if (config.token && /^ws:/i.test(url) && !isLoopbackUrl(url))
    lines.push(`earshot stress: WARNING: the token goes unencrypted over ws:// to ${host}; use wss://`);
  return lines;
}

export function registerStressCommand(program: Command): void {
  program
    .command('stress')
    .description('load-test a gateway with simulated dictation sessions and write an honest report')
    .option(
      '--scenario <file.json>',
      'a run written down (docs/stress.md "Scenario files"); flags given as well override its values',
    )
    .option(
      '--url <url>',
      'gateway ws:// or wss:// URL, any host; without it an embedded gateway is started on 127.0.0.1',
    )
    .option('--ca-file <file.pem>', "wss://: certificate authorities to trust besides the system's")
    .option(
      '--insecure',
      "wss://: do not verify the gateway's TLS certificate (self-signed staging gateways); warned about",
    )
    .option('-c, --concurrency <n>', 'closed model: sessions in flight (a new one starts when one ends)')
    .option('--rate <r>', 'open model: session arrivals per second, e.g. 50 or 50/s')
    .option(
      '--stage <duration:target>',
      'ramp stage, repeatable: rate (open) or sessions in flight (with -c), e.g. 30s:100',
      collect,
      [],
    )
    .option('-d, --duration <time>', 'how long to start new sessions, e.g. 30s, 5m')
    .option(
      '--drain <time>',
      'after the duration, wait this long for sessions in flight (default: final + ack timeout)',
    )
    .option('--mode <mode>', 'short | long | storm | zombie | mixed (default short)')
    .option('--audio <file.wav>', 'audio every session sends (default: assets/sample.wav)')
    .option('--chunk-ms <time>', 'audio per chunk (default 1s)')
    .option('--pace <how>', 'realtime | ack (default: ack for short, realtime otherwise)')
    .option('--threads <n>', 'worker threads (default: CPU cores - 1, at least 1)')
    .option('--connect-timeout <time>', 'default 10s')
    .option('--ack-timeout <time>', 'default 10s')
    .option('--final-timeout <time>', 'wait for final_result after finish (default 120s)')
    .option('--busy-give-up <time>', 'a session refused with busy for this long ends as busy (default 120s)')
    .option('--backoff-base <time>', 'retry backoff base (default 250ms)')
    .option('--backoff-cap <time>', 'retry backoff cap (default 30s)')
    .option('--stream <time>', 'long/mixed: length of one stream, looping the audio (default 30m)')
    .option('--long-streams <n>', 'mixed: long streams beside the bursts (default 1)')
    .option('--every <time>', 'storm: drop all connections this often; mixed: burst this often (default 10s)')
    .option(
      '--reconnect <how>',
      'storm: immediate (all at once, then exactly at Retry-After: the worst case) | backoff (jittered, like a real client); default immediate',
    )
    .option('--token <token>', 'gateway token (sent as Authorization: Bearer)')
    .option('--gateway-pid <pid>', 'sample this local gateway process for CPU and RSS')
    .option('--seed <n>', 'seed the backoff jitter (replayable runs)')
    .option('--report-dir <dir>', 'report folder (default stress-reports/<time>-<mode>-<load>)')
    .option('--junit <file>', 'also write the JUnit XML (one testcase per threshold) here, for CI')
    .option('--csv <file>', 'also write the per-second series as CSV here, for CI')
    .option(
      '--threshold <expr>',
      'fail (exit 99) unless true, repeatable: p99_final_ms<5000, error_rate<0.01',
      collect,
      [],
    )
    .option('--engine <name>', `embedded gateway engine: ${ENGINE_CHOICES} (default synthetic)`)
    .option('--gateway-arg <arg>', 'extra flag for the embedded gateway, repeatable', collect, [])
    .option('--json', 'print one JSON snapshot per second instead of the dashboard')
    .action(async (flags: StressFlags) => {
      const scenario = flags.scenario === undefined ? undefined : wrap(() => loadScenario(flags.scenario!));
      const fromFlags = flagsToConfig(flags);
      const settings = mergeScenario(scenario?.config ?? {}, fromFlags);
      const url = settings.url ?? '';
      if (url && (flags.engine || flags.gatewayArg.length))
        throw new CliError(
          `--engine and --gateway-arg apply to the embedded gateway only; drop them or drop the URL${'url' in fromFlags ? '' : ` (set in ${scenario?.file})`}`,
        );
      const engine = flags.engine === undefined ? 'synthetic' : parseEngine(flags.engine);
      const audioPath = settings.audioPath ?? defaultAudio();
      const labels = labelsFor(fromFlags, scenario);
      // Validate everything (flags, scenario, config, audio and CA files) before starting a gateway.
      const draft = wrap(() =>
        planStressRun(
          { ...settings, url: url || 'ws://127.0.0.1:1/ws/asr', audioPath },
          cpus().length,
          labels,
        ),
      );
      wrap(() => loadStressAudio(draft.audioPath, draft.chunkMs));
      wrap(() => loadStressTls(draft));
      // The report is the point of a run: a folder it cannot be written to fails now, not
      // after the traffic (docs/stress.md).
      if (flags.reportDir !== undefined) {
        const problem = folderPathProblem(resolve(flags.reportDir));
        if (problem) throw new CliError(`--report-dir ${flags.reportDir} ${problem.message}`);
      }
      for (const [flag, file] of [
        ['--junit', flags.junit],
        ['--csv', flags.csv],
      ] as const) {
        const problem = file === undefined ? undefined : outputFileProblem(flag, file);
        if (problem) throw new CliError(problem);
      }
      if (scenario)
        process.stderr.write(
          `earshot stress: scenario ${scenario.file}${scenario.description ? `: ${scenario.description}` : ''}\n`,
        );
      const insecureFrom = 'insecure' in fromFlags ? '--insecure' : `${scenario?.file}: insecure`;
      for (const line of targetWarnings(settings, insecureFrom)) process.stderr.write(`${line}\n`);
      let embedded: EmbeddedGateway | undefined;
      if (!url) {
        embedded = await startEmbeddedGateway({
          engine,
          args: flags.gatewayArg,
        });
        process.stderr.write(`earshot stress: embedded gateway at ${embedded.url} (pid ${embedded.pid})\n`);
      }
      const config: StressConfigInput = {
        ...settings,
        url: url || embedded!.url,
        audioPath,
        gatewayPid: settings.gatewayPid ?? embedded?.pid,
      };
      const abort = new AbortController();
      const onSignal = () => {
        process.stderr.write('earshot stress: stopping; sessions in flight count as unfinished\n');
        abort.abort();
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const dashboard = new Dashboard(process.stdout, 'earshot stress');
        const report = await runStress(config, {
          signal: abort.signal,
          onSnapshot: (s) => {
            if (flags.json) {
              const { totals, ...rest } = s;
              process.stdout.write(`${JSON.stringify({ ...rest, totals })}\n`);
            } else dashboard.update(s);
          },
        }).catch((error: unknown) => {
          throw error instanceof RangeError ? new CliError(error.message) : error;
        });
        const written = writeReportFolder(report, flags.reportDir ?? defaultReportDir(report));
        if (flags.junit !== undefined) writeOutputFile(flags.junit, renderJunit(report));
        if (flags.csv !== undefined) writeOutputFile(flags.csv, renderCsv(report));
        const summary = {
          report_dir: written.dir,
          attempted: report.sessions.attempted,
          completed: report.sessions.completed,
          success_rate: report.rates.success_rate,
          peak_connections: report.connections.peak,
          outcomes: report.outcomes,
          p99_final_ms: report.latency_ms.final.p99,
          client_cpu_ms_per_session: report.rates.client_cpu_ms_per_session,
          thresholds: report.thresholds.map((t) => ({
            expression: t.expression,
            value: t.value,
            passed: t.passed,
          })),
        };
        if (flags.json) process.stdout.write(`${JSON.stringify({ type: 'summary', ...summary })}\n`);
        else {
          process.stdout.write(`\n${report.observations.map((o) => `- ${o}`).join('\n')}\n`);
          process.stdout.write(
            `report: ${written.markdown} (also report.json, report.html, junit.xml, timeseries.csv)\n`,
          );
          // Last, where a CI log's tail shows it: each threshold, ✓ or ✗, and what was measured.
          const verdicts = renderThresholdSummary(report.thresholds);
          if (verdicts) process.stdout.write(`\n${verdicts}`);
        }
        const breached = report.thresholds.filter((t) => !t.passed);
        if (breached.length) {
          throw new CliError(
            `threshold breached: ${breached.map((t) => `${t.expression} (was ${t.value})`).join(', ')}`,
            THRESHOLD_EXIT_CODE,
          );
        }
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        await embedded?.stop();
      }
    });
}
