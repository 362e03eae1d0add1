// `earshot outbox ls --json | head`: once the reader has what it wants it closes the pipe,
// and the next write fails with EPIPE, which Node raises as an uncaught 'error' event on
// stdout: a stack trace on the terminal. A closed pipe means the reader is done, so every
// Earshot executable (the CLI, gateway, worker) ends quietly instead, with 0, as a Unix
// tool ended by SIGPIPE would (what was accepted into the outbox stays there).

import type { EventEmitter } from 'node:events';

/** Ends the process quietly when one of `streams` (by default stdout and stderr) cannot be written. */
export function exitQuietlyOnClosedPipe(streams: EventEmitter[] = [process.stdout, process.stderr]): void {
  for (const stream of streams) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(0);
      // Any other failure to write output: nothing useful can be printed either.
      process.exit(1);
    });
  }
}
