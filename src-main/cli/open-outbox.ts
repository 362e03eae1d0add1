// Opening the outbox for a CLI command: validates --data-dir, turns OutboxError into a
// one-line CliError, and tells the user when a damaged database was moved aside or when
// the folder's permissions had to be tightened.
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DATABASE_FILE } from '../outbox/open-database.js';
import { OutboxError, OutboxStore, defaultDataDir } from '../outbox/store.js';
import { CliError } from './errors.js';

export const DATA_DIR_HELP =
  'outbox folder (default: the platform app-data folder, e.g. ~/.local/share/earshot)';

export function resolveDataDir(flag: string | undefined): string {
  if (flag === undefined) return defaultDataDir();
  if (flag.trim() === '' || flag.includes('\0'))
    throw new CliError(`--data-dir must be a folder path, got "${flag}"`);
  return resolve(flag);
}

/**
 * Commands that look into an outbox or act on its recordings (`outbox ls|retry|discard|
 * purge`, `status --data-dir`) never create one: a mistyped --data-dir would otherwise
 * leave an empty outbox behind and report "empty".
 */
export function openOutboxForCli(
  dataDirFlag: string | undefined,
  warn: (line: string) => void = (line) => process.stderr.write(`earshot: ${line}\n`),
  options: { create: boolean } = { create: false },
): OutboxStore {
  const dataDir = resolveDataDir(dataDirFlag);
  if (!options.create) {
    const named = dataDirFlag === undefined ? 'the data folder' : '--data-dir';
    if (!existsSync(dataDir)) throw new CliError(`${named} ${dataDir} does not exist (no outbox there)`);
    if (!statSync(dataDir).isDirectory()) throw new CliError(`${named} ${dataDir} is a file, not a folder`);
    if (!existsSync(join(dataDir, DATABASE_FILE)))
      throw new CliError(`no outbox in ${dataDir} (it has no ${DATABASE_FILE}); check ${named}`);
  }
  try {
    const store = OutboxStore.open(dataDir);
    if (store.recovery) warn(store.recovery.message);
    if (store.permissionsNotice) warn(store.permissionsNotice);
    return store;
  } catch (error) {
    throw asCliError(error);
  }
}

/** OutboxError -> CliError with the same one-line message; anything else unchanged. */
export function asCliError(error: unknown): unknown {
  if (error instanceof OutboxError) {
    const exitCode =
      error.code === 'not_found' || error.code === 'invalid_input' || error.code === 'invalid_state' ? 2 : 1;
    return new CliError(error.message, exitCode);
  }
  return error;
}
