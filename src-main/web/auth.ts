// Web mode's access control: a random token printed once in the URL. The page load that
// carries it gets an HttpOnly SameSite=Strict cookie, so the page's own assets and its
// API socket are authorised without the token travelling again; anything else is 401.
// Host and Origin are checked too, so a DNS-rebinding page cannot talk to the host.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { decodeComponent, type RequestTarget } from '../../src-shared/http/request-target.js';

export const SESSION_COOKIE = 'earshot_session';

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Every value of cookie `name` in a Cookie header. Never throws: a malformed escape
 * (`%E0%A4%A`) is kept as it is, so it simply does not match. All values, not the first:
 * cookies are shared across localhost ports, so a page on another port can plant an
 * `earshot_session` of its own beside ours; one planted cookie must not lock the user out.
 */
export function cookieValues(header: string | undefined, name: string): string[] {
  if (!header) return [];
  const values: string[] = [];
  for (const part of header.split(';')) {
    const equals = part.indexOf('=');
    if (equals < 0 || part.slice(0, equals).trim() !== name) continue;
    const raw = part.slice(equals + 1).trim();
    values.push(decodeComponent(raw) ?? raw);
  }
  return values;
}

export type AuthResult = { ok: true; viaQuery: boolean } | { ok: false; status: 401 | 403; reason: string };

export class WebAuth {
  constructor(
    readonly token: string,
    private port = 0,
  ) {}

  setPort(port: number): void {
    this.port = port;
  }

  private allowedHosts(): string[] {
    return [`127.0.0.1:${this.port}`, `localhost:${this.port}`];
  }

  /** Checks Host (and Origin when the browser sends one), then the token from query or cookie. */
  check(request: IncomingMessage, target: RequestTarget): AuthResult {
    const host = request.headers.host ?? '';
    if (!this.allowedHosts().includes(host))
      return { ok: false, status: 403, reason: `host "${host.slice(0, 100)}" is not this web host` };
    const origin = request.headers.origin;
    if (origin !== undefined && !this.allowedHosts().some((h) => origin === `http://${h}`)) {
      return { ok: false, status: 403, reason: 'cross-origin request refused' };
    }
    const fromQuery = target.searchParams.get('token');
    if (fromQuery !== null) {
      return sameSecret(fromQuery, this.token)
        ? { ok: true, viaQuery: true }
        : { ok: false, status: 401, reason: 'wrong token' };
    }
    if (cookieValues(request.headers.cookie, SESSION_COOKIE).some((value) => sameSecret(value, this.token)))
      return { ok: true, viaQuery: false };
    return { ok: false, status: 401, reason: 'missing token: open the URL that `earshot web` printed' };
  }

  sessionCookie(): string {
    return `${SESSION_COOKIE}=${encodeURIComponent(this.token)}; HttpOnly; SameSite=Strict; Path=/`;
  }
}
