// The built renderer (dist-renderer/) as both hosts serve it: Electron's app:// scheme
// (src-main/electron/main.ts) and web mode's HTTP server (src-main/web/static-files.ts).
// One lookup, one MIME table and one Content-Security-Policy, so the page gets the same
// files with the same types whichever host loads it. Only files inside the folder are
// served; a missing build gets a page that says how to build it rather than an empty
// screen.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';

const MIME_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.wav': 'audio/wav',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

export function mimeType(path: string): string {
  return MIME_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Scripts only from this origin, no eval, no plugins, no framing. Inline <style> is allowed
 * because wavesurfer.js styles its shadow DOM with one; blob: media for playback.
 * `connectSources` are the origins the page may open sockets to besides its own.
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

export type RendererAsset =
  | { status: 200; contentType: string; body: Buffer }
  | { status: 404 }
  | { status: 503; contentType: string; body: string };

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Earshot</title>
<p>The Earshot UI is not built. Run <code>npx vite build</code> in the Earshot folder, then reload.</p>`;

/**
 * The file for a request's `pathname` in the built renderer at `root`: the file itself,
 * index.html for an app route (a path without an extension), 404 for a missing asset or
 * a path that leaves the folder, 503 with a page saying how to build when there is no build.
 */
export function readRendererAsset(root: string, pathname: string): RendererAsset {
  const index = join(root, 'index.html');
  if (!existsSync(index)) return { status: 503, contentType: mimeType(index), body: NOT_BUILT };
  let relative: string;
  try {
    relative = normalize(decodeURIComponent(pathname)).replace(/^([/\\])+/, '');
  } catch {
    return { status: 404 };
  }
  const file = join(root, relative);
  if (file !== root && !file.startsWith(root.endsWith(sep) ? root : root + sep)) return { status: 404 };
  let target = file;
  if (relative === '' || !existsSync(file) || !statSync(file).isFile()) {
    // Client-side routes (no extension) get the app; a missing asset is a real 404.
    if (extname(relative) !== '') return { status: 404 };
    target = index;
  }
  return { status: 200, contentType: mimeType(target), body: readFileSync(target) };
}
