// Web mode's access control: a random token printed once in the URL. The page load that
// carries it gets an HttpOnly SameSite=Strict cookie, so the page's own assets and its
// API socket are authorised without the token travelling again; anything else is 401.
// Host and Origin are checked too, so a DNS-rebinding page cannot talk to the host.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const SESSION_COOKIE = 'earshot_session';

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return decodeURIComponent(rest.join('='));
  }
  return undefined;
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
  check(request: IncomingMessage): AuthResult {
    const host = request.headers.host ?? '';
    if (!this.allowedHosts().includes(host))
      return { ok: false, status: 403, reason: `host "${host.slice(0, 100)}" is not this web host` };
    const origin = request.headers.origin;
    if (origin !== undefined && !this.allowedHosts().some((h) => origin === `http://${h}`)) {
      return { ok: false, status: 403, reason: 'cross-origin request refused' };
    }
    const url = new URL(request.url ?? '/', 'http://placeholder');
    const fromQuery = url.searchParams.get('token');
    if (fromQuery !== null) {
      return sameSecret(fromQuery, this.token)
        ? { ok: true, viaQuery: true }
        : { ok: false, status: 401, reason: 'wrong token' };
    }
    const fromCookie = cookieValue(request.headers.cookie, SESSION_COOKIE);
    if (fromCookie !== undefined && sameSecret(fromCookie, this.token)) return { ok: true, viaQuery: false };
    return { ok: false, status: 401, reason: 'missing token: open the URL that `earshot web` printed' };
  }

  sessionCookie(): string {
    return `${SESSION_COOKIE}=${encodeURIComponent(this.token)}; HttpOnly; SameSite=Strict; Path=/`;
  }
}
