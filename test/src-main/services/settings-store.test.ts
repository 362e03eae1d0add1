// Settings persistence on a real file: validated on read and write, written 0600, the
// token encrypted when a vault is present. The vault stands in for Electron's
// safeStorage, which needs the Electron binary and an OS keychain (neither runs here).
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SettingsError, SettingsStore, type TokenVault } from '../../../src-main/services/settings-store.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'earshot-settings-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

// Boundary stand-in for safeStorage: reversible, and visibly not the plain token.
const vault: TokenVault = {
  kind: 'safe-storage',
  encrypt: (plain) => Buffer.from([...plain].reverse().join(''), 'utf8').toString('base64'),
  decrypt: (stored) => [...Buffer.from(stored, 'base64').toString('utf8')].reverse().join(''),
};

describe('SettingsStore', () => {
  it('starts from defaults with the data folder it was given', () => {
    const dir = tempDir();
    const store = new SettingsStore(dir);
    expect(store.public()).toMatchObject({
      gatewayUrls: [],
      useEmbeddedGateway: true,
      hasToken: false,
      tokenStorage: 'none',
      dataDir: dir,
      pasteIntoFocusedApp: false,
      restartRequired: false,
    });
  });

  it('keeps the token in the 0600 file without a vault, and says so', () => {
    const dir = tempDir();
    const store = new SettingsStore(dir);
    expect(store.set({ token: 'plain-token', gatewayUrls: ['ws://127.0.0.1:9/ws/asr'] }).ok).toBe(true);
    const file = join(dir, 'settings.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const stored = JSON.parse(readFileSync(file, 'utf8'));
    expect(stored.tokenEncoding).toBe('plain');
    expect(stored.settings.token).toBe('plain-token');
    expect(new SettingsStore(dir).public()).toMatchObject({ hasToken: true, tokenStorage: 'settings-file' });
    expect(new SettingsStore(dir).get().token).toBe('plain-token');
  });

  it('encrypts the token with the vault and reads it back', () => {
    const dir = tempDir();
    new SettingsStore(dir, vault).set({ token: 'secret-token' });
    const raw = readFileSync(join(dir, 'settings.json'), 'utf8');
    expect(raw).not.toContain('secret-token');
    expect(JSON.parse(raw).tokenEncoding).toBe('safe-storage');
    const reopened = new SettingsStore(dir, vault);
    expect(reopened.get().token).toBe('secret-token');
    expect(reopened.public().tokenStorage).toBe('safe-storage');
    expect(() => new SettingsStore(dir)).toThrow(SettingsError);
  });

  it('marks a data folder change as needing a restart', () => {
    const dir = tempDir();
    const store = new SettingsStore(dir);
    const result = store.set({ dataDir: join(dir, 'elsewhere') });
    expect(result.ok && result.settings.restartRequired).toBe(true);
    const next = new SettingsStore(dir);
    expect(next.activeDataDir).toBe(join(dir, 'elsewhere'));
    expect(next.public().restartRequired).toBe(false);
  });

  it('refuses a damaged or hand-edited invalid file with the path and reason', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'settings.json'), '{ nope');
    expect(() => new SettingsStore(dir)).toThrow(/settings\.json is not valid JSON/);
    writeFileSync(
      join(dir, 'settings.json'),
      JSON.stringify({
        version: 1,
        tokenEncoding: 'plain',
        settings: { ...new SettingsStore(tempDir()).get(), chunkMinSec: 99 },
      }),
    );
    expect(() => new SettingsStore(dir)).toThrow(
      /settings\.json: settings\.chunkMinSec: must be at most 15 s/,
    );
  });

  it('tells listeners about saved changes only', () => {
    const store = new SettingsStore(tempDir());
    const seen: string[] = [];
    store.onChange((s) => seen.push(s.userId));
    store.set({ userId: 'bob' });
    store.set({ chunkMinSec: -1 });
    expect(seen).toEqual(['bob']);
  });
});
