// Electron transport names: one ipcMain.handle channel per call of the contract table,
// one channel for events, and one MessagePort for audio batches. Preload and main both
// derive them from here, so the allow-list is the contract itself.
import type { CallChannel } from './contract.js';

export const IPC_CALL_PREFIX = 'earshot:call:';
export const IPC_EVENT_CHANNEL = 'earshot:event';
/** Main posts a MessagePort on this channel; the preload sends audio batches through it. */
export const IPC_AUDIO_PORT_CHANNEL = 'earshot:audio-port';

export function ipcChannelFor(call: CallChannel): string {
  return IPC_CALL_PREFIX + call;
}

/** Error envelope: ipcRenderer.invoke loses Error subclasses, so main returns errors as data. */
export type IpcReply =
  { ok: true; output: unknown } | { ok: false; error: { code: string; message: string } };
