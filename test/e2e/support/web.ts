// Starts `earshot web` (the real compiled host: services, outbox, uploader) as a child
// process and waits for the URL line it prints.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT, ensureBuilt } from '../../helpers/build.js';
import { ensureRendererBuilt } from '../../helpers/renderer.js';

const URL_LINE = /^Earshot web UI: (http:\/\/127\.0\.0\.1:(\d+)\/\?token=\S+)\s*$/m;

export interface WebHostProcess {
  url: string;
  port: number;
  process: ChildProcess;
  stderr(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
  exited: Promise<number | string>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export async function startWebHost(args: { dataDir: string; gatewayUrl?: string; port?: number; engine?: string; extra?: string[] }): Promise<WebHostProcess> {
  await Promise.all([ensureBuilt(), ensureRendererBuilt()]);
  const argv = [join(REPO_ROOT, 'bin', 'earshot.js'), 'web', '--port', String(args.port ?? 0), '--data-dir', args.dataDir, '--engine', args.engine ?? 'synthetic'];
  if (args.gatewayUrl) argv.push('--url', args.gatewayUrl);
  argv.push(...(args.extra ?? []));
  const child = spawn(process.execPath, argv, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (t: string) => (out += t));
  child.stderr.setEncoding('utf8').on('data', (t: string) => (err += t));
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve(code ?? signal ?? -1);
    }),
  );
  const match = await new Promise<RegExpMatchArray>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`earshot web printed no URL within 30 s; stderr: ${err.slice(-2000)}`));
    }, 30_000);
    const check = () => {
      const found = out.match(URL_LINE);
      if (found) {
        clearTimeout(timer);
        resolve(found);
      }
    };
    child.stdout.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`earshot web exited (${code}) before printing its URL; stderr: ${err.slice(-2000)}`));
    });
  });
  return {
    url: match[1],
    port: Number(match[2]),
    process: child,
    stderr: () => err,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
