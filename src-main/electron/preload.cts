// Preload (sandboxed, CommonJS): exposes exactly EarshotApi as `window.earshot`. A
// sandboxed preload can require only 'electron', so it asks main once for the channel
// allow-lists (taken from the contract table) instead of importing them; the names below
// must match src-shared/api/ipc.ts (a test checks). Audio batches go through the
// MessagePort main hands over after each page load.
import { contextBridge, ipcRenderer } from 'electron';
import type {
  CallChannel,
  CallInput,
  CallOutput,
  EarshotApi,
  EventName,
  EventPayload,
} from '../../src-shared/api/contract.js';
import type { AudioBatch } from '../../src-shared/api/dictation.js';

const IPC_CALL_PREFIX = 'earshot:call:';
const IPC_EVENT_CHANNEL = 'earshot:event';
const IPC_AUDIO_PORT_CHANNEL = 'earshot:audio-port';
const IPC_CHANNELS_QUERY = 'earshot:channels';

const allowed = ipcRenderer.sendSync(IPC_CHANNELS_QUERY) as { calls: string[]; events: string[] };
const calls = new Set(allowed.calls);
const events = new Set(allowed.events);

const listeners = new Map<string, Set<(payload: unknown) => void>>();
ipcRenderer.on(IPC_EVENT_CHANNEL, (_event, envelope: { event: string; payload: unknown }) => {
  const set = listeners.get(envelope?.event);
  if (set) for (const listener of set) listener(envelope.payload);
});

let audioPort: MessagePort | undefined;
const heldAudio: AudioBatch[] = [];
ipcRenderer.on(IPC_AUDIO_PORT_CHANNEL, (event) => {
  audioPort = event.ports[0];
  for (const batch of heldAudio.splice(0)) audioPort.postMessage(batch);
});

/** Errors lose their fields crossing the context bridge: the code travels in the message ("code: message"). */
function apiError(code: string, message: string): Error {
  const error = new Error(`${code}: ${message}`);
  error.name = 'ApiError';
  return error;
}

const earshot: EarshotApi = {
  async call<C extends CallChannel>(channel: C, input: CallInput<C>): Promise<CallOutput<C>> {
    if (!calls.has(channel)) throw apiError('unknown_channel', `unknown call: ${String(channel)}`);
    const reply = (await ipcRenderer.invoke(IPC_CALL_PREFIX + channel, input ?? {})) as {
      ok: boolean;
      output?: unknown;
      error?: { code: string; message: string };
    };
    if (reply.ok) return reply.output as CallOutput<C>;
    throw apiError(reply.error?.code ?? 'internal', reply.error?.message ?? 'unknown error');
  },
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
    if (!events.has(event)) throw apiError('unknown_channel', `unknown event: ${String(event)}`);
    let set = listeners.get(event);
    if (!set) listeners.set(event, (set = new Set()));
    const wrapped = listener as (payload: unknown) => void;
    set.add(wrapped);
    return () => set.delete(wrapped);
  },
  sendAudio(batch: AudioBatch): void {
    const copy = { dictationId: batch.dictationId, seq: batch.seq, pcm: batch.pcm };
    if (audioPort) audioPort.postMessage(copy);
    else if (heldAudio.length < 100) heldAudio.push(copy); // the port arrives right after load
  },
};

contextBridge.exposeInMainWorld('earshot', earshot);
