// How every long-running Earshot process (gateway, worker, `earshot web`) stops on
// SIGINT/SIGTERM (docs/gateway.md, "Shutdown"): the first signal starts the graceful
// shutdown and the process exits 0 when it is done. Ctrl-C under `npx` delivers SIGINT
// twice, from the terminal and again through the launchers that forward it, so signals
// within SAME_STOP_WINDOW_MS of the first are the same stop; one later than that is
// someone asking again, and the process exits 1 at once. The shutdown is bounded: past
// `hardLimitMs` the process exits 1 whatever it still waits for.

/** Signals this close to the first one are the same stop. */
export const SAME_STOP_WINDOW_MS = 1000;

export interface StopSignalOptions {
  /** The graceful shutdown; the process exits 0 when it resolves. */
  shutdown: (signal: NodeJS.Signals) => Promise<unknown>;
  /** Exit 1 if the shutdown has not finished this long after the first signal. */
  hardLimitMs: number;
  /** One line about a stop that is not clean (a later signal, the limit, a failure). */
  report: (event: 'second_signal' | 'shutdown_timeout' | 'shutdown_failed', detail: unknown) => void;
}

export function exitOnStopSignals(options: StopSignalOptions): void {
  let firstAt: number | undefined;
  const stop = (signal: NodeJS.Signals) => {
    if (firstAt !== undefined) {
      if (performance.now() - firstAt < SAME_STOP_WINDOW_MS) return;
      options.report('second_signal', signal);
      process.exit(1);
    }
    firstAt = performance.now();
    setTimeout(() => {
      options.report('shutdown_timeout', options.hardLimitMs);
      process.exit(1);
    }, options.hardLimitMs).unref();
    options.shutdown(signal).then(
      () => process.exit(0),
      (error: unknown) => {
        options.report('shutdown_failed', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
