// What the gateway and worker executables share: one-line errors with fixed exit codes,
// commander parsing that turns its errors into such a line, and the signal handling
// (first SIGINT/SIGTERM drains, a second one exits at once).
import { CommanderError, type Command } from 'commander';
import type { Logger } from '../logging.js';

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
 * On the first SIGINT/SIGTERM runs `shutdown` and exits 0 when it resolves (1 when it
 * rejects); a second signal exits 1 at once.
 */
export function exitOnStopSignals(
  logger: Logger,
  shutdown: (signal: NodeJS.Signals) => Promise<unknown>,
): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    shutdown(signal).then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
