// `earshot transcribe FILE.wav [--url URL] [--token T] [--json]`: the README's first
// command. Reads a WAV (16-bit PCM at any rate, converted to 16 kHz mono), cuts it at
// pauses (Silero VAD), sends it over the protocol and prints the final transcript. Without --url it
// starts an embedded gateway (moonshine unless --engine) on a free loopback port.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { checkHealth } from '../../connection/health.js';
import type { ServerMessage } from '../../../src-shared/protocol/messages.js';
import { chunkPcm } from '../../audio/chunker.js';
import { loadSpeechDetectors } from '../../audio/speech-detector.js';
import { startEmbeddedGateway } from '../../gateway-process/embedded.js';
import {
  AckTimeoutError,
  ConnectError,
  ConnectionClosedError,
  ServerError,
} from '../../protocol-client/errors.js';
import { transcribeChunks } from '../../protocol-client/transcribe-session.js';
import { DEFAULT_ENGINE } from '../../../src-shared/engines.js';
import { readPcm } from '../audio-files.js';
import { ENGINE_CHOICES, parseEngine } from '../engine-flag.js';
import { CliError } from '../errors.js';
import { parseGatewayUrl } from '../gateway-url.js';

interface TranscribeFlags {
  url?: string;
  token?: string;
  json?: boolean;
  minChunkMs: string;
  maxChunkMs: string;
  engine: string;
  resultsGraceMs: string;
  waitReadyMs: string;
}

function parseMs(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 100 || n > 600_000)
    throw new CliError(`${flag} must be an integer number of milliseconds (100-600000), got "${value}"`);
  return n;
}

/**
 * A gateway that says it is not ready (e.g. no recognizer worker) would take the audio and
 * never answer: say so, wait up to `waitMs` for it to become ready, then give up with the
 * reason. A gateway whose health cannot be read is tried anyway (the connect says why).
 */
async function waitUntilReady(url: string, waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs;
  let said = false;
  for (;;) {
    const check = await checkHealth(url);
    if (check.ok || !check.health) return;
    if (Date.now() >= deadline)
      throw new CliError(
        `gateway not ready: ${check.reason}${waitMs > 0 ? ` (waited ${Math.round(waitMs / 1000)} s)` : ''}`,
        1,
      );
    if (!said)
      process.stderr.write(
        `earshot: gateway not ready: ${check.reason}; waiting up to ${Math.round(waitMs / 1000)} s for it\n`,
      );
    said = true;
    await sleep(Math.min(1000, Math.max(0, deadline - Date.now())));
  }
}

/** Why a transcript is partial, in one line. */
export function describePartial(missing: readonly number[], sent: number): string {
  if (missing.length === 0) return 'partial transcript: the gateway gave up waiting for some chunks';
  const shown = missing.slice(0, 10).join(', ') + (missing.length > 10 ? ', ...' : '');
  return `partial transcript: ${missing.length} of ${sent} chunks have no text (chunk ${shown})`;
}

/** Protocol failures as the one line a user needs. */
export function describeFailure(error: unknown, url: string): string {
  if (error instanceof ConnectError) {
    if (error.kind === 'unreachable' || error.kind === 'timeout')
      return `gateway unreachable at ${url}: ${error.message}`;
    return error.message;
  }
  if (error instanceof ServerError)
    return `gateway error${error.code ? ` (${error.code})` : ''}: ${error.message}`;
  if (error instanceof AckTimeoutError) return `gateway did not answer: ${error.message}`;
  if (error instanceof ConnectionClosedError) return `gateway closed the connection: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

async function runTranscribe(file: string, flags: TranscribeFlags): Promise<void> {
  const minChunkMs = parseMs(flags.minChunkMs, '--min-chunk-ms');
  const maxChunkMs = parseMs(flags.maxChunkMs, '--max-chunk-ms');
  const resultsGraceMs = parseMs(flags.resultsGraceMs, '--results-grace-ms');
  if (maxChunkMs < minChunkMs) throw new CliError('--max-chunk-ms must be >= --min-chunk-ms');
  const waitReadyMs = flags.waitReadyMs === '0' ? 0 : parseMs(flags.waitReadyMs, '--wait-ready-ms');
  const engine = parseEngine(flags.engine);
  if (flags.url !== undefined && flags.engine !== DEFAULT_ENGINE)
    throw new CliError('--engine applies to the embedded gateway only; drop it or drop --url');
  const token = flags.token ?? process.env.EARSHOT_TOKEN;
  const explicitUrl = flags.url !== undefined ? parseGatewayUrl(flags.url) : undefined;
  const { pcm, truncated } = await readPcm(file);
  const detectors = await loadSpeechDetectors();
  if (detectors.fallbackReason) process.stderr.write(`earshot: ${detectors.fallbackReason}\n`);
  const chunks = await chunkPcm(pcm, { minChunkMs, maxChunkMs, speechDetector: detectors.create });
  if (chunks.length === 0 && !flags.json) process.stderr.write(`earshot: no speech found in ${file}\n`);

  const embedded = explicitUrl ? undefined : await startEmbeddedGateway({ engine });
  const url = explicitUrl ?? embedded!.url;
  const printJson = (message: ServerMessage) => process.stdout.write(`${JSON.stringify(message)}\n`);
  try {
    if (chunks.length > 0) await waitUntilReady(url, waitReadyMs);
    const result = await transcribeChunks(url, chunks, {
      token,
      resultsGraceMs,
      onMessage: flags.json ? printJson : undefined,
    });
    if (!flags.json) process.stdout.write(`${result.text}\n`);
    if (result.partial)
      process.stderr.write(`earshot: ${describePartial(result.missingChunks, chunks.length)}\n`);
    // The text is of the audio that was there; the exit code tells a script the file was cut.
    if (truncated) process.exitCode = 1;
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(describeFailure(error, url), 1);
  } finally {
    await embedded?.stop();
  }
}

export function registerTranscribeCommand(program: Command): void {
  program
    .command('transcribe')
    .description('transcribe a WAV file (embedded gateway unless --url) and print the text')
    .argument('<file>', 'WAV file (16-bit PCM; other rates and channel counts are converted)')
    .option('--url <url>', 'gateway WebSocket URL, e.g. ws://127.0.0.1:8081/ws/asr')
    .option('--token <token>', 'gateway token (default: $EARSHOT_TOKEN)')
    .option('--json', 'print every protocol event as one JSON line')
    // A file has no one waiting for live text, and Moonshine is more accurate with a few
    // sentences of context: on the test corpus 4.4% WER with 5 s chunks, 7.9% with 1 s.
    .option('--min-chunk-ms <ms>', 'shortest chunk (cut at the first pause after it)', '5000')
    .option('--max-chunk-ms <ms>', 'longest chunk', '15000')
    .option('--engine <name>', `engine of the embedded gateway: ${ENGINE_CHOICES}`, DEFAULT_ENGINE)
    .option(
      '--results-grace-ms <ms>',
      'a gateway without the Earshot extensions gets finish once results stop coming this long',
      '10000',
    )
    .option(
      '--wait-ready-ms <ms>',
      'a gateway that says it is not ready (no recognizer worker): wait this long for it, then fail (0: fail at once)',
      '30000',
    )
    .action((file: string, flags: TranscribeFlags) => runTranscribe(file, flags));
}
