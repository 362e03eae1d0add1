// Settings persistence: one JSON file in the data folder, validated with the contract's
// schema on every read and write. The token is a secret: with a TokenVault backed by
// Electron's safeStorage it is stored encrypted (base64 of the OS-keychain ciphertext);
// in web mode and the CLI there is no keychain, so it stays in the file, which is written
// with 0600 permissions (owner only) - the settings report this as `tokenStorage`.
import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { applySettingsPatch } from '../../src-shared/api/settings-validation.js';
import {
  settingsSchema,
  type PublicSettings,
  type Settings,
  type SettingsSetResult,
} from '../../src-shared/api/settings.js';
import { describeZodError } from '../../src-shared/zod-error.js';
import { folderPathProblem } from '../../src-node/fs/folder-path.js';
import { ensurePrivateFolder } from '../outbox/private-files.js';

export const SETTINGS_FILE = 'settings.json';

/** Encrypts the token at rest where the platform can (Electron safeStorage). */
export interface TokenVault {
  readonly kind: 'safe-storage';
  encrypt(plain: string): string;
  decrypt(stored: string): string;
}

const storedFileSchema = z.object({
  version: z.literal(1),
  settings: settingsSchema.safeExtend({ token: z.string() }),
  /** 'plain' = token in clear in this 0600 file; 'safe-storage' = encrypted by the vault. */
  tokenEncoding: z.enum(['plain', 'safe-storage']),
});

export function defaultSettings(dataDir: string): Settings {
  return {
    gatewayUrls: [],
    useEmbeddedGateway: true,
    token: '',
    userId: '',
    chunkMinSec: 1,
    chunkMaxSec: 15,
    shortcut: 'CommandOrControl+Shift+Space',
    shortcutMode: 'toggle',
    pasteIntoFocusedApp: false,
    liveText: true,
    autoStopSilenceSec: 0,
    dataDir,
  };
}

export class SettingsError extends Error {
  override readonly name = 'SettingsError';
}

export class SettingsStore {
  private current: Settings;
  /** dataDir in effect for this process; a change applies after a restart. */
  readonly activeDataDir: string;
  private readonly listeners = new Set<(settings: PublicSettings) => void>();

  /**
   * `dataDir` is where settings.json lives (the default data folder or --data-dir); the
   * outbox lives in the `dataDir` setting, which starts out as the same folder.
   */
  constructor(
    private readonly dataDir: string,
    private readonly vault?: TokenVault,
  ) {
    this.current = this.load();
    this.activeDataDir = this.current.dataDir;
  }

  get path(): string {
    return join(this.dataDir, SETTINGS_FILE);
  }

  private load(): Settings {
    if (!existsSync(this.path)) return defaultSettings(this.dataDir);
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(this.path, 'utf8'));
    } catch (error) {
      throw new SettingsError(
        `${this.path} is not valid JSON (${(error as Error).message}); fix or remove it`,
      );
    }
    const parsed = storedFileSchema.safeParse(raw);
    if (!parsed.success) throw new SettingsError(`${this.path}: ${describeZodError(parsed.error)}`);
    const { settings, tokenEncoding } = parsed.data;
    let token = settings.token;
    if (tokenEncoding === 'safe-storage' && token) {
      if (!this.vault)
        throw new SettingsError(
          `${this.path}: the token is encrypted with the OS keychain, which is not available here; set it again`,
        );
      token = this.vault.decrypt(token);
    }
    return { ...settings, token };
  }

  private save(settings: Settings): void {
    ensurePrivateFolder(this.dataDir);
    const tokenEncoding = this.vault && settings.token ? 'safe-storage' : 'plain';
    const stored = {
      version: 1,
      settings: {
        ...settings,
        token: tokenEncoding === 'safe-storage' ? this.vault!.encrypt(settings.token) : settings.token,
      },
      tokenEncoding,
    };
    // Write-then-rename so a crash never leaves half a settings file; 0600 from the start.
    const temp = `${this.path}.tmp`;
    writeFileSync(temp, JSON.stringify(stored, null, 2) + '\n', { mode: 0o600 });
    chmodSync(temp, 0o600);
    renameSync(temp, this.path);
  }

  get(): Settings {
    return { ...this.current, gatewayUrls: [...this.current.gatewayUrls] };
  }

  public(): PublicSettings {
    const { token, ...rest } = this.current;
    return {
      ...rest,
      gatewayUrls: [...rest.gatewayUrls],
      hasToken: token !== '',
      tokenStorage: token === '' ? 'none' : this.vault ? 'safe-storage' : 'settings-file',
      restartRequired: rest.dataDir !== this.activeDataDir,
    };
  }

  /** Applies a partial update; nothing is saved unless every field is valid. */
  set(patch: Record<string, unknown>): SettingsSetResult {
    const result = applySettingsPatch(this.current, patch);
    if (!result.ok) return { ok: false, errors: result.errors as Record<string, string> };
    // Only main can look at the disk: a data folder that is a file, or cannot be created,
    // is refused here rather than failing the next start.
    const dataDir = result.settings.dataDir;
    if (dataDir !== this.current.dataDir) {
      const problem = folderPathProblem(dataDir);
      if (problem) return { ok: false, errors: { dataDir: `${dataDir} ${problem.message}` } };
    }
    this.save(result.settings);
    this.current = result.settings;
    const pub = this.public();
    for (const listener of this.listeners) listener(pub);
    return { ok: true, settings: pub };
  }

  onChange(listener: (settings: PublicSettings) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
