// EarshotApi over Electron IPC, main side. One ipcMain.handle per contract channel (the
// allow-list is the contract table itself), replies as {ok, output | error} envelopes
// because thrown errors lose their code crossing IPC, events on one channel, and audio
// batches through a MessagePort handed to the preload after each page load. Every input
// is validated by AppServices.dispatch / pushAudio; calls from any frame other than our
// own page are refused.
import {
  MessageChannelMain,
  ipcMain,
  type BrowserWindow,
  type IpcMainInvokeEvent,
  type MessagePortMain,
} from 'electron';
import { ApiError } from '../../src-shared/api/common.js';
import { CALL_CHANNELS, EVENT_NAMES } from '../../src-shared/api/contract.js';
import type { AudioBatch } from '../../src-shared/api/dictation.js';
import {
  IPC_AUDIO_PORT_CHANNEL,
  IPC_EVENT_CHANNEL,
  ipcChannelFor,
  type IpcReply,
} from '../../src-shared/api/ipc.js';
import type { AppServices } from '../services/app-services.js';

/** Sync channel the preload asks once for the allow-lists, so it holds no copy of them. */
export const IPC_CHANNELS_QUERY = 'earshot:channels';

export class IpcBridge {
  private audioPort: MessagePortMain | undefined;
  /** One id per page load: a dictation belongs to the page that started it. */
  private page = 0;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly services: AppServices,
    private readonly window: () => BrowserWindow | undefined,
    private readonly isTrustedUrl: (url: string) => boolean,
  ) {
    ipcMain.on(IPC_CHANNELS_QUERY, (event) => {
      event.returnValue = this.trusted(event.senderFrame?.url)
        ? { calls: CALL_CHANNELS, events: EVENT_NAMES }
        : { calls: [], events: [] };
    });
    for (const channel of CALL_CHANNELS) {
      ipcMain.handle(ipcChannelFor(channel), (event, input: unknown) => this.invoke(event, channel, input));
    }
    this.unsubscribe = services.onEvent((event, payload) => {
      const win = this.window();
      if (win && !win.isDestroyed()) win.webContents.send(IPC_EVENT_CHANNEL, { event, payload });
    });
  }

  private trusted(url: string | undefined): boolean {
    return url !== undefined && this.isTrustedUrl(url);
  }

  private async invoke(event: IpcMainInvokeEvent, channel: string, input: unknown): Promise<IpcReply> {
    if (!this.trusted(event.senderFrame?.url))
      return {
        ok: false,
        error: { code: 'unknown_channel', message: 'calls are accepted from the Earshot window only' },
      };
    try {
      return { ok: true, output: await this.services.dispatch(channel, input, this.caller()) };
    } catch (error) {
      const e = error instanceof ApiError ? error : new ApiError('internal', (error as Error).message);
      return { ok: false, error: { code: e.code, message: e.message } };
    }
  }

  private caller(): string {
    return `electron-page-${this.page}`;
  }

  /** The page is gone (reloaded, crashed, window destroyed): what it was recording stops. */
  pageGone(): void {
    this.services.callerGone(this.caller(), true);
  }

  /** A fresh port per page load: the old one belonged to the page that is gone. */
  attachAudioPort(win: BrowserWindow): void {
    this.audioPort?.close();
    this.pageGone();
    this.page++;
    const caller = this.caller();
    const { port1, port2 } = new MessageChannelMain();
    port1.on('message', (message) => this.services.pushAudio(message.data as AudioBatch, caller));
    port1.start();
    this.audioPort = port1;
    win.webContents.postMessage(IPC_AUDIO_PORT_CHANNEL, null, [port2]);
  }

  close(): void {
    this.unsubscribe();
    this.audioPort?.close();
    ipcMain.removeAllListeners(IPC_CHANNELS_QUERY);
    for (const channel of CALL_CHANNELS) ipcMain.removeHandler(ipcChannelFor(channel));
  }
}
