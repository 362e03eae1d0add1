// The layering rule of docs/architecture.md ("May import"), checked through the ESLint
// Node API with the repository's own eslint.config.js: each forbidden import, in every
// syntactic form a file can name a module, is linted as a probe file in the folder it is
// forbidden in and must be reported; the allowed ones must lint clean. Probe files are
// never written: ESLint lints the text as if it lived at that path.
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './helpers/build.js';

const eslint = new ESLint({ cwd: REPO_ROOT });
const LAYERING_RULES = new Set(['earshot/layering']);

async function lint(path: string, code: string): Promise<ESLint.LintResult> {
  const [result] = await eslint.lintText(code, { filePath: join(REPO_ROOT, path) });
  return result;
}

async function layeringErrors(path: string, code: string): Promise<string[]> {
  const result = await lint(path, code);
  expect(result.messages.filter((m) => m.fatal)).toEqual([]);
  return result.messages.filter((m) => LAYERING_RULES.has(m.ruleId ?? '')).map((m) => m.message);
}

/** Every way a file can name module `m`; each probe uses what it imports (no unused-vars noise). */
const forms = (m: string): Record<string, string> => ({
  import: `import * as mod from '${m}';\nexport const used = mod;\n`,
  'import type': `import type * as mod from '${m}';\nexport type Used = typeof mod;\n`,
  'export from': `export * from '${m}';\n`,
  'export named from': `export { default as used } from '${m}';\n`,
  'dynamic import': `export const used = () => import('${m}');\n`,
  require: `// eslint-disable-next-line @typescript-eslint/no-require-imports\nexport const used = require('${m}');\n`,
  'import = require': `import mod = require('${m}');\nexport const used = mod;\n`,
  'type-level import()': `export type Used = import('${m}').Anything;\n`,
});

interface Case {
  /** Probe file, relative to the repository. */
  in: string;
  specifier: string;
  why: RegExp;
}

const ELECTRON_OUTSIDE = [
  'src-main/services/probe.ts',
  'src-main/web/probe.ts',
  'src-main/cli/commands/probe.ts',
  'src-main/probe.ts',
  'src-gateway/probe.ts',
  'src-node/probe.ts',
  'src-shared/api/probe.ts',
  'src-renderer/views/probe.tsx',
  'bin/probe.js',
];
const ELECTRON_SPECIFIERS = ['electron', 'electron/main', 'electron/renderer', 'electron/common'];
const NODE_BUILTINS = [
  'node:fs',
  'fs',
  'fs/promises',
  'path',
  'node:path',
  'os',
  'crypto',
  'child_process',
  'node:worker_threads',
  'events',
  'url',
];
const NODE_ONLY_PACKAGES = [
  'better-sqlite3',
  'ws',
  'ioredis',
  'pino',
  'onnxruntime-node',
  'prom-client',
  'commander',
];
const BROWSER_FOLDERS = [
  'src-renderer/stores/probe.ts',
  'src-renderer/views/probe.tsx',
  'src-shared/probe.ts',
  'src-shared/api/probe.ts',
];

const forbidden: Case[] = [
  ...ELECTRON_OUTSIDE.flatMap((path) =>
    ELECTRON_SPECIFIERS.map((specifier) => ({
      in: path,
      specifier,
      why: /only src-main\/electron\/ may import Electron/,
    })),
  ),
  ...BROWSER_FOLDERS.flatMap((path) => [
    ...NODE_BUILTINS.map((specifier) => ({ in: path, specifier, why: /Node built-ins/ })),
    ...NODE_ONLY_PACKAGES.map((specifier) => ({ in: path, specifier, why: /Node-only package/ })),
  ]),
  // src-main/electron wraps src-main; nothing else in src-main may import it.
  ...[
    ['src-main/services/probe.ts', '../electron/main.js'],
    ['src-main/services/probe.ts', '../electron/window-state.js'],
    ['src-main/cli/commands/probe.ts', '../../electron/paste.js'],
    ['src-main/web/probe.ts', '../electron/tray.js'],
    ['src-main/probe.ts', './electron/shortcut.js'],
  ].map(([path, specifier]) => ({
    in: path,
    specifier,
    why: /is in src-main\/electron: src-main may import only src-shared, src-node, src-main \(src-main\/electron wraps src-main/,
  })),
  // The floors below never import the ones above.
  {
    in: 'src-shared/probe.ts',
    specifier: '../src-main/services/app-services.js',
    why: /is in src-main: src-shared may import only src-shared /,
  },
  {
    in: 'src-node/probe.ts',
    specifier: '../src-gateway/config.js',
    why: /is in src-gateway: src-node may import only src-shared, src-node\./,
  },
  {
    in: 'src-gateway/probe.ts',
    specifier: '../src-main/outbox/store.js',
    why: /is in src-main: src-gateway may import only src-shared, src-node, src-gateway\./,
  },
  {
    in: 'src-main/probe.ts',
    specifier: '../src-gateway/config.js',
    why: /is in src-gateway: src-main may import only/,
  },
  {
    in: 'src-renderer/probe.ts',
    specifier: '../src-main/services/app-services.js',
    why: /src-renderer may import only src-shared, src-renderer \(it reaches main only through EarshotApi\)/,
  },
  {
    in: 'src-renderer/probe.ts',
    specifier: '../src-node/onnx/session.js',
    why: /src-renderer may import only src-shared, src-renderer \(it reaches main only through EarshotApi\)/,
  },
];

describe('every forbidden import is an error', () => {
  it.each(forbidden)('$specifier in $in', async (probe) => {
    for (const [form, code] of Object.entries(forms(probe.specifier))) {
      const errors = await layeringErrors(probe.in, code);
      expect(errors, `${form}: ${code}`).toContainEqual(expect.stringMatching(probe.why));
    }
  });
});

const allowed: Array<[string, string]> = [
  ['src-main/electron/probe.ts', 'electron'],
  ['src-main/electron/probe.ts', 'electron/main'],
  ['src-main/electron/probe.ts', '../services/app-services.js'],
  ['src-main/electron/probe.ts', './window-state.js'],
  ['src-main/electron/probe.ts', 'node:fs'],
  ['src-main/services/probe.ts', 'node:fs'],
  ['src-main/services/probe.ts', 'better-sqlite3'],
  ['src-main/services/probe.ts', '../outbox/store.js'],
  ['src-main/services/probe.ts', '../../src-shared/api/contract.js'],
  ['src-main/services/probe.ts', '../../src-node/onnx/session.js'],
  ['src-gateway/probe.ts', 'ws'],
  ['src-gateway/probe.ts', 'pino'],
  ['src-gateway/probe.ts', 'node:http'],
  ['src-gateway/probe.ts', '../src-node/onnx/session.js'],
  ['src-node/probe.ts', 'onnxruntime-node'],
  ['src-shared/probe.ts', 'zod'],
  ['src-shared/probe.ts', './protocol/messages.js'],
  ['src-renderer/views/probe.tsx', 'react'],
  ['src-renderer/views/probe.tsx', 'zustand'],
  ['src-renderer/views/probe.tsx', 'wavesurfer.js'],
  ['src-renderer/views/probe.tsx', 'uplot'],
  ['src-renderer/views/probe.tsx', '../../src-shared/api/contract.js'],
  ['test/probe.ts', 'electron'],
  ['test/probe.ts', '../src-main/electron/main.js'],
];

describe('allowed imports lint clean', () => {
  it.each(allowed)('%s imports %s', async (path, specifier) => {
    const code = `import * as mod from '${specifier}';\nexport const used = mod;\n`;
    const result = await lint(path, code);
    expect(result.messages.map((m) => `${m.ruleId}: ${m.message}`)).toEqual([]);
  });

  it('a package whose name only starts like a forbidden one is not caught', async () => {
    expect(
      await layeringErrors('src-renderer/probe.ts', "export const used = () => import('electron-like');\n"),
    ).toEqual([]);
    expect(await layeringErrors('src-shared/probe.ts', "export const used = () => import('wsx');\n")).toEqual(
      [],
    );
  });
});
