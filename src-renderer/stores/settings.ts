// Settings: main owns and validates them (settings.set answers one message per invalid
// field and saves nothing); this store holds the form's text and shows those messages at
// their fields. A number field holding text that is not a number cannot be sent; then the
// rest of the form is checked here with main's own shared rules, so all messages show at once.
import { createStore } from 'zustand/vanilla';
import type { EarshotApi } from '../../src-shared/api/contract.js';
import {
  SETTINGS_FIELDS,
  settingsSchema,
  type PublicSettings,
  type Settings,
  type SettingsField,
  type SettingsPatch,
  type ShortcutMode,
} from '../../src-shared/api/settings.js';
import { applySettingsPatch } from '../../src-shared/api/settings-validation.js';

export interface SettingsDraft {
  gatewayUrls: string; // one per line
  useEmbeddedGateway: boolean;
  token: string; // write-only: empty = keep the stored one
  clearToken: boolean;
  userId: string;
  chunkMinSec: string;
  chunkMaxSec: string;
  shortcut: string;
  shortcutMode: ShortcutMode;
  pasteIntoFocusedApp: boolean;
  liveText: boolean;
  autoStopSilenceSec: string;
  dataDir: string;
}

export function draftFromSettings(settings: PublicSettings): SettingsDraft {
  return {
    gatewayUrls: settings.gatewayUrls.join('\n'),
    useEmbeddedGateway: settings.useEmbeddedGateway,
    token: '',
    clearToken: false,
    userId: settings.userId,
    chunkMinSec: String(settings.chunkMinSec),
    chunkMaxSec: String(settings.chunkMaxSec),
    shortcut: settings.shortcut,
    shortcutMode: settings.shortcutMode,
    pasteIntoFocusedApp: settings.pasteIntoFocusedApp,
    liveText: settings.liveText,
    autoStopSilenceSec: String(settings.autoStopSilenceSec),
    dataDir: settings.dataDir,
  };
}

/** Turns the form into a patch; number fields that are not numbers come back as errors. */
export function patchFromDraft(draft: SettingsDraft): {
  patch: SettingsPatch;
  errors: Record<string, string>;
} {
  const errors: Record<string, string> = {};
  const number = (field: 'chunkMinSec' | 'chunkMaxSec' | 'autoStopSilenceSec') => {
    const text = draft[field].trim();
    const value = Number(text);
    if (text === '' || !Number.isFinite(value)) errors[field] = 'must be a number of seconds';
    return value;
  };
  const patch: SettingsPatch = {
    gatewayUrls: draft.gatewayUrls
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== ''),
    useEmbeddedGateway: draft.useEmbeddedGateway,
    userId: draft.userId,
    chunkMinSec: number('chunkMinSec'),
    chunkMaxSec: number('chunkMaxSec'),
    shortcut: draft.shortcut,
    shortcutMode: draft.shortcutMode,
    pasteIntoFocusedApp: draft.pasteIntoFocusedApp,
    liveText: draft.liveText,
    autoStopSilenceSec: number('autoStopSilenceSec'),
    dataDir: draft.dataDir,
  };
  if (draft.clearToken) patch.token = null;
  else if (draft.token !== '') patch.token = draft.token;
  return { patch, errors };
}

/**
 * The messages main would give for the rest of a patch whose number fields did not parse
 * (same shared rules, including those across fields); `unparsed` fields are left out.
 */
export function otherErrors(
  settings: PublicSettings | undefined,
  patch: SettingsPatch,
  unparsed: Record<string, string>,
): Record<string, string> {
  if (!settings) return {};
  const current = Object.fromEntries(
    SETTINGS_FIELDS.map((field) => [
      field,
      field === 'token' ? '' : settings[field as Exclude<SettingsField, 'token'>],
    ]),
  ) as Settings;
  const rest = Object.fromEntries(Object.entries(patch).filter(([field]) => !(field in unparsed)));
  const result = applySettingsPatch(current, rest);
  const out: Record<string, string> = {};
  if (!result.ok)
    for (const [key, message] of Object.entries(result.errors)) if (message) out[fieldOf(key)] ??= message;
  // Against a longest chunk that did not parse, the shortest can only be judged on its own.
  if (
    'chunkMaxSec' in unparsed &&
    out.chunkMinSec &&
    settingsSchema.shape.chunkMinSec.safeParse(patch.chunkMinSec).success
  )
    delete out.chunkMinSec;
  return out;
}

/**
 * The fields of a patch that differ from the saved settings (the token, write-only, goes
 * when given). Saving one field must not re-save the others: re-sending the gateway
 * list, for one, told main the user had chosen it and ended `earshot web --url`.
 */
export function changedOnly(patch: SettingsPatch, saved: PublicSettings | undefined): SettingsPatch {
  if (!saved) return patch;
  const out: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(patch)) {
    if (field === 'token') out[field] = value;
    else if (JSON.stringify(value) !== JSON.stringify(saved[field as keyof PublicSettings]))
      out[field] = value;
  }
  return out as SettingsPatch;
}

/** Main names list fields by path ("gatewayUrls.1"); the form shows them at the list. */
export function fieldOf(key: string): string {
  return key.split('.')[0];
}

export interface SettingsState {
  settings?: PublicSettings;
  draft?: SettingsDraft;
  fieldErrors: Record<string, string>;
  saving: boolean;
  savedAt?: number;
  error?: string;
  load(): Promise<void>;
  edit(change: Partial<SettingsDraft>): void;
  save(): Promise<boolean>;
  reset(): void;
  dispose(): void;
}

export function createSettingsStore(api: EarshotApi) {
  const store = createStore<SettingsState>()((set, get) => ({
    fieldErrors: {},
    saving: false,

    async load() {
      try {
        const settings = await api.call('settings.get', {});
        set({ settings, draft: draftFromSettings(settings), fieldErrors: {}, error: undefined });
      } catch (error) {
        set({ error: `Could not load the settings: ${(error as Error).message}` });
      }
    },

    edit(change) {
      const draft = get().draft;
      if (!draft) return;
      // Editing a field clears its message; the others stay until the next save.
      const fieldErrors = { ...get().fieldErrors };
      for (const key of Object.keys(change)) delete fieldErrors[key === 'clearToken' ? 'token' : key];
      set({ draft: { ...draft, ...change }, fieldErrors, savedAt: undefined });
    },

    async save() {
      const draft = get().draft;
      if (!draft) return false;
      const { patch, errors } = patchFromDraft(draft);
      if (Object.keys(errors).length > 0) {
        // Not sent (a number field holds text), but every other problem is shown with it.
        set({
          fieldErrors: { ...otherErrors(get().settings, patch, errors), ...errors },
          savedAt: undefined,
        });
        return false;
      }
      set({ saving: true, error: undefined });
      try {
        const result = await api.call('settings.set', changedOnly(patch, get().settings));
        if (!result.ok) {
          const fieldErrors: Record<string, string> = {};
          for (const [key, message] of Object.entries(result.errors)) fieldErrors[fieldOf(key)] ??= message;
          set({ fieldErrors, saving: false, savedAt: undefined });
          return false;
        }
        set({
          settings: result.settings,
          draft: draftFromSettings(result.settings),
          fieldErrors: {},
          saving: false,
          savedAt: Date.now(),
        });
        return true;
      } catch (error) {
        set({ saving: false, error: `Could not save: ${(error as Error).message}` });
        return false;
      }
    },

    reset() {
      const settings = get().settings;
      if (settings) set({ draft: draftFromSettings(settings), fieldErrors: {}, savedAt: undefined });
    },

    dispose() {
      off();
    },
  }));

  // Another window (or the tray) changed them: refresh the form unless the user is editing.
  const off = api.on('settings.changed', (settings) => {
    const s = store.getState();
    const untouched =
      !s.draft || !s.settings || JSON.stringify(s.draft) === JSON.stringify(draftFromSettings(s.settings));
    store.setState({ settings, ...(untouched ? { draft: draftFromSettings(settings) } : {}) });
  });
  return store;
}

export type SettingsStore = ReturnType<typeof createSettingsStore>;
