// Where the installation's files are, the one answer to "running compiled or from
// source?". The code runs compiled from dist/ (the CLI, the gateway, Electron, packaged
// inside app.asar) or from source (tests, tsx); every path to a file of the installation
// is built here from the installation root, never from a module's own location, so
// moving a module does not break the paths it names.
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const thisFile = fileURLToPath(import.meta.url);
// tsc writes this module to dist/src-node/paths.js; from source it is src-node/paths.ts.
const compiled = thisFile.endsWith('.js');

/** The repository, or app.asar inside the packaged app. */
export const INSTALL_ROOT = resolve(dirname(thisFile), compiled ? '../..' : '..');

/** A file of the installation, by its path from the root: `installPath('assets', 'sample.wav')`. */
export function installPath(...parts: string[]): string {
  return join(INSTALL_ROOT, ...parts);
}

/**
 * The compiled JavaScript of a source module (`src-main/stress/worker.ts` ->
 * dist/src-main/stress/worker.js). Worker threads and child processes run these, also
 * when the code that starts them runs from source.
 */
export function compiledPath(sourcePath: string): string {
  return join(INSTALL_ROOT, 'dist', sourcePath.replace(/\.ts$/, '.js'));
}

/**
 * A file kept outside the asar archive in the packaged app (electron-builder's
 * extraResources, beside app.asar), because native code reads it directly; in the
 * repository it is at the root like any other.
 */
export function resourcePath(...parts: string[]): string {
  const base = basename(INSTALL_ROOT) === 'app.asar' ? dirname(INSTALL_ROOT) : INSTALL_ROOT;
  return join(base, ...parts);
}
