// Wires the stores to one EarshotApi and the microphone. Created once at start-up; the
// React tree reads it through AppContext.
import { createContext, useContext } from 'react';
import type { EarshotApi } from '../src-shared/api/contract.js';
import { createAppStore, viewFromHash, type AppStore, type TransportState } from './stores/app.js';
import { createDictationStore, restoreDictation, type DictationStore } from './stores/dictation.js';
import { createHistoryStore, type HistoryStore } from './stores/history.js';
import { createSettingsStore, type SettingsStore } from './stores/settings.js';
import { createStatusStore, type StatusStore } from './stores/status.js';
import { createStressStore, type StressStore } from './stores/stress.js';
import { createMicrophoneStore, type MicrophoneStore } from './stores/microphone.js';

export interface AppContextValue {
  api: EarshotApi;
  app: AppStore;
  dictation: DictationStore;
  history: HistoryStore;
  status: StatusStore;
  stress: StressStore;
  settings: SettingsStore;
  microphone: MicrophoneStore;
}

interface TransportAware {
  state: TransportState;
  onTransportState(listener: (state: TransportState, reason?: string) => void): () => void;
}

function hasTransportState(api: EarshotApi): api is EarshotApi & TransportAware {
  return typeof (api as Partial<TransportAware>).onTransportState === 'function';
}

export function createAppContext(api: EarshotApi, hash = ''): AppContextValue {
  const app = createAppStore(api, viewFromHash(hash) ?? 'dictate');
  const microphone = createMicrophoneStore();
  const dictation = createDictationStore(api, microphone.getState().capture);
  microphone.getState().setBatchSink((pcm) => dictation.getState().pushBatch(pcm));
  // The microphone failed while recording (unplugged, no fallback): the recording stops
  // with what it has, and says why. No capture, no recording.
  microphone.subscribe((mic, previous) => {
    if (!previous.open || mic.open || !mic.error) return;
    const d = dictation.getState();
    if (d.phase !== 'recording' && d.phase !== 'starting') return;
    void d.stop().then(() => dictation.setState({ error: `The microphone stopped: ${mic.error}` }));
  });
  const context: AppContextValue = {
    api,
    app,
    dictation,
    history: createHistoryStore(api),
    status: createStatusStore(api),
    stress: createStressStore(api),
    settings: createSettingsStore(api),
    microphone,
  };

  const reloadAll = () => {
    void app.getState().loadInfo();
    void context.history.getState().load();
    void context.status.getState().refresh();
    void context.stress.getState().refresh();
    void context.settings.getState().load();
    void restoreDictation(api, dictation).catch(() => undefined);
  };

  api.on('app.command', ({ command, phase }) => {
    const d = dictation.getState();
    if (command === 'show.dictate') app.getState().setView('dictate');
    else if (command === 'show.status') app.getState().setView('status');
    else if (command === 'dictation.start') void d.start();
    else if (command === 'dictation.stop') void d.stop();
    else if (phase === 'down')
      void d.start(); // push-to-talk
    else if (phase === 'up') void d.stop();
    else void d.toggle();
  });
  api.on('app.error', (error) => app.getState().notify(`${error.source}: ${error.message}`, 'error'));
  // Saved gateway URLs end a --url override; app.info says which URLs this run uses.
  api.on('settings.changed', () => void app.getState().loadInfo());

  if (hasTransportState(api)) {
    app.setState({ transport: api.state });
    let dropped = false;
    api.onTransportState((state, reason) => {
      app.setState({ transport: state, transportReason: reason });
      if (state === 'reconnecting' || state === 'closed') dropped = true;
      if (state === 'open' && dropped) {
        dropped = false;
        reloadAll(); // events sent while we were away are gone: read the truth again
      }
    });
  } else {
    app.setState({ transport: 'open' });
  }
  // Calls made before the socket opens are queued by the transport, so loading now is safe.
  reloadAll();
  return context;
}

export const AppContext = createContext<AppContextValue | undefined>(undefined);

export function useAppContext(): AppContextValue {
  const value = useContext(AppContext);
  if (!value) throw new Error('AppContext is missing');
  return value;
}
