// The `earshot` command line. Each subcommand lives in its own module under
// ./commands and registers itself on the program; `gateway` and `worker` run the
// gateway runtime in a child process (src-main never imports src-gateway).
import { Command, CommanderError } from 'commander';
import { registerGatewayCommands } from './commands/gateway.js';
import { registerWebCommand } from './commands/web.js';
import { registerTranscribeCommand } from './commands/transcribe.js';
import { registerOutboxCommand } from './commands/outbox.js';
import { registerDictateCommand } from './commands/dictate.js';
import { registerStressCommand } from './commands/stress.js';
import { registerStatusCommand } from './commands/status.js';
import { exitQuietlyOnClosedPipe } from '../../src-node/process/closed-pipe.js';
import { CliError } from './errors.js';

exitQuietlyOnClosedPipe();

const program = new Command('earshot')
  .description('Desktop speech-to-text client for ASR gateways')
  .version('0.1.0')
  // Like every other bad input: one line, exit 2 (set before the subcommands, which inherit it).
  .configureOutput({
    outputError: (message, write) =>
      write(`earshot: ${message.trim().replace(/^error: /, '')} (see --help)\n`),
  })
  .exitOverride((error) => {
    // `gateway` and `worker` run as child processes: their exit code is ours (commander's
    // default override would swallow it and exit 0).
    if (error.code === 'commander.executeSubCommandAsync') process.exit(error.exitCode);
    throw error;
  });

registerGatewayCommands(program);
registerWebCommand(program);
registerTranscribeCommand(program);
registerOutboxCommand(program);
registerDictateCommand(program);
registerStressCommand(program);
registerStatusCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    const shown = error.code === 'commander.helpDisplayed' || error.code === 'commander.version';
    process.exit(shown || error.exitCode === 0 ? error.exitCode : 2);
  }
  if (error instanceof CliError) {
    process.stderr.write(`earshot: ${error.message}\n`);
    process.exit(error.exitCode);
  }
  process.stderr.write(`earshot: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
