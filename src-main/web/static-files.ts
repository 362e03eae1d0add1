// Web mode's side of the renderer asset server (src-main/renderer-assets.ts): the files
// over HTTP, with the security headers of a page served from 127.0.0.1.
import type { ServerResponse } from 'node:http';
import { contentSecurityPolicy, readRendererAsset } from '../renderer-assets.js';

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

/** Writes the file for `pathname`, or index.html for app routes. Returns false if nothing fits (404). */
export function serveStatic(
  root: string,
  pathname: string,
  response: ServerResponse,
  headers: Record<string, string>,
): boolean {
  const asset = readRendererAsset(root, pathname);
  if (asset.status === 404) return false;
  response.writeHead(asset.status, { ...headers, 'Content-Type': asset.contentType }).end(asset.body);
  return true;
}
