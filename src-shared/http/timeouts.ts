// Header and request timeouts of both servers (gateway and web host). Node enforces them
// on a timer that runs every `connectionsCheckingInterval` (30 s by default), so a socket
// outlives its timeout by up to that much: check often enough that it does not.

/** How often to check for expired requests, for a headers timeout of `headersTimeoutMs`. */
export function timeoutCheckInterval(headersTimeoutMs: number): number {
  return Math.max(100, Math.min(1_000, Math.floor(headersTimeoutMs / 4)));
}
