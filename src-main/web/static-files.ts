// Serves the built renderer (dist-renderer/) with a strict Content-Security-Policy.
// Only files inside the folder are served; a missing build gets a page that says how to
// build it rather than an empty screen.
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.wav': 'audio/wav',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Scripts only from this origin, no eval, no plugins, no framing. Inline <style> is allowed
 * because wavesurfer.js styles its shadow DOM with one; blob: media for playback.
 */
export function contentSecurityPolicy(connectSources: string[]): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    "worker-src 'self' blob:",
    `connect-src ${["'self'", ...connectSources].join(' ')}`,
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export function securityHeaders(port: number): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy([`ws://127.0.0.1:${port}`, `ws://localhost:${port}`]),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cache-Control': 'no-store',
  };
}

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Earshot</title>
<p>The Earshot UI is not built. Run <code>npx vite build</code> in the Earshot folder, then reload.</p>`;

/** Writes the file for `pathname`, or index.html for app routes. Returns false if nothing fits (404). */
export function serveStatic(
  root: string,
  pathname: string,
  response: ServerResponse,
  headers: Record<string, string>,
): boolean {
  const index = join(root, 'index.html');
  if (!existsSync(index)) {
    response.writeHead(503, { ...headers, 'Content-Type': 'text/html; charset=utf-8' }).end(NOT_BUILT);
    return true;
  }
  let relative: string;
  try {
    relative = normalize(decodeURIComponent(pathname)).replace(/^([/\\])+/, '');
  } catch {
    return false;
  }
  const file = join(root, relative);
  if (file !== root && !file.startsWith(root.endsWith(sep) ? root : root + sep)) return false;
  let target = file;
  if (relative === '' || !existsSync(file) || !statSync(file).isFile()) {
    // Client-side routes (no extension) get the app; a missing asset is a real 404.
    if (extname(relative) !== '') return false;
    target = index;
  }
  const type = TYPES[extname(target).toLowerCase()] ?? 'application/octet-stream';
  response.writeHead(200, { ...headers, 'Content-Type': type }).end(readFileSync(target));
  return true;
}
