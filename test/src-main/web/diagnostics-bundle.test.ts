// The diagnostics bundle through the app API: `status.bundle` over web mode's real API
// socket (the bytes a page downloads), and `status.saveBundle`, which web mode refuses and
// the desktop app answers through main's save dialog. Electron's dialog cannot run here (no
// Electron binary in CI): the test stands in for it at that boundary, as the `saveBundle`
// option AppServices receives from src-main/electron/main.ts, and checks what main hands it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../../src-shared/api/common.js';
import { startWebFixture, type WebFixture } from './web-fixture.js';

const TOKEN = 'api-bundle-token-93be11f0';
let work: string;

function unpack(bytes: Uint8Array, name: string): (file: string) => string {
  const dir = mkdtempSync(join(work, 'x-'));
  writeFileSync(join(dir, name), bytes);
  execFileSync('tar', ['-xzf', join(dir, name), '-C', dir]);
  const folder = name.replace(/\.tar\.gz$/, '');
  expect(readdirSync(dir).sort()).toEqual([folder, name].sort());
  return (file) => readFileSync(join(dir, folder, file), 'utf8');
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'earshot-api-bundle-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('status.bundle in web mode', () => {
  let fixture: WebFixture;

  beforeAll(async () => {
    fixture = await startWebFixture();
    // A token with nowhere to go (the embedded gateway wants none) must still be redacted.
    const saved = await fixture.api.call('settings.set', { token: TOKEN });
    expect(saved.ok).toBe(true);
  }, 60_000);
  afterAll(async () => {
    await fixture?.close();
  });

  it('sends the archive as bytes, with the embedded gateway log and the app log in it', async () => {
    const file = await fixture.api.call('status.bundle', {});
    expect(file.bytes).toBeInstanceOf(Uint8Array);
    expect(file.mimeType).toBe('application/gzip');
    expect(Buffer.from(file.bytes).includes(TOKEN)).toBe(false);
    const read = unpack(file.bytes, file.filename);
    const manifest = JSON.parse(read('manifest.json'));
    expect(manifest.source).toBe('web');
    expect(manifest.files.map((f: { name: string }) => f.name)).toEqual([
      'settings.json',
      'logs/app.log',
      'logs/embedded-gateway.log',
      'timeline.json',
      'health.json',
      'outbox.json',
      'versions.json',
    ]);
    const log = read('logs/app.log');
    expect(log).toMatch(/ info {2}embedded gateway: running \(engine synthetic\)$/m);
    expect(log).toMatch(/ info {2}settings: saved$/m);
    expect(log).not.toContain(TOKEN);
    expect(JSON.parse(read('settings.json')).settings).toMatchObject({
      hasToken: true,
      useEmbeddedGateway: true,
    });
    expect(JSON.parse(read('versions.json'))).toMatchObject({ mode: 'web', earshot: '0.1.0' });
    expect(JSON.parse(read('health.json')).embedded).toMatchObject({ state: 'running', engine: 'synthetic' });
  });

  it('refuses status.saveBundle: saving through a dialog needs the desktop app', async () => {
    await expect(fixture.api.call('status.saveBundle', {})).rejects.toMatchObject({
      code: 'unavailable',
      message: expect.stringMatching(/needs the desktop app; in the browser the bundle is downloaded/),
    });
  });
});

describe('status.saveBundle in the desktop app', () => {
  let fixture: WebFixture;
  const asked: { name: string; bytes: Uint8Array }[] = [];
  let answer: string | undefined;

  beforeAll(async () => {
    fixture = await startWebFixture({
      mode: 'electron',
      // Stands in for the native save dialog (src-main/electron/save-dialog.ts): writes where "the user" chose.
      saveBundle: async (name, bytes) => {
        asked.push({ name, bytes });
        if (answer !== undefined) writeFileSync(answer, bytes);
        return answer;
      },
    });
  }, 60_000);
  afterAll(async () => {
    await fixture?.close();
  });

  it('hands the dialog the suggested name and the archive, and says where it went', async () => {
    answer = join(work, 'chosen.tar.gz');
    const result = await fixture.services.dispatch('status.saveBundle', {});
    expect(asked).toHaveLength(1);
    expect(asked[0].name).toMatch(/^earshot-diagnostics-\d{8}-\d{6}\.tar\.gz$/);
    expect(result).toEqual({ saved: true, path: answer, bytes: asked[0].bytes.length });
    const read = unpack(readFileSync(answer), asked[0].name);
    expect(JSON.parse(read('manifest.json')).source).toBe('electron');
  });

  it('reports a cancelled dialog as not saved, and validates the input like every call', async () => {
    answer = undefined;
    await expect(fixture.services.dispatch('status.saveBundle', {})).resolves.toEqual({ saved: false });
    await expect(
      fixture.services.dispatch('status.saveBundle', { path: '/etc/passwd' }),
    ).rejects.toBeInstanceOf(ApiError);
    await expect(
      fixture.services.dispatch('status.saveBundle', { path: '/etc/passwd' }),
    ).rejects.toMatchObject({
      code: 'bad_input',
    });
  });
});
