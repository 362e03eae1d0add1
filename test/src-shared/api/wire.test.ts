// The wire format's pure parts: binary audio batches, JSON with bytes, per-field
// settings validation, and the Electron error mapping.
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../src-shared/api/common.js';
import { parseCallInput } from '../../../src-shared/api/contract.js';
import { MAX_BATCH_SAMPLES, audioBatchSchema } from '../../../src-shared/api/dictation.js';
import { withApiErrors } from '../../../src-shared/api/connect.js';
import { applySettingsPatch } from '../../../src-shared/api/settings-validation.js';
import { settingsSchema } from '../../../src-shared/api/settings.js';
import { decodeAudioBatch, decodeJson, encodeAudioBatch, encodeJson } from '../../../src-shared/api/wire.js';
import type { EarshotApi } from '../../../src-shared/api/contract.js';

describe('audio batch frames', () => {
  it('round-trips ids of odd and even length and every sample value', () => {
    for (const id of ['a', 'ab', '0f9c1d2e-5b6a-4c3d-8e7f-001122334455', 'é-ü']) {
      const pcm = Int16Array.from([-32768, -1, 0, 1, 32767, 12345]);
      expect(decodeAudioBatch(encodeAudioBatch({ dictationId: id, seq: 4_000_000_000, pcm }))).toEqual({
        dictationId: id,
        seq: 4_000_000_000,
        pcm,
      });
    }
  });

  it('rejects truncated, odd-length, empty and oversized frames with the reason', () => {
    const good = encodeAudioBatch({ dictationId: 'abc', seq: 1, pcm: Int16Array.from([1, 2]) });
    expect(() => decodeAudioBatch(good.subarray(0, 5))).toThrow(/shorter than its header/);
    expect(() => decodeAudioBatch(good.subarray(0, good.length - 1))).toThrow(/odd number of PCM bytes/);
    expect(() => decodeAudioBatch(good.subarray(0, good.length - 4))).toThrow(/holds 0 samples/);
    const big = encodeAudioBatch({ dictationId: 'abc', seq: 1, pcm: new Int16Array(MAX_BATCH_SAMPLES + 1) });
    expect(() => decodeAudioBatch(big)).toThrow(/expected 1\.\.32000/);
    const noId = good.slice();
    noId[1] = 0;
    expect(() => decodeAudioBatch(noId)).toThrow(/no dictation id/);
  });

  it('validates batches handed over in-process (Electron MessagePort)', () => {
    expect(audioBatchSchema.safeParse({ dictationId: 'x', seq: 0, pcm: new Int16Array(10) }).success).toBe(
      true,
    );
    expect(audioBatchSchema.safeParse({ dictationId: 'x', seq: 0, pcm: new Float32Array(10) }).success).toBe(
      false,
    );
    expect(audioBatchSchema.safeParse({ dictationId: 'x', seq: -1, pcm: new Int16Array(10) }).success).toBe(
      false,
    );
  });
});

describe('JSON with bytes', () => {
  it('carries Uint8Array as base64 and revives it', () => {
    const value = {
      wav: new Uint8Array([0, 255, 7]),
      nested: [{ b: new Uint8Array() }],
      plain: { $bytes: 1 },
    };
    expect(decodeJson(encodeJson(value))).toEqual(value);
  });
});

describe('call input validation', () => {
  it('applies defaults and names the bad field', () => {
    expect(parseCallInput('history.list', undefined)).toEqual({ limit: 50 });
    expect(() => parseCallInput('history.list', { limit: 501 })).toThrow(
      new ApiError('bad_input', 'history.list: limit: must be <= 500'),
    );
    expect(() =>
      parseCallInput('stress.start', { concurrency: 5, ratePerSecond: 3, durationMs: 1000 }),
    ).toThrow(/ratePerSecond: concurrency and rate are exclusive/);
    expect(() => parseCallInput('stress.start', {})).toThrow(/give a duration .* or ramp stages/);
    // The shared schema's names only: an unknown field is refused, not ignored.
    expect(() => parseCallInput('stress.start', { rate: 3, durationMs: 1000 })).toThrow(/rate/);
  });
});

describe('settings validation', () => {
  const base = {
    gatewayUrls: [],
    useEmbeddedGateway: true,
    token: '',
    userId: '',
    chunkMinSec: 1,
    chunkMaxSec: 15,
    shortcut: '',
    shortcutMode: 'toggle' as const,
    pasteIntoFocusedApp: false,
    liveText: true,
    autoStopSilenceSec: 0,
    dataDir: '/data',
  };

  it('reports every invalid field at once and applies nothing', () => {
    const result = applySettingsPatch(base, {
      gatewayUrls: 'ws://x',
      pasteIntoFocusedApp: 'yes',
      shortcutMode: 'hold',
      dataDir: ' ',
      nonsense: 1,
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(Object.keys(result.errors).sort()).toEqual([
      '_',
      'dataDir',
      'gatewayUrls',
      'pasteIntoFocusedApp',
      'shortcutMode',
    ]);
    expect(result.errors._).toBe('unknown setting: nonsense');
  });

  it('accepts accelerators Electron understands and trims URLs', () => {
    const result = applySettingsPatch(base, {
      shortcut: 'CommandOrControl+Shift+Space',
      gatewayUrls: [' wss://asr.example.com/ws/asr '],
      token: 'abc',
    });
    expect(result).toEqual({
      ok: true,
      settings: {
        ...base,
        shortcut: 'CommandOrControl+Shift+Space',
        gatewayUrls: ['wss://asr.example.com/ws/asr'],
        token: 'abc',
      },
    });
    expect(applySettingsPatch({ ...base, token: 'abc' }, { token: null })).toEqual({
      ok: true,
      settings: base,
    });
    expect(applySettingsPatch(base, { shortcut: 'Shift' }).ok).toBe(false);
  });

  it('takes the auto-stop silence as 0 (off) or 2 to 300 s, and reads an older file as off', () => {
    expect(applySettingsPatch(base, { autoStopSilenceSec: 4.5 })).toMatchObject({
      ok: true,
      settings: { autoStopSilenceSec: 4.5 },
    });
    expect(applySettingsPatch(base, { autoStopSilenceSec: 0 }).ok).toBe(true);
    for (const bad of [1, -3, 301, Number.NaN, '5'])
      expect(applySettingsPatch(base, { autoStopSilenceSec: bad })).toMatchObject({
        ok: false,
        errors: {
          autoStopSilenceSec: expect.stringMatching(
            /^(must be 0 \(off\) or from 2 to 300 s|must be a number)$/,
          ),
        },
      });
    const { autoStopSilenceSec: _, ...older } = base;
    expect(settingsSchema.parse(older).autoStopSilenceSec).toBe(0);
  });
});

describe('Electron errors across the context bridge', () => {
  it('turns "code: message" rejections back into ApiError', async () => {
    const raw: EarshotApi = {
      call: async () => {
        throw new Error("Error invoking remote method 'x': Error: not_found: no recording 4");
      },
      on: () => () => {},
      sendAudio: () => {},
    };
    await expect(withApiErrors(raw).call('history.get', { recordingId: '4' })).rejects.toEqual(
      new ApiError('not_found', 'no recording 4'),
    );
    const plain: EarshotApi = { ...raw, call: async () => Promise.reject(new Error('boom')) };
    await expect(withApiErrors(plain).call('app.info', {})).rejects.toEqual(new ApiError('internal', 'boom'));
  });
});
