// App-wide state: which view is shown, what main told us about itself, and whether the
// API transport (web-mode socket) is up. After a reconnect every store reloads from main,
// since events sent while the socket was down are gone; main holds the truth.
import { createStore } from 'zustand/vanilla';
import type { EarshotApi } from '../../src-shared/api/contract.js';
import type { AppInfo } from '../../src-shared/api/app.js';

export const VIEWS = ['dictate', 'history', 'status', 'stress', 'settings'] as const;
export type View = (typeof VIEWS)[number];

export type TransportState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface AppState {
  view: View;
  info?: AppInfo;
  transport: TransportState;
  transportReason?: string;
  /** A short message shown at the bottom (copied, exported, ...). */
  notice?: { text: string; kind: 'ok' | 'error'; at: number };
  setView(view: View): void;
  notify(text: string, kind?: 'ok' | 'error'): void;
  loadInfo(): Promise<void>;
}

export function viewFromHash(hash: string): View | undefined {
  const name = hash.replace(/^#\/?/, '');
  return (VIEWS as readonly string[]).includes(name) ? (name as View) : undefined;
}

export const NOTICE_MS = 4000;

export function createAppStore(api: EarshotApi, initialView: View = 'dictate') {
  let noticeTimer: ReturnType<typeof setTimeout> | undefined;
  return createStore<AppState>()((set) => ({
    view: initialView,
    transport: 'connecting',
    setView(view) {
      set({ view });
    },
    notify(text, kind = 'ok') {
      set({ notice: { text, kind, at: Date.now() } });
      if (noticeTimer) clearTimeout(noticeTimer);
      noticeTimer = setTimeout(() => set({ notice: undefined }), NOTICE_MS);
    },
    async loadInfo() {
      try {
        set({ info: await api.call('app.info', {}) });
      } catch {
        // shown through the transport state; info is cosmetic
      }
    },
  }));
}

export type AppStore = ReturnType<typeof createAppStore>;
