// The installation's files the client runtime uses, all named here and all built on
// src-node/paths.ts (the one resolver of "compiled or from source?").
import { existsSync } from 'node:fs';
import { compiledPath, installPath } from '../src-node/paths.js';

/** A file shipped in assets/ (sample audio, tray icons). Throws naming the path when it is missing. */
export function assetPath(name: string): string {
  const path = installPath('assets', name);
  if (!existsSync(path)) throw new Error(`bundled asset ${name} not found at ${path}`);
  return path;
}

/** The built renderer (`npx vite build` writes it). */
export function rendererDir(): string {
  return installPath('dist-renderer');
}

function compiled(sourcePath: string): string {
  const path = compiledPath(sourcePath);
  if (!existsSync(path)) throw new Error(`${path} is missing: build with "npx tsc -p tsconfig.build.json"`);
  return path;
}

/** The stress engine's worker thread script. */
export function stressWorkerPath(): string {
  return compiled('src-main/stress/worker.ts');
}

/**
 * The gateway runtime's executables. src-main only knows them as paths to run, never as
 * code to import (docs/architecture.md, "May import").
 */
export function gatewayEntryPoint(name: 'gateway' | 'worker' = 'gateway'): string {
  // Not checked here: the CLI names it when it registers its commands; a missing build
  // shows when the process is started.
  return compiledPath(`src-gateway/cli/${name}.ts`);
}
