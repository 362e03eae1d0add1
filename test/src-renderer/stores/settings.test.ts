import { describe, expect, it } from 'vitest';
import {
  createSettingsStore,
  draftFromSettings,
  patchFromDraft,
} from '../../../src-renderer/stores/settings.js';
import { settingsPatchSchema, type PublicSettings } from '../../../src-shared/api/settings.js';
import { FakeMain } from '../support/fake-api.js';

const saved: PublicSettings = {
  gatewayUrls: ['ws://127.0.0.1:8081/ws/asr'],
  useEmbeddedGateway: true,
  hasToken: true,
  tokenStorage: 'settings-file',
  userId: 'alice',
  chunkMinSec: 2,
  chunkMaxSec: 10,
  shortcut: 'CommandOrControl+Shift+Space',
  shortcutMode: 'toggle',
  pasteIntoFocusedApp: false,
  liveText: true,
  autoStopSilenceSec: 0,
  dataDir: '/data',
  restartRequired: false,
};

describe('settings store', () => {
  it('turns the form into a patch main accepts; the token is only sent when typed or cleared', () => {
    const draft = draftFromSettings(saved);
    const { patch, errors } = patchFromDraft({
      ...draft,
      gatewayUrls: ' ws://a:1/ws/asr \n\n ws://b:2/ws/asr ',
    });
    expect(errors).toEqual({});
    expect(patch.gatewayUrls).toEqual(['ws://a:1/ws/asr', 'ws://b:2/ws/asr']);
    expect('token' in patch).toBe(false);
    expect(settingsPatchSchema.safeParse(patch).success).toBe(true);
    expect(patchFromDraft({ ...draft, token: 's3cret' }).patch.token).toBe('s3cret');
    expect(patchFromDraft({ ...draft, clearToken: true }).patch.token).toBeNull();
  });

  it('with a number field holding text, every other problem is shown at the same time, main not asked', async () => {
    const main = new FakeMain().handle('settings.get', () => saved);
    const store = createSettingsStore(main);
    await store.getState().load();
    store.getState().edit({ chunkMaxSec: 'four', gatewayUrls: 'http://not-a-websocket', shortcut: 'Ctrl+' });
    expect(await store.getState().save()).toBe(false);
    const errors = store.getState().fieldErrors;
    expect(Object.keys(errors).sort()).toEqual(['chunkMaxSec', 'gatewayUrls', 'shortcut']);
    expect(errors.chunkMaxSec).toBe('must be a number of seconds');
    expect(errors.gatewayUrls).toMatch(/ws:\/\//);
    expect(errors.shortcut).toMatch(/modifiers/);
    // A shortest chunk is not judged against a saved longest one the user is changing.
    store.getState().edit({ chunkMinSec: '12', shortcut: 'CommandOrControl+Shift+Space', gatewayUrls: '' });
    expect(await store.getState().save()).toBe(false);
    expect(store.getState().fieldErrors).toEqual({ chunkMaxSec: 'must be a number of seconds' });
    expect(main.calls.map((c) => c.channel)).toEqual(['settings.get']);
  });

  it('a number field holding text is rejected at the field and main is not asked', async () => {
    const main = new FakeMain().handle('settings.get', () => saved);
    const store = createSettingsStore(main);
    await store.getState().load();
    store.getState().edit({ chunkMaxSec: 'ten' });
    expect(await store.getState().save()).toBe(false);
    expect(store.getState().fieldErrors).toEqual({ chunkMaxSec: 'must be a number of seconds' });
    expect(main.calls.map((c) => c.channel)).toEqual(['settings.get']);
    store.getState().edit({ chunkMaxSec: '12' });
    expect(store.getState().fieldErrors).toEqual({});
  });

  it("shows main's per-field messages at their fields (list items at the list)", async () => {
    const main = new FakeMain()
      .handle('settings.get', () => saved)
      .handle('settings.set', () => ({
        ok: false as const,
        errors: { 'gatewayUrls.1': 'must be a ws:// or wss:// URL', chunkMinSec: 'must be at least 1 s' },
      }));
    const store = createSettingsStore(main);
    await store.getState().load();
    store.getState().edit({ gatewayUrls: 'ws://ok:1/ws/asr\nhttp://nope', chunkMinSec: '0' });
    expect(await store.getState().save()).toBe(false);
    expect(store.getState().fieldErrors).toEqual({
      gatewayUrls: 'must be a ws:// or wss:// URL',
      chunkMinSec: 'must be at least 1 s',
    });
    expect(store.getState().draft?.gatewayUrls).toContain('http://nope'); // the user's text stays for fixing
  });

  it('a successful save replaces the form with what main stored', async () => {
    const main = new FakeMain()
      .handle('settings.get', () => saved)
      .handle('settings.set', (patch) => ({
        ok: true as const,
        settings: { ...saved, userId: String(patch.userId), hasToken: true },
      }));
    const store = createSettingsStore(main);
    await store.getState().load();
    store.getState().edit({ userId: 'bob', token: 'new-token' });
    expect(await store.getState().save()).toBe(true);
    // Only what changed is sent: re-sending the rest would re-save fields the user did not touch.
    expect(main.calls.at(-1)?.input).toEqual({ userId: 'bob', token: 'new-token' });
    expect(store.getState().draft).toMatchObject({ userId: 'bob', token: '' });
    expect(store.getState().savedAt).toBeTypeOf('number');
  });

  it('settings.changed refreshes an untouched form but never overwrites edits in progress', async () => {
    const main = new FakeMain().handle('settings.get', () => saved);
    const store = createSettingsStore(main);
    await store.getState().load();
    main.emit('settings.changed', { ...saved, userId: 'carol' });
    expect(store.getState().draft?.userId).toBe('carol');
    store.getState().edit({ dataDir: '/elsewhere' });
    main.emit('settings.changed', { ...saved, userId: 'dave' });
    expect(store.getState().draft).toMatchObject({ userId: 'carol', dataDir: '/elsewhere' });
    expect(store.getState().settings?.userId).toBe('dave');
  });
});
