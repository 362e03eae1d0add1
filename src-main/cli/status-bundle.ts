// `earshot status --bundle FILE`: the diagnostics bundle from what `status` just measured
// (src-main/diagnostics/bundle.ts writes and redacts it). The path is checked before any
// traffic, an existing file is kept unless --force, and every file-system failure is one
// line naming the path and the cause.
import { accessSync, constants, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { SessionLookup } from '../connection/session-lookup.js';
import type { ConnectionMonitor } from '../connection/monitor.js';
import { buildBundle, type BundleFile } from '../diagnostics/bundle.js';
import { connectionLogLine, earshotVersion, outboxSummary, versionsFile } from '../diagnostics/contents.js';
import { REDACTED, secretsInUrl } from '../diagnostics/redact.js';
import { SETTINGS_FILE } from '../services/settings-store.js';
import { hostOf } from '../services/delivery-service.js';
import { redactUrl } from '../protocol-client/urls.js';
import { CliError } from './errors.js';
import { openOutboxForCli, resolveDataDir } from './open-outbox.js';

/** What went wrong with a file-system call, in words. */
function fsCause(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'the file system is read-only';
    case 'ENOSPC':
    case 'EDQUOT':
      return 'no space left on the disk';
    case 'ENOENT':
      return 'the folder does not exist';
    case 'ENOTDIR':
      return 'part of the path is a file, not a folder';
    case 'EISDIR':
      return 'it is a folder';
    default:
      return code ?? (error as Error).message;
  }
}

/**
 * Checks --bundle before anything is measured: a file name in a folder we can write to,
 * not an existing file (unless --force). Returns the absolute path.
 */
export function checkBundlePath(flag: string, force: boolean): string {
  if (flag.trim() === '' || flag.includes('\0')) throw new CliError('--bundle needs a file path');
  const path = resolve(flag);
  let existing: ReturnType<typeof statSync> | undefined;
  try {
    existing = statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR')
      throw new CliError(`--bundle ${flag}: cannot check it (${fsCause(error)})`);
  }
  if (existing?.isDirectory())
    throw new CliError(
      `--bundle ${flag} is a folder; give a file name, e.g. ${join(flag, 'earshot-diagnostics.tar.gz')}`,
    );
  if (existing && !force) throw new CliError(`--bundle ${flag} already exists; give --force to overwrite it`);
  const folder = dirname(path);
  let folderStat: ReturnType<typeof statSync> | undefined;
  try {
    folderStat = statSync(folder);
  } catch {
    /* reported below */
  }
  if (!folderStat) throw new CliError(`--bundle ${flag}: the folder ${folder} does not exist`);
  if (!folderStat.isDirectory()) throw new CliError(`--bundle ${flag}: ${folder} is a file, not a folder`);
  try {
    accessSync(folder, constants.W_OK | constants.X_OK);
    if (existing) accessSync(path, constants.W_OK);
  } catch (error) {
    throw new CliError(`--bundle ${flag}: cannot write there (${fsCause(error)})`);
  }
  return path;
}

export interface StatusBundleInput {
  path: string;
  force: boolean;
  url: string;
  /** Where the token came from, never its value. */
  tokenSource: 'flag' | 'env' | 'url' | 'none';
  token: string | undefined;
  timeoutMs: number;
  dataDirFlag: string | undefined;
  monitor: ConnectionMonitor;
  session?: { id: string; lookup: SessionLookup };
}

export interface WrittenBundle {
  path: string;
  bytes: number;
  files: string[];
}

/** settings.json of the data folder, read only, with the token taken out (and returned, to redact everywhere). */
function settingsFileOf(dataDir: string): { file: unknown; secrets: string[] } {
  const path = join(dataDir, SETTINGS_FILE);
  if (!existsSync(path)) return { file: { path, present: false }, secrets: [] };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    // Its text is not copied: an unreadable file could still hold the token.
    const reason = error instanceof SyntaxError ? 'not valid JSON' : fsCause(error);
    return { file: { path, present: true, problem: `cannot be read: ${reason}` }, secrets: [] };
  }
  const secrets: string[] = [];
  const stored = raw as { settings?: Record<string, unknown> };
  const settings = stored && typeof stored === 'object' ? stored.settings : undefined;
  if (settings && typeof settings === 'object') {
    if (typeof settings.token === 'string' && settings.token !== '') {
      secrets.push(settings.token);
      settings.token = REDACTED;
    }
    if (Array.isArray(settings.gatewayUrls))
      settings.gatewayUrls = settings.gatewayUrls.map((url: unknown) => {
        if (typeof url !== 'string') return url;
        secrets.push(...secretsInUrl(url));
        return redactUrl(url);
      });
  }
  return { file: { path, present: true, ...(raw as object) }, secrets };
}

export function writeStatusBundle(input: StatusBundleInput): WrittenBundle {
  const snapshot = input.monitor.snapshot();
  const secrets = [...secretsInUrl(input.url), ...(input.token ? [input.token] : [])];
  const dataDir = input.dataDirFlag === undefined ? undefined : resolveDataDir(input.dataDirFlag);
  const settingsFile = dataDir === undefined ? undefined : settingsFileOf(dataDir);
  if (settingsFile) secrets.push(...settingsFile.secrets);

  let outbox: unknown;
  if (dataDir === undefined) {
    outbox = {
      included: false,
      reason: 'no --data-dir given: earshot status reads an outbox only when told which',
    };
  } else {
    const store = openOutboxForCli(input.dataDirFlag);
    try {
      outbox = outboxSummary(store, dataDir);
    } finally {
      store.close();
    }
  }

  const host = hostOf(input.url);
  const logLines = [
    '# earshot status keeps no log file; these are the events of this run.',
    ...snapshot.events.map((event) => connectionLogLine(host, event)),
  ];
  if (input.session)
    logLines.push(
      `${new Date().toISOString()} session ${input.session.id}: ${
        input.session.lookup.ok
          ? `found (${input.session.lookup.session.status})`
          : input.session.lookup.reason
      }`,
    );

  const files: BundleFile[] = [
    {
      name: 'settings.json',
      description:
        "the status command as run (gateway URL, where the token came from, timeout, data folder) and the data folder's settings.json, token and URL secrets redacted",
      content: {
        command: 'earshot status',
        gatewayUrl: redactUrl(input.url),
        token: input.tokenSource === 'none' ? 'none given' : `given (${input.tokenSource})`,
        timeoutMs: input.timeoutMs,
        dataDir: dataDir ?? null,
        settingsFile: settingsFile?.file ?? null,
      },
    },
    {
      name: 'logs/cli.log',
      description: 'log lines of this run: connects, pings, health checks and failures',
      content: `${logLines.join('\n')}\n`,
    },
    {
      name: 'timeline.json',
      description:
        'the connection monitor: state and since when, round trip, counters, every event with its time, last error',
      content: {
        gateways: [snapshot],
        ...(input.session
          ? {
              session: {
                id: input.session.id,
                found: input.session.lookup.ok,
                // The session's texts stay out: see outbox.json's "excluded".
                ...(input.session.lookup.ok
                  ? { status: input.session.lookup.session.status }
                  : { reason: input.session.lookup.reason }),
              },
            }
          : {}),
      },
    },
    {
      name: 'health.json',
      description:
        'every /api/v1/health answer of this run, oldest first, with when it was asked and why it failed',
      content: { gateways: [{ url: redactUrl(input.url), ...input.monitor.healthHistory() }] },
    },
    {
      name: 'outbox.json',
      description:
        'recordings by state and the recent failures (with --data-dir); no audio, no transcript text',
      content: outbox,
    },
    {
      name: 'versions.json',
      description:
        "Earshot, Node, the operating system, and the gateway's version, engine and model from its health answer",
      content: versionsFile({ version: earshotVersion(), mode: 'cli' }, [
        { url: input.url, health: snapshot.health },
      ]),
    },
  ];

  const bundle = buildBundle({ source: 'cli', files, secrets });
  try {
    writeFileSync(input.path, bundle.bytes, { flag: input.force ? 'w' : 'wx', mode: 0o600 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST')
      throw new CliError(`--bundle ${input.path} appeared meanwhile; give --force to overwrite it`, 1);
    throw new CliError(`cannot write the bundle ${input.path}: ${fsCause(error)}`, 1);
  }
  return {
    path: input.path,
    bytes: bundle.bytes.length,
    files: ['manifest.json', ...bundle.manifest.files.map((f) => f.name)].map(
      (name) => `${basename(bundle.filename, '.tar.gz')}/${name}`,
    ),
  };
}
