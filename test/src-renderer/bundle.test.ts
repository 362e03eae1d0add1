// The built renderer must be a browser bundle: no Electron, no Node built-ins, no inline
// scripts (it runs under a strict CSP in both Electron and web mode). Builds with vite
// into a temporary folder so it never races a web host serving dist-renderer/.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/build.js';

const run = promisify(execFile);
let outDir: string;
let scripts: { name: string; code: string }[];

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** Every way a bundle could load `name`: require, static and dynamic import. */
function loaderPattern(name: string): RegExp {
  const q = `['"\`]${escape(name)}['"\`]`;
  return new RegExp(`require\\(\\s*${q}\\s*\\)|\\bfrom\\s*${q}|import\\(\\s*${q}\\s*\\)|\\bimport\\s*${q}`);
}

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'earshot-renderer-bundle-'));
  await run('npx', ['vite', 'build', '--logLevel', 'warn', '--outDir', outDir, '--emptyOutDir'], {
    cwd: REPO_ROOT,
    maxBuffer: 32 * 1024 * 1024,
  });
  const assets = join(outDir, 'assets');
  scripts = readdirSync(assets)
    .filter((f) => f.endsWith('.js'))
    .map((name) => ({ name, code: readFileSync(join(assets, name), 'utf8') }));
}, 180_000);

afterAll(() => {
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

describe('renderer bundle', () => {
  it('has the app and the capture worklet', () => {
    expect(scripts.some((s) => s.name.startsWith('index-'))).toBe(true);
    expect(
      scripts.some((s) => s.name.startsWith('capture-worklet-') && s.code.includes('registerProcessor')),
    ).toBe(true);
  });

  it('never loads electron', () => {
    for (const { name, code } of scripts) {
      expect(code, name).not.toMatch(loaderPattern('electron'));
      expect(code, name).not.toMatch(/require\(\s*['"]electron/);
    }
  });

  it('never loads a Node built-in', () => {
    const names = builtinModules.filter((m) => !m.startsWith('_')).flatMap((m) => [m, `node:${m}`]);
    for (const { name, code } of scripts) {
      const found = names.filter((m) => loaderPattern(m).test(code));
      expect(found, name).toEqual([]);
      expect(code, name).not.toMatch(/['"`]node:[a-z_/]+['"`]/);
      expect(code, name).not.toMatch(/\brequire\(/);
    }
  });

  it('has no inline script in its page', () => {
    const html = readFileSync(join(outDir, 'index.html'), 'utf8');
    const tags = html.match(/<script\b[^>]*>[\s\S]*?<\/script>/g) ?? [];
    expect(tags.length).toBeGreaterThan(0);
    for (const tag of tags) {
      expect(tag).toMatch(/\bsrc=/);
      expect(tag.replace(/<script\b[^>]*>|<\/script>/g, '').trim()).toBe('');
    }
    expect(html).not.toMatch(/\son[a-z]+\s*=/i); // no inline event handlers
  });
});
