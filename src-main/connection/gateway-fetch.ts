// HTTP GETs to a gateway (health, session lookup): one deadline, the bearer token when
// there is one, a lenient JSON body, and failures worded the way a status line needs them.

/** GETs `url` within `timeoutMs`; `body` is undefined when the answer is not JSON. Throws as fetch() does. */
export async function getGatewayJson(
  url: string,
  timeoutMs: number,
  token?: string,
): Promise<{ response: Response; body: unknown }> {
  const response = await fetch(url, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body: unknown = await response.json().catch(() => undefined);
  return { response, body };
}

/** Why a fetch() to a gateway failed: the timeout, or the network error's code (ECONNREFUSED...) rather than undici's "fetch failed". */
export function fetchFailureReason(error: unknown, timeoutMs: number): string {
  if ((error as Error).name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  return (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
}
