// Where a gateway's HTTP routes live, given its WebSocket URL.
import { ROUTES } from '../../src-shared/protocol/messages.js';

/** http(s)://host:port of a ws(s):// gateway URL (path and query dropped: a ?token= stays out). */
export function httpBaseOf(wsUrl: string): string {
  const url = new URL(wsUrl);
  return `${url.protocol === 'wss:' ? 'https:' : 'http:'}//${url.host}`;
}

export function healthUrlOf(wsUrl: string): string {
  return `${httpBaseOf(wsUrl)}${ROUTES.health}`;
}

/** The URL with any token in its query replaced, safe for logs and diagnostics. */
export function redactUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password) url.password = 'REDACTED';
    for (const key of [...url.searchParams.keys()]) {
      if (/token|key|secret|auth/i.test(key)) url.searchParams.set(key, 'REDACTED');
    }
    return url.toString();
  } catch {
    return raw.replace(/(token|key|secret|auth)=[^&\s]*/gi, '$1=REDACTED');
  }
}
