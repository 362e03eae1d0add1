// `npm start` checks for Electron's binary before it builds anything (package.json
// "prestart" -> scripts/check-electron.mjs). Run in a throwaway package whose
// node_modules/electron is a real directory on disk, without and then with a binary, so
// the test does not depend on whether this machine has downloaded Electron.
import { execFile } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/build.js';

const run = promisify(execFile);

async function exec(file: string, args: string[], cwd: string) {
  try {
    const { stdout, stderr } = await run(file, args, { cwd, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    return {
      code: typeof failed.code === 'number' ? failed.code : -1,
      stdout: failed.stdout ?? '',
      stderr: failed.stderr ?? '',
    };
  }
}

let dir: string;
const FIX =
  /^earshot: the Electron binary is not installed; run `node node_modules\/electron\/install\.js` \(downloads it\), then `npm start` again$/m;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'earshot-electron-check-'));
  const real = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  // The real start scripts; the build steps would fail loudly here (no sources), which is
  // how the test sees that they never ran.
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'electron-check', private: true, type: 'module', scripts: real.scripts }),
  );
  mkdirSync(join(dir, 'scripts'));
  copyFileSync(join(REPO_ROOT, 'scripts', 'check-electron.mjs'), join(dir, 'scripts', 'check-electron.mjs'));
  mkdirSync(join(dir, 'node_modules', 'electron'), { recursive: true });
  writeFileSync(
    join(dir, 'node_modules', 'electron', 'package.json'),
    JSON.stringify({ name: 'electron', version: '0.0.0', main: 'index.js' }),
  );
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('npm start without the Electron binary', () => {
  it('stops before building, with the one line that fixes it', async () => {
    const result = await exec('npm', ['start'], dir);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(FIX);
    // The check ran, and nothing was built: npm names each script it runs ("> build").
    expect(result.stdout).toMatch(/^> node scripts\/check-electron\.mjs && npm run build/m);
    expect(result.stdout + result.stderr).not.toMatch(/^> (build|tsc)/m);
  });

  it('the check passes once the binary is there', async () => {
    const electron = join(dir, 'node_modules', 'electron');
    writeFileSync(join(electron, 'path.txt'), 'electron');
    const missing = await exec(process.execPath, ['scripts/check-electron.mjs'], dir);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toMatch(
      /^earshot: the Electron binary is missing \(.*\); run `node node_modules/,
    );
    mkdirSync(join(electron, 'dist'));
    writeFileSync(join(electron, 'dist', 'electron'), '#!/bin/sh\n');
    chmodSync(join(electron, 'dist', 'electron'), 0o755);
    const present = await exec(process.execPath, ['scripts/check-electron.mjs'], dir);
    expect(present).toEqual({ code: 0, stdout: '', stderr: '' });
  });
});
