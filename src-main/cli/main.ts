// The `earshot` command line. Each subcommand lives in its own module under
// ./commands and registers itself on the program; `gateway` and `worker` run the
// gateway runtime in a child process (src-main never imports src-gateway).
import { Command, CommanderError } from 'commander';
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

type Register = (program: Command) => void;
// Each subcommand's module is loaded only when it runs: loading all of them costs ~0.15 s
// of CPU per start (the web host's), which `earshot stress` would otherwise pay on every
// run (docs/benchmarks.md, Earshot vs Artillery). In help order; `worker` shares gateway's.
const COMMANDS: [string[], () => Promise<Register>][] = [
  [['gateway', 'worker'], async () => (await import('./commands/gateway.js')).registerGatewayCommands],
  [['web'], async () => (await import('./commands/web.js')).registerWebCommand],
  [['transcribe'], async () => (await import('./commands/transcribe.js')).registerTranscribeCommand],
  [['outbox'], async () => (await import('./commands/outbox.js')).registerOutboxCommand],
  [['dictate'], async () => (await import('./commands/dictate.js')).registerDictateCommand],
  [['stress'], async () => (await import('./commands/stress.js')).registerStressCommand],
  [['status'], async () => (await import('./commands/status.js')).registerStatusCommand],
];
// A known subcommand first: only its module. Anything else (help, --version, a typo that
// commander suggests a name for): all of them.
const named = COMMANDS.find(([names]) => names.includes(process.argv[2] ?? ''));
for (const [, load] of named ? [named] : COMMANDS) (await load())(program);

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
