// The default data folder, where the outbox lives unless `--data-dir` says otherwise:
// the platform's per-user application-data folder (what Electron's app.getPath('userData')
// would give, computed here without Electron so the CLI and tests share it).
import { homedir } from 'node:os';
import { join } from 'node:path';

export function defaultDataDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string {
  if (platform === 'win32') {
    const appData = env.APPDATA || join(homedir(), 'AppData', 'Roaming');
    return join(appData, 'Earshot');
  }
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Earshot');
  // XDG: an empty or relative XDG_DATA_HOME must be ignored (Base Directory spec).
  const xdg = env.XDG_DATA_HOME;
  const base = xdg && xdg.startsWith('/') ? xdg : join(homedir(), '.local', 'share');
  return join(base, 'earshot');
}
