// `earshot dictate FILE.wav... [--url URL]... [--data-dir DIR] [--token T] [--json]
// [--parallel N] [--pace X]`: every file goes through the durable outbox. A file is
// accepted once its recording exists in the outbox; each chunk is on disk before the
// uploader sends it. Prints `FILE<TAB>final text` per recording as it completes
// (`--json`: every event as one JSON line). Killed at any moment and run again with the
// same --data-dir (files or none), it first finishes every recording it had accepted; a
// file given again whose audio is already queued or done is skipped, not taken twice
// (`--again` takes it anyway).
import type { Command } from 'commander';
import { loadSpeechDetectors } from '../../audio/speech-detector.js';
import { feedRecording, fileSource, sourceFile } from '../../outbox/file-intake.js';
import { describeSkip, skipKnownFiles } from '../../outbox/file-dedupe.js';
import type { Recording } from '../../outbox/store.js';
import { OutboxSession } from '../../upload/outbox-session.js';
import { DEFAULT_ENGINE } from '../../../src-shared/engines.js';
import { readAudioFile, readPcm } from '../audio-files.js';
import { ENGINE_CHOICES, parseEngine } from '../engine-flag.js';
import { CliError } from '../errors.js';
import { collect } from '../flags.js';
import { parseGatewayUrl } from '../gateway-url.js';
import { DATA_DIR_HELP, asCliError, openOutboxForCli } from '../open-outbox.js';
import { recordingJson } from '../recording-json.js';

interface DictateFlags {
  url: string[];
  dataDir?: string;
  token?: string;
  json?: boolean;
  parallel: string;
  pace?: string;
  again?: boolean;
  engine: string;
}

function parseParallel(raw: string): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > 64)
    throw new CliError(`--parallel must be an integer from 1 to 64, got "${raw}"`);
  return n;
}

function parsePace(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0.1 || n > 1000)
    throw new CliError(`--pace must be a number from 0.1 to 1000 (times real time), got "${raw}"`);
  return n;
}

type Printer = (event: Record<string, unknown>) => void;

async function runDictate(files: string[], flags: DictateFlags): Promise<void> {
  const parallel = parseParallel(flags.parallel);
  const engine = parseEngine(flags.engine);
  if (flags.url.length > 0 && flags.engine !== DEFAULT_ENGINE)
    throw new CliError('--engine applies to the embedded gateway only; drop it or drop --url');
  const pace = parsePace(flags.pace);
  const urls = flags.url.map((url) => parseGatewayUrl(url));
  const token = flags.token ?? process.env.EARSHOT_TOKEN;
  if (token !== undefined && token.trim() === '') throw new CliError('--token must not be empty');
  // Every file is read and validated before anything is accepted: a typo in the fifth
  // file must not leave four recordings half-dictated.
  const inputs: { file: string; pcm: Int16Array; sha256: string }[] = [];
  for (const file of files) inputs.push({ file, ...(await readAudioFile(file)) });

  const json: Printer = (event) => process.stdout.write(`${JSON.stringify(event)}\n`);
  const note = (line: string) =>
    flags.json ? json({ event: 'note', message: line }) : process.stderr.write(`earshot: ${line}\n`);
  const store = openOutboxForCli(flags.dataDir, note, { create: true });
  let session: OutboxSession | undefined;
  const stopSignals = new AbortController();
  const onSignal = (signal: NodeJS.Signals) =>
    stopSignals.abort(
      new CliError(
        `stopped by ${signal}; accepted recordings stay in the outbox and finish on the next run`,
        130,
      ),
    );
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    session = await OutboxSession.open({
      store,
      owner: 'earshot dictate',
      readPcm: async (path) => (await readPcm(path)).pcm,
    });
    if (session.tookOverFrom !== undefined)
      note(`resuming after an earlier run (pid ${session.tookOverFrom}) that stopped without finishing`);
    for (const orphan of session.orphans) {
      if (flags.json)
        json({
          event: 'resumed',
          action: orphan.action,
          note: orphan.note,
          recording: recordingJson(orphan.recording),
        });
      else if (orphan.note) note(`recording ${orphan.recording.id}: ${orphan.note}`);
    }

    // A file already queued or done (same content) is not taken twice; see file-dedupe.ts.
    const { take, skipped } = skipKnownFiles(store, inputs, flags.again === true);
    const labels = new Map<number, string>();
    for (const skip of skipped) {
      if (flags.json)
        json({
          event: 'skipped',
          file: skip.file,
          reason: skip.reason,
          ...(skip.reason === 'in_outbox'
            ? { recording: recordingJson(skip.recording) }
            : { sameAs: skip.sameAs }),
        });
      else note(describeSkip(skip));
      if (skip.reason !== 'in_outbox') continue;
      labels.set(skip.recording.id, skip.file);
      // Its transcript is known: print it like the others (a queued one prints when done).
      if (skip.recording.state === 'done' && !flags.json)
        process.stdout.write(`${skip.file}\t${skip.recording.text}\n`);
    }
    // Accept: one durable row per file, before any audio is chunked.
    const accepted = take.map(({ file, pcm, sha256 }) => ({
      file,
      pcm,
      recording: store.createRecording({ source: fileSource(file), contentSha256: sha256 }),
    }));
    for (const { file, recording } of accepted) labels.set(recording.id, file);
    if (flags.json)
      for (const { file, recording } of accepted)
        json({ event: 'accepted', file, recording: recordingJson(recording) });
    const detectors = await loadSpeechDetectors();
    if (detectors.fallbackReason) note(detectors.fallbackReason);
    const targets = store.listUploadable().map((r) => r.id);
    if (targets.length === 0) {
      if (!flags.json && files.length === 0)
        note('nothing to dictate: no files given and the outbox has nothing queued');
      return;
    }

    if (urls.length === 0) urls.push((await session.startEmbeddedGateway({ engine })).url);
    const uploader = await session.deliver({ urls, token, parallel });
    if (flags.json) uploader.on('upload', (event) => json({ event: event.type, ...eventFields(event) }));
    uploader.on('problem', (recordingId, error) =>
      note(`recording ${recordingId}: ${error.message} (will retry)`),
    );
    uploader.on('finished', (recordingId) =>
      printFinished(store.getRecording(recordingId), labels, flags.json ? json : undefined, note),
    );
    uploader.start();

    const feeding = (async () => {
      for (const { pcm, recording } of accepted) {
        await feedRecording(store, recording.id, pcm, {
          pace,
          signal: stopSignals.signal,
          onChunk: flags.json
            ? (id, index, count) =>
                json({ event: 'chunk_stored', recordingId: id, chunkIndex: index, chunks: count })
            : undefined,
        });
        if (flags.json) json({ event: 'sealed', recordingId: recording.id });
      }
    })();
    const finished = uploader.waitFor(targets);
    const stopped = new Promise<never>((_, reject) => {
      const abort = () => reject(stopSignals.signal.reason);
      if (stopSignals.signal.aborted) abort();
      else stopSignals.signal.addEventListener('abort', abort, { once: true });
    });
    stopped.catch(() => {});
    await Promise.race([Promise.all([feeding, finished]), stopped]);

    const failed = targets
      .map((id) => store.getRecording(id))
      .filter((r): r is Recording => r?.state === 'failed');
    if (failed.length > 0) {
      throw new CliError(
        `${failed.length} recording(s) failed; see \`earshot outbox ls\`, then \`earshot outbox retry ID\``,
        1,
      );
    }
  } catch (error) {
    throw asCliError(error);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await session?.close();
    store.close();
  }
}

function eventFields(event: { type: string }): Record<string, unknown> {
  const { type: _type, ...rest } = event as Record<string, unknown> & { type: string };
  return rest;
}

function printFinished(
  recording: Recording | undefined,
  labels: Map<number, string>,
  json: Printer | undefined,
  note: (line: string) => void,
): void {
  if (!recording) return; // discarded meanwhile
  const label = labels.get(recording.id) ?? sourceFile(recording.source) ?? recording.source;
  if (json) {
    json({ event: 'finished', file: label, recording: recordingJson(recording) });
    return;
  }
  if (recording.state === 'done') process.stdout.write(`${label}\t${recording.text}\n`);
  else if (recording.state === 'failed')
    note(`${label}: failed: ${recording.failureReason ?? 'unknown reason'} (recording ${recording.id})`);
}

export function registerDictateCommand(program: Command): void {
  program
    .command('dictate')
    .description(
      'transcribe WAV files through the durable outbox (embedded gateway unless --url); with no files, finish what is queued',
    )
    .argument('[files...]', 'WAV files (16-bit PCM; other rates and channel counts are converted)')
    .option('--url <url>', 'gateway WebSocket URL; repeat for a failover list', collect, [])
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .option('--token <token>', 'gateway token (default: $EARSHOT_TOKEN)')
    .option('--json', 'print every event as one JSON line')
    .option('--parallel <n>', 'recordings uploaded at once', '2')
    .option('--again', 'dictate files again even when the same audio is already queued or done')
    .option('--engine <name>', `engine of the embedded gateway: ${ENGINE_CHOICES}`, DEFAULT_ENGINE)
    .option(
      '--pace <x>',
      'feed files at x times real time, like a live microphone (default: as fast as possible)',
    )
    .action((files: string[], flags: DictateFlags) => runDictate(files, flags));
}
