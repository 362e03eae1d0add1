#!/usr/bin/env node
// `npm start` runs this first (package.json "prestart"): without Electron's binary the
// build would run for a while and then end in Electron's stack trace. The electron
// package's install script (which downloads the binary) is not allowed to run on install
// (package.json "allowScripts"), so a fresh checkout lacks it until it is run by hand.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

function electronBinary() {
  let packageJson;
  try {
    packageJson = require.resolve('electron/package.json');
  } catch {
    return { missing: 'the electron package is not installed; run `npm ci` first' };
  }
  const dir = dirname(packageJson);
  const pathFile = join(dir, 'path.txt');
  const fix = 'run `node node_modules/electron/install.js` (downloads it), then `npm start` again';
  if (!existsSync(pathFile)) return { missing: `the Electron binary is not installed; ${fix}` };
  const executable = readFileSync(pathFile, 'utf8').trim();
  const base = process.env.ELECTRON_OVERRIDE_DIST_PATH ?? join(dir, 'dist');
  const binary = join(base, executable);
  if (!existsSync(binary)) return { missing: `the Electron binary is missing (${binary}); ${fix}` };
  return { binary };
}

const found = electronBinary();
if (found.missing) {
  process.stderr.write(`earshot: ${found.missing}\n`);
  process.exit(1);
}
