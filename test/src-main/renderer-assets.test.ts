// The renderer asset server both hosts use (Electron's app:// and web mode): one lookup
// and one MIME table, over a real folder on disk.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mimeType, readRendererAsset } from '../../src-main/renderer-assets.js';

const dir = mkdtempSync(join(tmpdir(), 'earshot-renderer-assets-'));
const root = join(dir, 'dist-renderer');
mkdirSync(join(root, 'assets'), { recursive: true });
writeFileSync(join(root, 'index.html'), '<!doctype html><title>app</title>');
writeFileSync(join(root, 'assets', 'app.js'), 'console.log(1)');
writeFileSync(join(root, 'assets', 'theme.css'), 'body{}');
writeFileSync(join(root, 'assets', 'blob.bin'), 'x');
writeFileSync(join(dir, 'secret.txt'), 'not for the page');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const text = (asset: ReturnType<typeof readRendererAsset>) =>
  'body' in asset ? Buffer.from(asset.body).toString('utf8') : undefined;

describe('readRendererAsset', () => {
  it('serves a file with its type', () => {
    const js = readRendererAsset(root, '/assets/app.js');
    expect(js).toMatchObject({ status: 200, contentType: 'text/javascript; charset=utf-8' });
    expect(text(js)).toBe('console.log(1)');
    expect(readRendererAsset(root, '/assets/theme.css')).toMatchObject({
      contentType: 'text/css; charset=utf-8',
    });
    expect(readRendererAsset(root, '/assets/blob.bin')).toMatchObject({
      contentType: 'application/octet-stream',
    });
  });

  it('answers the app for / and for app routes, 404 for a missing asset', () => {
    for (const path of ['/', '/history', '/status/']) {
      const page = readRendererAsset(root, path);
      expect(page, path).toMatchObject({ status: 200, contentType: 'text/html; charset=utf-8' });
      expect(text(page)).toContain('<title>app</title>');
    }
    expect(readRendererAsset(root, '/assets/missing.js')).toEqual({ status: 404 });
  });

  it('never serves a file outside the folder', () => {
    for (const path of [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/assets/../../secret.txt',
      '/..%2fsecret.txt',
    ])
      expect(readRendererAsset(root, path), path).toEqual({ status: 404 });
    expect(readRendererAsset(root, '/%E0%A4%A')).toEqual({ status: 404 });
  });

  it('says how to build when there is no build', () => {
    const missing = readRendererAsset(join(dir, 'not-built'), '/');
    expect(missing).toMatchObject({ status: 503, contentType: 'text/html; charset=utf-8' });
    expect(text(missing)).toContain('npx vite build');
  });
});

describe('mimeType', () => {
  it('knows every type the build writes, whatever the case of the extension', () => {
    expect(mimeType('a.HTML')).toBe('text/html; charset=utf-8');
    expect(mimeType('a.mjs')).toBe('text/javascript; charset=utf-8');
    expect(mimeType('a.svg')).toBe('image/svg+xml');
    expect(mimeType('a.wav')).toBe('audio/wav');
    expect(mimeType('a.woff2')).toBe('font/woff2');
    expect(mimeType('a.map')).toBe('application/json');
  });
});
