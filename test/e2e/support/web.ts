// Starts `earshot web` (the real compiled host: services, outbox, uploader) as a child
// process and waits for the URL line it prints.
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT, ensureBuilt } from '../../helpers/build.js';
import { ensureRendererBuilt } from '../../helpers/renderer.js';
import { spawnUntilLine } from '../../helpers/spawn-until-line.js';

const URL_LINE = /^Earshot web UI: (http:\/\/127\.0\.0\.1:(\d+)\/\?token=\S+)\s*$/m;

export interface WebHostProcess {
  url: string;
  port: number;
  process: ChildProcess;
  stderr(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
  exited: Promise<number | string>;
}

export async function startWebHost(args: {
  dataDir: string;
  gatewayUrl?: string;
  port?: number;
  engine?: string;
  /** A UI folder to serve instead of the built renderer (which is then not built). */
  rendererDir?: string;
  extra?: string[];
}): Promise<WebHostProcess> {
  await Promise.all([ensureBuilt(), args.rendererDir ? undefined : ensureRendererBuilt()]);
  const argv = [
    join(REPO_ROOT, 'bin', 'earshot.js'),
    'web',
    '--port',
    String(args.port ?? 0),
    '--data-dir',
    args.dataDir,
    '--engine',
    args.engine ?? 'synthetic',
  ];
  if (args.gatewayUrl) argv.push('--url', args.gatewayUrl);
  if (args.rendererDir) argv.push('--renderer-dir', args.rendererDir);
  argv.push(...(args.extra ?? []));
  const child = await spawnUntilLine(argv, {
    ready: URL_LINE,
    timeoutMs: 30_000,
    timedOut: 'earshot web printed no URL within 30 s',
    exitedEarly: (code) => `earshot web exited (${code}) before printing its URL`,
  });
  return {
    url: child.match[1],
    port: Number(child.match[2]),
    process: child.process,
    stderr: child.stderr,
    exited: child.exited,
    stop: (signal: NodeJS.Signals = 'SIGTERM') => child.stop(signal),
  };
}
