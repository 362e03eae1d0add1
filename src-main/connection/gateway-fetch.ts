// Why a fetch() to a gateway failed, in the words a status line needs: the timeout, or
// the network error's code (ECONNREFUSED...) rather than undici's "fetch failed".
export function fetchFailureReason(error: unknown, timeoutMs: number): string {
  if ((error as Error).name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  return (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
}
