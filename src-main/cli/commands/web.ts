// `earshot web [--port P] [--data-dir DIR] [--url GATEWAY] [--engine E]`: the desktop
// app's services and UI in a browser, on 127.0.0.1 only, behind a random token. Prints
// one line with the URL to open (`--json`: one JSON line), then serves until SIGINT or
// SIGTERM, when it shuts down in order (outbox flushed, embedded gateway stopped).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { OutboxError } from '../../outbox/errors.js';
import { defaultDataDir } from '../../outbox/data-dir.js';
import { AppServices } from '../../services/app-services.js';
import { SettingsError } from '../../services/settings-store.js';
import { startWebHost } from '../../web/web-host.js';
import { exitOnStopSignals } from '../../../src-node/process/stop-signals.js';
import { DEFAULT_ENGINE } from '../../../src-shared/engines.js';
import { ENGINE_CHOICES, parseEngine } from '../engine-flag.js';
import { CliError } from '../errors.js';
import { parseGatewayUrl } from '../gateway-url.js';

/**
 * The bound on a stop: the embedded gateway's own (10 s grace, then at most 15 s before it
 * is killed: gateway-process/embedded.ts) plus the outbox and the API sockets.
 */
const WEB_STOP_LIMIT_MS = 30_000;

interface WebFlags {
  port: string;
  dataDir?: string;
  url?: string;
  engine: string;
  rendererDir?: string;
  json?: boolean;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new CliError(`--port must be an integer 0-65535 (0 = any free port), got "${value}"`);
  return port;
}

export function registerWebCommand(program: Command): void {
  program
    .command('web')
    .description('serve the Earshot UI and API on 127.0.0.1 (open the printed URL in a browser)')
    .option('--port <port>', 'port on 127.0.0.1 (0 = any free port)', '0')
    .option('--data-dir <dir>', 'data folder (outbox, settings); default: the per-user app data folder')
    .option(
      '--url <url>',
      'gateway to use for this run (not saved; Settings keeps its own); without it and without saved URLs the embedded gateway runs on this computer',
    )
    .option('--engine <engine>', `engine of the embedded gateway: ${ENGINE_CHOICES}`, DEFAULT_ENGINE)
    .option('--renderer-dir <dir>', 'built UI to serve (default dist-renderer/)')
    .option('--json', 'print the URL as one JSON line')
    .action(async (flags: WebFlags) => {
      const port = parsePort(flags.port);
      const engine = parseEngine(flags.engine);
      const gatewayUrl = flags.url === undefined ? undefined : parseGatewayUrl(flags.url);
      if (flags.rendererDir !== undefined && !existsSync(join(flags.rendererDir, 'index.html')))
        throw new CliError(
          existsSync(flags.rendererDir)
            ? `--renderer-dir ${flags.rendererDir} has no index.html (a built UI: npx vite build)`
            : `--renderer-dir ${flags.rendererDir} does not exist`,
        );
      const dataDir = flags.dataDir ?? defaultDataDir();
      if (dataDir.trim() === '') throw new CliError('--data-dir must not be empty');

      let services: AppServices;
      try {
        services = await AppServices.open({
          dataDir,
          mode: 'web',
          gatewayUrl,
          embedded: { engine },
        });
      } catch (error) {
        if (error instanceof OutboxError || error instanceof SettingsError) throw new CliError(error.message);
        throw error;
      }
      let host;
      try {
        host = await startWebHost({ services, port, rendererDir: flags.rendererDir });
      } catch (error) {
        await services.close();
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE')
          throw new CliError(
            `port ${port} on 127.0.0.1 is in use; choose another with --port (0 = any free port)`,
          );
        if (code === 'EACCES')
          throw new CliError(`not allowed to listen on port ${port}; choose a port above 1023`);
        throw error;
      }
      process.stdout.write(
        flags.json
          ? JSON.stringify({ event: 'listening', url: host.url, port: host.port }) + '\n'
          : `Earshot web UI: ${host.url}\n`,
      );
      // The token is in the printed URL only: never in stderr, which may end up in logs.
      process.stderr.write(`earshot web: data folder ${dataDir}; the token changes at every start\n`);
      void services.ready.then(() => {
        const embedded = services.gateway.embeddedStatus();
        if (embedded.state === 'running')
          process.stderr.write(`earshot web: embedded gateway (${embedded.engine}) at ${embedded.url}\n`);
        else if (embedded.state === 'unavailable')
          process.stderr.write(`earshot web: embedded gateway unavailable: ${embedded.reason}\n`);
      });

      // Stops like the gateway (src-node/process/stop-signals.ts): a repeat within a second
      // is the same stop, a later signal exits 1 at once, and the whole stop is bounded.
      exitOnStopSignals({
        shutdown: () => host.close().then(() => services.close()),
        hardLimitMs: WEB_STOP_LIMIT_MS,
        report: (event, detail) =>
          process.stderr.write(
            event === 'second_signal'
              ? `earshot web: second signal (${String(detail)}): exiting now\n`
              : event === 'shutdown_timeout'
                ? `earshot web: shutdown did not finish within ${Number(detail) / 1000} s: exiting now\n`
                : `earshot web: error during shutdown: ${detail instanceof Error ? detail.message : String(detail)}\n`,
          ),
      });
    });
}
