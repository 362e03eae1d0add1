// The gateway token (--token), as a request carries it: `Authorization: Bearer T` (the
// scheme is case-insensitive, RFC 7235 section 2.1) or `?token=T` for clients that cannot
// set headers (browsers' WebSocket). Compared in constant time.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const BEARER = /^bearer[ \t]+(\S+)[ \t]*$/i;

function tokenFrom(request: IncomingMessage, searchParams: URLSearchParams): string | undefined {
  const header = request.headers.authorization;
  const bearer = header === undefined ? null : BEARER.exec(header);
  if (bearer) return bearer[1];
  return searchParams.get('token') ?? undefined;
}

function sameSecret(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** True when `expected` is undefined (no token configured) or the request carries it. */
export function carriesToken(
  request: IncomingMessage,
  searchParams: URLSearchParams,
  expected: string | undefined,
): boolean {
  return expected === undefined || sameSecret(tokenFrom(request, searchParams), expected);
}
