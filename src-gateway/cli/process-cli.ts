// What the gateway and worker executables share: one-line errors with fixed exit codes,
// commander parsing that turns its errors into such a line, and the signal handling
// (first SIGINT/SIGTERM drains within a hard bound; a repeat within a second is the same
// stop, a later one exits at once).
import { CommanderError, type Command } from 'commander';
import type { Logger } from '../logging.js';
import { exitOnStopSignals as onStopSignals } from '../../src-node/process/stop-signals.js';

export type Fail = (message: string, exitCode: number) => never;

/** Writes `<name>: <message>` to stderr and exits with `exitCode`. */
export function failWith(name: string): Fail {
  return (message, exitCode) => {
    process.stderr.write(`${name}: ${message}\n`);
    process.exit(exitCode);
  };
}

/** Parses argv; --help/--version exit 0, a bad flag exits 2 with commander's message. */
export function parseCommandLine(program: Command, argv: string[], fail: Fail): void {
  program.exitOverride().configureOutput({
    writeErr: () => undefined, // the one-line message is written by fail()
  });
  try {
    program.parse(argv, { from: 'node' });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') process.exit(0);
      fail(error.message.replace(/^error: /, ''), 2);
    }
    throw error;
  }
}

/**
 * The stop every gateway-runtime process shares (src-node/process/stop-signals.ts): a
 * repeat within a second is the same stop, a later one exits 1 at once, and the shutdown
 * is bounded by `hardLimitMs`. Each unclean stop is one log line.
 */
export function exitOnStopSignals(
  logger: Logger,
  shutdown: (signal: NodeJS.Signals) => Promise<unknown>,
  options: { hardLimitMs: number },
): void {
  onStopSignals({
    shutdown,
    hardLimitMs: options.hardLimitMs,
    report: (event, detail) => {
      if (event === 'second_signal') logger.warn({ signal: detail }, 'second signal: exiting now');
      else if (event === 'shutdown_timeout')
        logger.error({ event, limit_ms: detail }, 'shutdown did not finish in time: exiting now');
      else logger.error({ err: detail }, 'error during shutdown');
    },
  });
}
