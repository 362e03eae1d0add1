// The local default endpoint: without a gateway URL the app runs its own gateway as a
// child process. When the recognizer cannot load (here: its model folder is missing),
// the status says so with the reason, and setting a remote gateway makes dictation work.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../../helpers/build.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { startWebFixture, type WebFixture } from './web-fixture.js';
import { fliteFixtures, readPcm } from '../../helpers/speech-fixtures.js';

let fx: WebFixture;
let remote: TestGateway;
let missing: string;

beforeAll(async () => {
  await ensureBuilt();
  missing = join(mkdtempSync(join(tmpdir(), 'earshot-no-model-')), 'nothing-here');
  remote = await startGateway(['--engine', 'synthetic', '--synthetic-phrase', 'remote gateway text'], {
    skipBuild: true,
  });
  fx = await startWebFixture({
    embedded: { engine: 'pocketsphinx', childEnv: { EARSHOT_PS_MODEL_DIR: missing } },
  });
});

afterAll(async () => {
  await fx?.close();
  await remote?.stop();
  rmSync(join(missing, '..'), { recursive: true, force: true });
});

describe('embedded gateway unavailable', () => {
  it('says why in the status, and nothing is delivered', async () => {
    const status = await fx.api.call('status.get', {});
    expect(status.embedded.state).toBe('unavailable');
    expect(status.embedded.engine).toBe('pocketsphinx');
    expect(status.embedded.reason).toMatch(/nothing-here|model/i);
    expect(status.embedded.reason).toMatch(/Set a remote gateway URL in Settings/);
    expect(status.endpoints).toEqual([]);
    expect(
      status.errors.some((e) => e.source === 'delivery' && /no gateway to deliver to/.test(e.message)),
    ).toBe(true);
  });

  it('dictates through a remote gateway once one is set', async () => {
    const set = await fx.api.call('settings.set', { gatewayUrls: [remote.url] });
    expect(set.ok).toBe(true);
    const { dictationId, recordingId } = await fx.api.call('dictation.start', {});
    // Real speech (the chunker's VAD rightly ignores a pure tone), in 200 ms batches as the
    // renderer sends them, then a second of silence.
    const speech = readPcm(fliteFixtures().find((f) => f.file === 'short-01-rms.wav')!);
    const mic = new Int16Array(speech.length + 16_000);
    mic.set(speech);
    for (let seq = 0, at = 0; at < mic.length; seq++, at += 3200)
      fx.api.sendAudio({ dictationId, seq, pcm: mic.slice(at, at + 3200) });
    await fx.api.call('dictation.stop', { dictationId });
    await expect
      .poll(async () => (await fx.api.call('history.get', { recordingId })).state, {
        timeout: 30_000,
        interval: 250,
      })
      .toBe('done');
    expect((await fx.api.call('history.get', { recordingId })).text).toContain('remote gateway text');
    const status = await fx.api.call('status.get', {});
    expect(status.embedded.state).toBe('disabled');
    expect(status.endpoints.map((e) => e.url)).toEqual([remote.url]);
  });
});
