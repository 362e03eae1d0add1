// The diagnostics bundle writer: what goes in comes out (read back with the system's own
// tar, not the library that wrote it), the manifest describes each file truthfully, and a
// token never appears anywhere in the archive's bytes, compressed or not, whatever form
// it hides in.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BundleSecretError,
  buildBundle,
  type Bundle,
  type BundleFile,
} from '../../../src-main/diagnostics/bundle.js';

const work = mkdtempSync(join(tmpdir(), 'earshot-bundle-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Extracts with /usr/bin/tar and returns every file's text by its path inside the bundle folder. */
function extract(bundle: Bundle): { folder: string; files: Map<string, string> } {
  const dir = mkdtempSync(join(work, 'x-'));
  const archive = join(dir, bundle.filename);
  writeFileSync(archive, bundle.bytes);
  execFileSync('tar', ['-xzf', archive, '-C', dir]);
  const folders = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory());
  expect(folders).toHaveLength(1);
  const folder = folders[0].name;
  const files = new Map<string, string>();
  for (const entry of readdirSync(join(dir, folder), { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(path.slice(join(dir, folder).length + 1), readFileSync(path, 'utf8'));
  }
  return { folder, files };
}

/** Every byte form a token could take in the archive. */
function forms(token: string): string[] {
  return [...new Set([token, encodeURIComponent(token), JSON.stringify(token).slice(1, -1)])];
}

function expectAbsent(bundle: Bundle, token: string): void {
  const tar = gunzipSync(bundle.bytes);
  for (const form of forms(token)) {
    expect(bundle.bytes.includes(form)).toBe(false);
    expect(tar.includes(form)).toBe(false);
  }
}

/** Files as the app fills them: the token in text, JSON, a URL, a header and a log line. */
function leakyFiles(token: string): BundleFile[] {
  return [
    {
      name: 'settings.json',
      description: 'settings',
      content: { gatewayUrls: [`wss://asr.example/ws?token=${encodeURIComponent(token)}`], token },
    },
    {
      name: 'logs/app.log',
      description: 'log',
      content: `09:00 connect failed: 401 for token ${token}\n09:01 Authorization: Bearer ${token}\n`,
    },
    { name: 'timeline.json', description: 'timeline', content: { events: [{ detail: `said ${token}` }] } },
  ];
}

describe('diagnostics bundle', () => {
  it('holds each file under one folder, with a manifest that describes them truthfully', () => {
    const createdAt = Date.UTC(2026, 11, 3, 9, 15, 0);
    const bundle = buildBundle({
      source: 'cli',
      createdAt,
      secrets: [],
      files: [
        { name: 'settings.json', description: 'the settings', content: { a: 1, nested: { b: [1, 2] } } },
        { name: 'logs/cli.log', description: 'the log', content: 'line one\nline two\n' },
      ],
    });
    expect(bundle.filename).toBe('earshot-diagnostics-20261203-091500.tar.gz');
    expect(bundle.mimeType).toBe('application/gzip');
    const { folder, files } = extract(bundle);
    expect(folder).toBe('earshot-diagnostics-20261203-091500');
    expect([...files.keys()].sort()).toEqual(['logs/cli.log', 'manifest.json', 'settings.json']);
    expect(JSON.parse(files.get('settings.json')!)).toEqual({ a: 1, nested: { b: [1, 2] } });
    expect(files.get('logs/cli.log')).toBe('line one\nline two\n');
    const manifest = JSON.parse(files.get('manifest.json')!);
    expect(manifest).toMatchObject({
      format: 'earshot-diagnostics',
      formatVersion: 1,
      createdAt: '2026-12-03T09:15:00.000Z',
      source: 'cli',
    });
    expect(manifest.privacy.join(' ')).toMatch(/No audio and no transcript text/);
    for (const entry of manifest.files) {
      const text = files.get(entry.name)!;
      expect(entry.bytes).toBe(Buffer.byteLength(text));
      expect(entry.sha256).toBe(createHash('sha256').update(text).digest('hex'));
    }
    expect(manifest.files.map((f: { description: string }) => f.description)).toEqual([
      'the settings',
      'the log',
    ]);
  });

  it('refuses file names that could escape the folder or repeat', () => {
    const file = (name: string): BundleFile => ({ name, description: 'x', content: 'x' });
    for (const name of ['../escape.txt', '/abs.txt', 'a/b/c.txt', 'manifest.json', 'UPPER.txt', ''])
      expect(() => buildBundle({ source: 'cli', secrets: [], files: [file(name)] })).toThrow(
        /bad or repeated/,
      );
    expect(() => buildBundle({ source: 'cli', secrets: [], files: [file('a.txt'), file('a.txt')] })).toThrow(
      /bad or repeated/,
    );
  });

  it('leaves no trace of the token in the archive, in any of its forms', () => {
    const token = 'tok+/en "with" quotes&amp=1';
    const bundle = buildBundle({ source: 'web', secrets: [token], files: leakyFiles(token) });
    expectAbsent(bundle, token);
    const { files } = extract(bundle);
    expect(files.get('logs/app.log')).toContain('for token <redacted>');
    expect(files.get('logs/app.log')).toContain('Bearer <redacted>');
    expect(JSON.parse(files.get('settings.json')!)).toEqual({
      gatewayUrls: ['wss://asr.example/ws?token=<redacted>'],
      token: '<redacted>',
    });
  });

  it('leaves no trace of any realistic token (property, 40 random tokens)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_.~+/=-]{16,64}$/), (token) => {
        const bundle = buildBundle({ source: 'electron', secrets: [token], files: leakyFiles(token) });
        expectAbsent(bundle, token);
      }),
      { numRuns: 40, seed: 1203 },
    );
  });

  it('hands out no archive in which a secret survived (here: one that is part of every tar header)', () => {
    // "ustar\0" + version "00" opens each POSIX tar header: redacting file contents cannot remove it.
    expect(() =>
      buildBundle({
        source: 'cli',
        secrets: ['ustar\u000000'],
        files: [{ name: 'a.txt', description: 'a', content: 'a' }],
      }),
    ).toThrow(BundleSecretError);
  });
});
