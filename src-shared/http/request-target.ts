// The path and query of an HTTP request target, read without ever throwing. Both servers
// (gateway and web host) route on them, and a request line is attacker-controlled: `new
// URL('//[', base)` throws (a leading `//` makes the rest a host), which in a request
// handler is an uncaught exception that kills the process. Origin-form targets
// ("/path?query") are read against a fixed origin so a `//` can never become a host;
// absolute-form ("http://host/path", RFC 9112 section 3.2.2) is accepted for http(s);
// anything else is malformed and gets a 400.

export interface RequestTarget {
  pathname: string;
  searchParams: URLSearchParams;
}

const FIXED_ORIGIN = 'http://request-target.invalid';

export function parseRequestTarget(raw: string | undefined): RequestTarget | undefined {
  if (raw === undefined || raw === '') return undefined;
  try {
    if (raw.startsWith('/')) {
      const url = new URL(FIXED_ORIGIN + raw);
      return { pathname: url.pathname, searchParams: url.searchParams };
    }
    const url = new URL(raw);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    return { pathname: url.pathname, searchParams: url.searchParams };
  } catch {
    return undefined;
  }
}

/** decodeURIComponent that answers undefined for a malformed escape instead of throwing. */
export function decodeComponent(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/**
 * A request target fit for a log line: query values that may carry a secret are masked
 * (the token travels as ?token=) and the length is capped. (The log is JSON: control
 * characters come out escaped.)
 */
export function loggableTarget(raw: string | undefined, maxLength = 200): string {
  const masked = (raw ?? '').replace(/([?&;]token=)[^&;#]*/gi, '$1[redacted]');
  return masked.length > maxLength ? `${masked.slice(0, maxLength)}...` : masked;
}
