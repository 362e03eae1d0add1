// Lint enforces ARCHITECTURE.md's "may import" table: one folder per runtime.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import globals from 'globals';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

const electronOnly = {
  paths: [{ name: 'electron', message: 'Only src-main/electron/ may import electron.' }],
};

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
    plugins: { 'import-x': importX },
    languageOptions: { globals: { ...globals.node } },
    settings: { 'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })] },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: './src-shared',
              from: ['./src-main', './src-gateway', './src-renderer', './src-node'],
              message: 'src-shared imports nothing runtime-specific.',
            },
            {
              target: './src-node',
              from: ['./src-main', './src-gateway', './src-renderer'],
              message: 'src-node may import only src-shared.',
            },
            {
              target: './src-gateway',
              from: ['./src-main', './src-renderer'],
              message: 'src-gateway may import only src-shared and src-node.',
            },
            {
              target: './src-main',
              from: ['./src-gateway', './src-renderer'],
              message: 'src-main may import only src-shared and src-node (run the gateway as a process).',
            },
            {
              target: './src-renderer',
              from: ['./src-main', './src-gateway', './src-node'],
              message: 'src-renderer reaches main only through EarshotApi.',
            },
          ],
        },
      ],
      'no-restricted-imports': ['error', electronOnly],
    },
  },
  {
    files: ['src-shared/**', 'src-renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'import-x/no-nodejs-modules': ['error'],
      'no-restricted-imports': ['error', electronOnly],
      'no-restricted-globals': [
        'error',
        { name: 'Buffer', message: 'No Node globals here.' },
        { name: 'process', message: 'No Node globals here.' },
        { name: 'require', message: 'No Node globals here.' },
      ],
    },
  },
  {
    files: ['src-main/electron/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['test/**', 'bench/**', 'scripts/**'],
    rules: { 'no-restricted-imports': 'off', 'import-x/no-restricted-paths': 'off' },
  },
);
