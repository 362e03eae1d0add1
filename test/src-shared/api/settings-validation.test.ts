// Settings validation (shared by main and the renderer): every problem at once, the rule
// across fields (shortest chunk <= longest) included, even while other fields are invalid.
import { describe, expect, it } from 'vitest';
import { settingsSchema } from '../../../src-shared/api/settings.js';
import { applySettingsPatch } from '../../../src-shared/api/settings-validation.js';

const current = settingsSchema.parse({
  gatewayUrls: [],
  useEmbeddedGateway: true,
  token: '',
  userId: '',
  chunkMinSec: 2,
  chunkMaxSec: 10,
  shortcut: 'CommandOrControl+Shift+Space',
  shortcutMode: 'toggle',
  pasteIntoFocusedApp: false,
  dataDir: '/data',
});

describe('applySettingsPatch', () => {
  it('reports field errors and the cross-field error together', () => {
    const result = applySettingsPatch(current, {
      gatewayUrls: ['http://not-a-websocket'],
      shortcut: 'Ctrl+',
      chunkMinSec: 9,
      chunkMaxSec: 4,
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(Object.keys(result.errors).sort()).toEqual(['chunkMinSec', 'gatewayUrls', 'shortcut']);
    expect(result.errors.chunkMinSec).toMatch(/maximum/);
    expect(result.errors.gatewayUrls).toMatch(/ws:\/\//);
    expect(result.errors.shortcut).toMatch(/modifiers/);
  });

  it('keeps a field its own message when it is invalid by itself, and accepts a valid patch', () => {
    const bad = applySettingsPatch(current, { chunkMinSec: -1, chunkMaxSec: 1 });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.errors.chunkMinSec).not.toMatch(/maximum/);
    const good = applySettingsPatch(current, { chunkMinSec: 3, chunkMaxSec: 12 });
    expect(good).toMatchObject({ ok: true, settings: { chunkMinSec: 3, chunkMaxSec: 12 } });
  });
});
