// Saving the diagnostics bundle in the desktop app: main asks where with the native save
// dialog (which also confirms overwriting) and writes the file itself, so the page never
// names a path. Reached only through the contract's `status.saveBundle` call, whose empty
// input main validates like every other (src-main/electron/ipc-bridge.ts).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { app, dialog, type BrowserWindow, type SaveDialogOptions } from 'electron';
import { ApiError } from '../../src-shared/api/common.js';

export async function saveWithDialog(
  win: BrowserWindow | undefined,
  suggestedName: string,
  bytes: Uint8Array,
): Promise<string | undefined> {
  const options: SaveDialogOptions = {
    title: 'Save diagnostics bundle',
    defaultPath: join(app.getPath('downloads'), suggestedName),
    filters: [{ name: 'Diagnostics bundle (.tar.gz)', extensions: ['gz', 'tgz'] }],
    properties: ['createDirectory', 'showOverwriteConfirmation'],
  };
  const result =
    win && !win.isDestroyed()
      ? await dialog.showSaveDialog(win, options)
      : await dialog.showSaveDialog(options);
  if (result.canceled || !result.filePath) return undefined;
  try {
    // 0600 like the data folder's files: the bundle names this computer's folders and gateways.
    await writeFile(result.filePath, bytes, { mode: 0o600 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'ENOSPC'
          ? 'no space left on the disk'
          : code === 'EROFS'
            ? 'the disk is read-only'
            : (code ?? (error as Error).message);
    throw new ApiError('unavailable', `could not save ${result.filePath}: ${why}`);
  }
  return result.filePath;
}
