// `earshot gateway` and `earshot worker` belong to the gateway runtime; commander runs
// its entry point as a child process and forwards signals to it.
import type { Command } from 'commander';
import { gatewayEntryPoint } from '../../paths.js';

export function registerGatewayCommands(program: Command): void {
  program.command('gateway', 'run the ASR gateway (WebSocket /ws/asr + HTTP API)', {
    executableFile: gatewayEntryPoint(),
  });
  program.command('worker', 'run a recognizer worker for a Redis-backed gateway', {
    executableFile: gatewayEntryPoint('worker'),
  });
}
