// Electron cannot run here (no binary), so these check what can be checked without it
// (test/layering.test.ts checks that only src-main/electron may import electron): the
// sandboxed preload compiles to CommonJS that requires nothing but electron, its IPC
// names match the contract's, and the packaging config carries what the platforms need.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { IPC_AUDIO_PORT_CHANNEL, IPC_CALL_PREFIX, IPC_EVENT_CHANNEL } from '../../../src-shared/api/ipc.js';
import { REPO_ROOT } from '../../helpers/build.js';

const run = promisify(execFile);

describe('preload', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'earshot-electron-build-'));
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it('type-checks against Electron and compiles to CommonJS requiring only electron', async () => {
    await run('npx', ['tsc', '-p', 'tsconfig.electron.json', '--outDir', outDir], { cwd: REPO_ROOT });
    const preload = readFileSync(join(outDir, 'src-main', 'electron', 'preload.cjs'), 'utf8');
    const required = [...preload.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1]);
    expect(required).toEqual(['electron']);
    expect(preload).toMatch(/contextBridge\.exposeInMainWorld\(['"]earshot['"], earshot\)/);
    expect(existsSync(join(outDir, 'src-main', 'electron', 'main.js'))).toBe(true);
  }, 180_000);

  it('uses the IPC names of src-shared/api/ipc.ts', () => {
    const source = readFileSync(join(REPO_ROOT, 'src-main', 'electron', 'preload.cts'), 'utf8');
    const constant = (name: string) => new RegExp(`const ${name} = '([^']+)'`).exec(source)?.[1];
    expect(constant('IPC_CALL_PREFIX')).toBe(IPC_CALL_PREFIX);
    expect(constant('IPC_EVENT_CHANNEL')).toBe(IPC_EVENT_CHANNEL);
    expect(constant('IPC_AUDIO_PORT_CHANNEL')).toBe(IPC_AUDIO_PORT_CHANNEL);
    const main = readFileSync(join(REPO_ROOT, 'src-main', 'electron', 'ipc-bridge.ts'), 'utf8');
    expect(main).toContain(`IPC_CHANNELS_QUERY = '${constant('IPC_CHANNELS_QUERY')}'`);
  });

  it('is loaded with contextIsolation and sandbox, without nodeIntegration', () => {
    const main = readFileSync(join(REPO_ROOT, 'src-main', 'electron', 'main.ts'), 'utf8');
    expect(main).toMatch(/contextIsolation: true/);
    expect(main).toMatch(/sandbox: true/);
    expect(main).toMatch(/nodeIntegration: false/);
    expect(main).toMatch(/setWindowOpenHandler\(\(\) => \(\{ action: 'deny' \}\)\)/);
    expect(main).toMatch(/requestSingleInstanceLock/);
  });
});

describe('electron-builder.yml', () => {
  const config = readFileSync(join(REPO_ROOT, 'electron-builder.yml'), 'utf8');

  it('builds AppImage, deb, dmg and nsis under a real app id', () => {
    expect(config).toMatch(/^appId: io\.earshot\.desktop$/m);
    for (const target of ['AppImage', 'deb', 'dmg', 'nsis']) expect(config).toContain(target);
  });

  it('asks for the microphone on macOS and unpacks native modules from asar', () => {
    expect(config).toMatch(/NSMicrophoneUsageDescription: \S.+/);
    expect(config).toMatch(/asarUnpack:\n(\s+- .+\n)*\s+- node_modules\/better-sqlite3\/\*\*\/\*/);
    expect(config).toContain('- build/Release/*.node');
    expect(readFileSync(join(REPO_ROOT, 'assets', 'entitlements.mac.plist'), 'utf8')).toContain(
      '<key>com.apple.security.device.audio-input</key>',
    );
  });

  it('points at icons that exist', () => {
    for (const match of config.matchAll(/(?:icon|entitlements|entitlementsInherit): (\S+)/g)) {
      expect(existsSync(join(REPO_ROOT, match[1])), match[1]).toBe(true);
    }
    for (const colour of ['green', 'amber', 'red', 'grey'])
      expect(existsSync(join(REPO_ROOT, 'assets', `tray-${colour}.png`))).toBe(true);
  });
});
