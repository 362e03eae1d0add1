// The microphone as the UI sees it: devices, the chosen and the active one, the level,
// and any problem opening it. The chosen device id is a per-machine preference, kept in
// localStorage (it means nothing on another machine, so it is not an app setting).
import { createStore } from 'zustand/vanilla';
import { Microphone, type MicrophoneDevice } from '../audio/microphone.js';
import type { CaptureControl } from './dictation.js';

const PREFERRED_KEY = 'earshot.microphone';

export interface MicrophoneState {
  devices: MicrophoneDevice[];
  preferredDeviceId: string;
  activeDeviceId?: string;
  level: number;
  open: boolean;
  note?: string;
  error?: string;
  capture: CaptureControl;
  setBatchSink(sink: (pcm: Int16Array) => void): void;
  /** Opens the chosen device (metering + pre-roll). */
  ensureOpen(): Promise<void>;
  choose(deviceId: string): Promise<void>;
  close(): Promise<void>;
}

function readPreferred(): string {
  try {
    return globalThis.localStorage?.getItem(PREFERRED_KEY) ?? '';
  } catch {
    return '';
  }
}

export function createMicrophoneStore() {
  let sink: (pcm: Int16Array) => void = () => undefined;
  let mic: Microphone | undefined;
  let opening: Promise<void> | undefined;

  const store = createStore<MicrophoneState>()((set, get) => {
    const getMic = () =>
      (mic ??= new Microphone({
        onLevel: ({ peak }) => set({ level: peak }),
        onBatch: (pcm) => sink(pcm),
        onDevices: (devices) => set({ devices }),
        onActiveDevice: (activeDeviceId, note) => set({ activeDeviceId, note, error: undefined, open: true }),
        onError: (error) => set({ error, open: false }),
      }));
    return {
      devices: [],
      preferredDeviceId: readPreferred(),
      level: 0,
      open: false,
      capture: {
        async start() {
          const m = getMic();
          // Pressing record before the microphone is open still records: open it now. The
          // usual case (open since the view showed) starts at once, pre-roll included.
          if (!m.isOpen) await get().ensureOpen();
          // The microphone's own banner says why; the dictation says what it means.
          if (!m.isOpen)
            throw new Error(
              get().error
                ? 'the microphone is not available (see above)'
                : 'the microphone could not be opened',
            );
          m.start();
        },
        stop: () => getMic().stop(),
      },
      setBatchSink(next) {
        sink = next;
      },
      ensureOpen() {
        if (getMic().isOpen) return Promise.resolve();
        opening ??= getMic()
          .open(get().preferredDeviceId || undefined)
          .finally(() => (opening = undefined));
        return opening;
      },
      async choose(deviceId: string) {
        set({ preferredDeviceId: deviceId, note: undefined });
        try {
          globalThis.localStorage?.setItem(PREFERRED_KEY, deviceId);
        } catch {
          // storage disabled: the choice lasts for this page only
        }
        await getMic().open(deviceId || undefined);
      },
      async close() {
        await mic?.close();
        set({ open: false, level: 0 });
      },
    };
  });
  return store;
}

export type MicrophoneStore = ReturnType<typeof createMicrophoneStore>;
