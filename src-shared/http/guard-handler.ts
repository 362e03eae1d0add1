// A server's request and upgrade handlers run on input anyone can send; an exception
// escaping one of them is an uncaught exception that ends the process. Each handler is
// written not to throw; this wrapper is the net under them: the failure goes to
// `onError`, which answers that one request (500, or a closed socket) and logs it.

export function guardHandler<Args extends unknown[]>(
  handler: (...args: Args) => void,
  onError: (error: unknown, ...args: Args) => void,
): (...args: Args) => void {
  return (...args) => {
    try {
      handler(...args);
    } catch (error) {
      try {
        onError(error, ...args);
      } catch {
        // Answering failed too (e.g. the socket is gone): nothing more to do for it.
      }
    }
  };
}

/**
 * What a log line may say about such a failure: the stack's first lines, not the error's
 * own fields (a URL error carries the whole request target, ?token= included).
 */
export function errorSummary(error: unknown): string {
  if (!(error instanceof Error)) return 'a non-Error value was thrown';
  return (error.stack ?? `${error.name}: ${error.message}`).split('\n').slice(0, 4).join(' | ').slice(0, 600);
}
