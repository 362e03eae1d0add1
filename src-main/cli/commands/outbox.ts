// `earshot outbox ls|retry|discard|purge|export`: look into the durable outbox and act on it.
// `ls --json` prints one JSON object per recording (id, source, state, chunks, text, ...);
// `export` prints recordings in the History view's export formats, through the same code.
import type { Command } from 'commander';
import {
  COMBINED_EXPORT_FORMATS,
  EXPORT_FORMATS,
  type CombinedExportFormat,
  type ExportFormat,
} from '../../../src-shared/api/history.js';
import { ApiError } from '../../../src-shared/api/common.js';
import { HistoryService } from '../../services/history-service.js';
import type { OutboxStore } from '../../outbox/store.js';
import { CliError } from '../errors.js';
import { DATA_DIR_HELP, asCliError, openOutboxForCli } from '../open-outbox.js';
import { recordingJson } from '../recording-json.js';

interface CommonFlags {
  dataDir?: string;
}

function parseId(raw: string): number {
  const id = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(id) || id <= 0)
    throw new CliError(`recording id must be a positive integer, got "${raw}"`);
  return id;
}

function parseLimit(raw: string): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > 1_000_000)
    throw new CliError(`--limit must be an integer from 1 to 1000000, got "${raw}"`);
  return n;
}

function withOutbox<T>(flags: CommonFlags, fn: (store: OutboxStore) => T): T {
  const store = openOutboxForCli(flags.dataDir);
  try {
    return fn(store);
  } catch (error) {
    throw asCliError(error);
  } finally {
    store.close();
  }
}

function oneLine(text: string, max = 80): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export function registerOutboxCommand(program: Command): void {
  const outbox = program
    .command('outbox')
    .description('the durable outbox of recordings: list, retry, discard, purge');

  outbox
    .command('ls')
    .description('list recordings, newest first')
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .option('--json', 'one JSON object per recording per line')
    .option('--search <text>', 'only recordings whose source or text contains this')
    .option('--limit <n>', 'at most this many recordings', '1000')
    .action((flags: CommonFlags & { json?: boolean; search?: string; limit: string }) => {
      const limit = parseLimit(flags.limit);
      withOutbox(flags, (store) => {
        const recordings = store.listRecordings({ search: flags.search, limit });
        for (const r of recordings) {
          if (flags.json) {
            process.stdout.write(`${JSON.stringify(recordingJson(r))}\n`);
          } else {
            const state =
              r.state === 'failed' && r.failureReason ? `failed (${oneLine(r.failureReason, 40)})` : r.state;
            process.stdout.write(
              `${r.id}\t${state}\t${r.chunkCount} chunks\t${r.source}\t${r.editedText !== null ? '(edited) ' : ''}${oneLine(r.editedText ?? r.text)}\n`,
            );
          }
        }
        if (!flags.json && recordings.length === 0) process.stderr.write('earshot: the outbox is empty\n');
      });
    });

  // retry and discard act on one recording and print its id and what became of it.
  const recordingCommand = (
    name: string,
    description: string,
    act: (store: OutboxStore, id: number) => string,
  ): void => {
    outbox
      .command(name)
      .description(description)
      .argument('<id>', 'recording id (from `outbox ls`)')
      .option('--data-dir <dir>', DATA_DIR_HELP)
      .action((rawId: string, flags: CommonFlags) => {
        const id = parseId(rawId);
        withOutbox(flags, (store) => process.stdout.write(`${id}\t${act(store, id)}\n`));
      });
  };
  recordingCommand(
    'retry',
    'queue a failed recording for another upload (run `earshot dictate` to deliver it)',
    (store, id) => store.retry(id).state,
  );
  recordingCommand(
    'discard',
    'delete a recording with its audio and text, whatever its state',
    (store, id) => {
      store.discard(id);
      return 'discarded';
    },
  );

  outbox
    .command('export')
    .description(
      `print recordings as ${EXPORT_FORMATS.join(', ')}; several ids make one combined file (${COMBINED_EXPORT_FORMATS.join(', ')}, oldest first)`,
    )
    .argument('<ids...>', 'recording ids (from `outbox ls`)')
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .option('--format <format>', EXPORT_FORMATS.join(' | '), 'txt')
    .action((rawIds: string[], flags: CommonFlags & { format: string }) => {
      const ids = rawIds.map(parseId);
      if (new Set(ids).size !== ids.length) throw new CliError('a recording id is given twice');
      const format = flags.format.toLowerCase();
      if (!(EXPORT_FORMATS as readonly string[]).includes(format))
        throw new CliError(`--format must be one of ${EXPORT_FORMATS.join(', ')}, got "${flags.format}"`);
      if (ids.length > 1 && !(COMBINED_EXPORT_FORMATS as readonly string[]).includes(format))
        throw new CliError(
          `several recordings are exported as one ${COMBINED_EXPORT_FORMATS.join(', ')} file; subtitles (srt, vtt) one recording at a time`,
        );
      withOutbox(flags, (store) => {
        const history = new HistoryService(store, () => undefined);
        try {
          const file =
            ids.length === 1
              ? history.export(String(ids[0]), format as ExportFormat)
              : history.exportSelection(ids.map(String), format as CombinedExportFormat);
          process.stdout.write(file.content);
        } catch (error) {
          if (error instanceof ApiError) throw new CliError(error.message, 1);
          throw error;
        } finally {
          history.close();
        }
      });
    });

  outbox
    .command('purge')
    .description(
      'delete finished recordings: --done (the default) or --all (done and failed); queued ones are never purged',
    )
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .option('--done', 'delete done recordings (default)')
    .option('--all', 'delete done and failed recordings')
    .action((flags: CommonFlags & { done?: boolean; all?: boolean }) => {
      if (flags.done && flags.all) throw new CliError('use either --done or --all, not both');
      withOutbox(flags, (store) => {
        const removed = store.purge({ states: flags.all ? ['done', 'failed'] : ['done'] });
        process.stdout.write(`purged ${removed} recording(s)\n`);
      });
    });
}
