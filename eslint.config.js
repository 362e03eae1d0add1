// Lint enforces the "may import" table of docs/architecture.md: one folder per runtime.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import layering from './eslint-rules/layering.js';

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** A package name, or any subpath of it (`electron`, `electron/main`), never `electron-foo`. */
const packages = (names) => `^(?:${names.map(escape).join('|')})(?:/|$)`;

const ELECTRON = {
  pattern: packages(['electron']),
  message: 'only src-main/electron/ may import Electron.',
};
const NODE_BUILTINS = {
  pattern: `^node:|${packages(builtinModules)}`,
  message: 'Node built-ins do not exist in the renderer; src-shared runs in both.',
};
// Packages that need Node (native addons, sockets, the file system, process); a browser
// build cannot load them. Libraries that also run in a browser (zod, zustand, react,
// uplot, wavesurfer.js, hdr-histogram-js, llama-tokenizer-js) are not listed.
const NODE_ONLY_PACKAGES = {
  pattern: packages([
    'better-sqlite3',
    'ws',
    'ioredis',
    'pino',
    'onnxruntime-node',
    'prom-client',
    'commander',
    'electron-builder',
    'playwright-core',
    'tar',
  ]),
  message: 'a Node-only package; src-renderer and src-shared run in the browser too.',
};

// The "may import" table. A layer may import the layers listed (itself included); a
// relative import into any other layer is an error. Folders outside every layer (test/,
// bench/, scripts/, bin/) are not layered, but still may not import Electron.
const SHARED = 'src-shared';
const NODE = 'src-node';
const GATEWAY = 'src-gateway';
const MAIN = 'src-main';
const ELECTRON_SHELL = 'src-main/electron';
const RENDERER = 'src-renderer';
const LAYERS = {
  [SHARED]: {
    mayImport: [SHARED],
    why: 'it runs in every runtime',
    forbidden: [ELECTRON, NODE_BUILTINS, NODE_ONLY_PACKAGES],
  },
  [NODE]: { mayImport: [SHARED, NODE], forbidden: [ELECTRON] },
  [GATEWAY]: { mayImport: [SHARED, NODE, GATEWAY], forbidden: [ELECTRON] },
  [MAIN]: {
    mayImport: [SHARED, NODE, MAIN],
    // The CLI and web mode load src-main without Electron.
    why: 'src-main/electron wraps src-main, not the reverse; the gateway runs as a process',
    forbidden: [ELECTRON],
  },
  [ELECTRON_SHELL]: { mayImport: [SHARED, NODE, MAIN, ELECTRON_SHELL], forbidden: [] },
  [RENDERER]: {
    mayImport: [SHARED, RENDERER],
    why: 'it reaches main only through EarshotApi',
    forbidden: [ELECTRON, NODE_BUILTINS, NODE_ONLY_PACKAGES],
  },
};
const root = import.meta.dirname;
const layerNames = Object.keys(LAYERS);
const layerBlocks = Object.entries(LAYERS)
  // Deeper folders last: their block overrides the enclosing layer's.
  .sort(([a], [b]) => a.length - b.length)
  .map(([layer, row]) => ({
    files: [`${layer}/**`],
    rules: { 'earshot/layering': ['error', { root, layer, layers: layerNames, ...row }] },
  }));

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      'dist-renderer/',
      'release/',
      'build/',
      'docs/reports/',
      'test/fixtures/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { earshot: { rules: { layering } } },
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'earshot/layering': ['error', { root, layers: layerNames, forbidden: [ELECTRON] }],
    },
  },
  ...layerBlocks,
  {
    files: ['src-shared/**', 'src-renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-globals': [
        'error',
        ...['Buffer', 'process', 'require', 'global', '__dirname', '__filename', 'setImmediate'].map(
          (name) => ({
            name,
            message: 'No Node globals here.',
          }),
        ),
      ],
    },
  },
  {
    files: ['test/**', 'bench/**', 'scripts/**'],
    rules: { 'earshot/layering': 'off' },
  },
);
