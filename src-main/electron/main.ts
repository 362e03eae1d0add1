// Electron main process: one window, a tray, a global shortcut, and the same AppServices
// as web mode behind IPC. Security: contextIsolation + sandbox, no nodeIntegration, the
// UI served from the app:// scheme with a strict CSP, navigation and new windows
// blocked, only the microphone permission granted and only to our own page.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BrowserWindow, app, dialog, globalShortcut, protocol, safeStorage, screen, session } from 'electron';
import { IPC_EVENT_CHANNEL } from '../../src-shared/api/ipc.js';
import type { APP_COMMANDS } from '../../src-shared/api/app.js';
import { defaultDataDir } from '../outbox/data-dir.js';
import { AppServices } from '../services/app-services.js';
import type { TokenVault } from '../services/settings-store.js';
import { rendererDir } from '../paths.js';
import { contentSecurityPolicy, readRendererAsset } from '../renderer-assets.js';
import { IpcBridge } from './ipc-bridge.js';
import { findPasteTool, pasteIntoFocusedApp } from './paste.js';
import { saveWithDialog } from './save-dialog.js';
import { DictationShortcut } from './shortcut.js';
import { AppTray } from './tray.js';
import { loadWindowState, saveWindowState, type WindowState } from './window-state.js';

const SCHEME = 'app';
const ORIGIN = `${SCHEME}://earshot`;

protocol.registerSchemesAsPrivileged([
  { scheme: SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  void main();
}

function safeStorageVault(): TokenVault | undefined {
  // 'basic_text' on Linux means no keyring: that is not encryption worth the name.
  if (!safeStorage.isEncryptionAvailable()) return undefined;
  if (process.platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text')
    return undefined;
  return {
    kind: 'safe-storage',
    encrypt: (plain) => safeStorage.encryptString(plain).toString('base64'),
    decrypt: (stored) => safeStorage.decryptString(Buffer.from(stored, 'base64')),
  };
}

/** The app:// scheme: the renderer asset server (src-main/renderer-assets.ts) as Responses. */
function serveRenderer(request: Request): Response {
  const asset = readRendererAsset(rendererDir(), new URL(request.url).pathname);
  const headers = {
    'Content-Security-Policy': contentSecurityPolicy([]),
    'X-Content-Type-Options': 'nosniff',
  };
  if (asset.status === 404) return new Response('not found', { status: 404, headers });
  const body = typeof asset.body === 'string' ? asset.body : new Uint8Array(asset.body);
  return new Response(body, {
    status: asset.status,
    headers: { ...headers, 'Content-Type': asset.contentType },
  });
}

async function main(): Promise<void> {
  await app.whenReady();
  protocol.handle(SCHEME, serveRenderer);
  const isTrustedUrl = (url: string) => url.startsWith(`${ORIGIN}/`);

  // Only the microphone, only for our page; every other permission is refused.
  session.defaultSession.setPermissionRequestHandler((contents, permission, callback) =>
    callback(permission === 'media' && isTrustedUrl(contents.getURL())),
  );
  session.defaultSession.setPermissionCheckHandler(
    (_contents, permission, origin) => permission === 'media' && origin === ORIGIN,
  );

  let win: BrowserWindow | undefined;
  let quitting = false;
  const pasteTool = findPasteTool();
  let services: AppServices;
  try {
    services = await AppServices.open({
      dataDir: defaultDataDir(),
      mode: 'electron',
      version: app.getVersion(),
      vault: safeStorageVault(),
      paste: (text) =>
        pasteIntoFocusedApp(text, () =>
          process.platform === 'darwin' ? app.hide() : win?.isFocused() && win.minimize(),
        ),
      pasteSupport:
        'reason' in pasteTool ? { supported: false, reason: pasteTool.reason } : { supported: true },
      globalShortcutSupport: { supported: true },
      // The gateway child is a Node script run by this binary (process.execPath).
      embedded: { childEnv: { ELECTRON_RUN_AS_NODE: '1' } },
      saveBundle: (name, bytes) => saveWithDialog(win, name, bytes),
    });
  } catch (error) {
    // e.g. the data folder is read-only or its outbox comes from a newer Earshot.
    dialog.showErrorBox('Earshot cannot start', (error as Error).message);
    app.exit(1);
    return;
  }

  const stateFile = join(app.getPath('userData'), 'window-state.json');
  const sendCommand = (command: (typeof APP_COMMANDS)[number], phase?: 'down' | 'up') => {
    if (win && !win.isDestroyed())
      win.webContents.send(IPC_EVENT_CHANNEL, {
        event: 'app.command',
        payload: { command, ...(phase ? { phase } : {}) },
      });
  };
  const show = () => {
    if (!win || win.isDestroyed()) win = createWindow();
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  };
  const bridge = new IpcBridge(services, () => win, isTrustedUrl);

  function createWindow(): BrowserWindow {
    const state = loadWindowState(
      stateFile,
      screen.getAllDisplays().map((d) => d.workArea),
    );
    const created = new BrowserWindow({
      width: state.width,
      height: state.height,
      ...(state.x !== undefined && state.y !== undefined ? { x: state.x, y: state.y } : {}),
      minWidth: 480,
      minHeight: 360,
      show: false,
      title: 'Earshot',
      webPreferences: {
        preload: fileURLToPath(new URL('./preload.cjs', import.meta.url)),
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        webSecurity: true,
        webviewTag: false,
        spellcheck: false,
        // Capture keeps running while the window is hidden (tray / global shortcut).
        backgroundThrottling: false,
      },
    });
    if (state.maximized) created.maximize();
    const contents = created.webContents;
    contents.on('will-navigate', (event, url) => {
      if (!isTrustedUrl(url)) event.preventDefault();
    });
    contents.on('will-redirect', (event, url) => {
      if (!isTrustedUrl(url)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
    contents.on('did-finish-load', () => bridge.attachAudioPort(created));
    // Main must learn when the page that captures the microphone is gone: its dictation stops.
    contents.on('render-process-gone', () => bridge.pageGone());
    contents.on('destroyed', () => bridge.pageGone());
    created.once('ready-to-show', () => created.show());

    let saveTimer: ReturnType<typeof setTimeout> | undefined;
    const remember = () => {
      if (saveTimer) clearTimeout(saveTimer);
      saveTimer = setTimeout(() => {
        if (created.isDestroyed()) return;
        const b = created.getNormalBounds();
        const next: WindowState = {
          width: b.width,
          height: b.height,
          x: b.x,
          y: b.y,
          maximized: created.isMaximized(),
        };
        saveWindowState(stateFile, next);
      }, 500);
    };
    created.on('resize', remember);
    created.on('move', remember);
    created.on('close', (event) => {
      remember();
      // Closing the window keeps Earshot in the tray; Quit is in the tray menu.
      if (!quitting) {
        event.preventDefault();
        created.hide();
      }
    });
    void created.loadURL(`${ORIGIN}/index.html`);
    return created;
  }

  let recording = false;
  let connection: Parameters<AppTray['update']>[0];
  let embeddedUnavailable = false;
  let healthy = false;
  const tray = new AppTray({
    toggleDictation: () => sendCommand('dictation.toggle'),
    show,
    quit: () => app.quit(),
  });
  const shortcut = new DictationShortcut(globalShortcut, (action) =>
    sendCommand(action.command, 'phase' in action ? action.phase : undefined),
  );
  const applyShortcut = () => {
    const s = services.settings.get();
    const problem = shortcut.apply(s.shortcut, s.shortcutMode);
    if (problem) services.errors.report('shortcut', problem);
  };
  applyShortcut();
  services.onEvent((event, payload) => {
    if (event === 'status.changed') {
      const snapshot = payload as {
        endpoints: { state: typeof connection; health: { ok: boolean } | null }[];
        embedded: { state: string };
      };
      connection = snapshot.endpoints[0]?.state;
      healthy = snapshot.endpoints[0]?.health?.ok ?? false;
      embeddedUnavailable = snapshot.embedded.state === 'unavailable';
    } else if (event === 'dictation.state') {
      recording = (payload as { state: string }).state === 'recording';
    } else if (event === 'settings.changed') {
      applyShortcut();
    } else {
      return;
    }
    tray.update(connection, healthy, embeddedUnavailable, recording);
  });

  app.on('second-instance', show);
  app.on('activate', show);
  app.on('window-all-closed', () => {
    /* stay in the tray */
  });

  let closedCleanly = false;
  app.on('before-quit', (event) => {
    quitting = true;
    if (closedCleanly) return;
    event.preventDefault();
    // Flush the outbox state and stop the embedded gateway before the process ends.
    shortcut.clear();
    bridge.close();
    void services
      .close()
      .catch((error: Error) => process.stderr.write(`earshot: shutdown: ${error.message}\n`))
      .finally(() => {
        closedCleanly = true;
        tray.destroy();
        app.quit();
      });
  });

  win = createWindow();
}
