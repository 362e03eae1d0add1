// Support asks a user for a diagnostics bundle: in the Status view of web mode, "Save
// diagnostics bundle" downloads a .tar.gz made by main. The app runs against a real gateway
// that wants a token (stored in Settings), with an outbox holding a delivered recording of
// private words, a failed one and one still to send; the archive is unpacked with the system's tar and each
// file is checked. The token and the words must not appear anywhere in its bytes.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboxStore } from '../../src-main/outbox/store.js';
import { SettingsStore } from '../../src-main/services/settings-store.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { addRecording } from '../src-main/upload/helpers.js';
import {
  HAVE_CHROMIUM,
  SKIP_REASON,
  launchChromium,
  makeMicFile,
  openApp,
  type OpenedPage,
} from './support/browser.js';
import { startWebHost, type WebHostProcess } from './support/web.js';

const TOKEN = 'e2e-bundle-token-5c81d2e07a';
const PRIVATE_TEXT = 'private words nobody else should read';

describe.skipIf(!HAVE_CHROMIUM)(`diagnostics bundle from the Status view${SKIP_REASON}`, () => {
  let dir: string;
  let gateway: TestGateway | undefined;
  let web: WebHostProcess | undefined;
  let browser: Browser | undefined;
  let app: OpenedPage;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'earshot-e2e-bundle-'));
    gateway = await startGateway(['--token', TOKEN]);
    const dataDir = join(dir, 'data');
    mkdirSync(dataDir);
    new SettingsStore(dataDir).set({ token: TOKEN, gatewayUrls: [gateway.url] });
    const store = OutboxStore.open(dataDir);
    const done = addRecording(store, 'short-01-rms.wav');
    store.saveChunkResult(done.id, 0, PRIVATE_TEXT);
    store.saveFinal(done.id, { text: PRIVATE_TEXT });
    const failed = addRecording(store, 'short-02-kal16.wav');
    store.markFailed(failed.id, 'bad_audio: refused by the gateway');
    addRecording(store, 'short-03-awb.wav'); // delivered once the app runs: a connection to show
    store.close();
    web = await startWebHost({ dataDir });
    browser = await launchChromium(makeMicFile(dir, ['short-01-rms.wav']));
    app = await openApp(browser, `${web.url}#status`);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await web?.stop();
    await gateway?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('downloads a .tar.gz with every part support needs, the token redacted and no transcript', async () => {
    const { page } = app;
    // The waiting recording delivered (a connection made) and health read: a timeline to show.
    await page.locator('.health-grid[data-testid="health"]').waitFor({ timeout: 30_000 });
    await expect.poll(() => page.getByTestId('queue-item').count(), { timeout: 30_000 }).toBe(0);

    const button = page.getByRole('button', { name: 'Save diagnostics bundle' });
    const download = page.waitForEvent('download');
    await button.click();
    const file = await download;
    expect(file.suggestedFilename()).toMatch(/^earshot-diagnostics-\d{8}-\d{6}\.tar\.gz$/);
    const archive = join(dir, file.suggestedFilename());
    await file.saveAs(archive);
    await expect(page.getByTestId('notice').textContent()).resolves.toBe(
      `Diagnostics bundle downloaded: ${file.suggestedFilename()} (secrets redacted).`,
    );

    const bytes = readFileSync(archive);
    const tar = gunzipSync(bytes);
    for (const secret of [TOKEN, encodeURIComponent(TOKEN), PRIVATE_TEXT, 'short-01-rms', 'short-03-awb']) {
      expect(bytes.includes(secret)).toBe(false);
      expect(tar.includes(secret)).toBe(false);
    }

    const out = join(dir, 'unpacked');
    mkdirSync(out);
    execFileSync('tar', ['-xzf', archive, '-C', out]);
    const folder = file.suggestedFilename().replace(/\.tar\.gz$/, '');
    expect(readdirSync(out)).toEqual([folder]);
    const read = (name: string) => readFileSync(join(out, folder, name), 'utf8');
    const json = (name: string) => JSON.parse(read(name));

    const manifest = json('manifest.json');
    expect(manifest).toMatchObject({ format: 'earshot-diagnostics', formatVersion: 1, source: 'web' });
    const names = manifest.files.map((f: { name: string }) => f.name);
    expect(names).toEqual([
      'settings.json',
      'logs/app.log',
      'timeline.json',
      'health.json',
      'outbox.json',
      'versions.json',
    ]);
    for (const entry of manifest.files) expect(Buffer.byteLength(read(entry.name))).toBe(entry.bytes);

    const settings = json('settings.json');
    expect(settings.settings).toMatchObject({
      gatewayUrls: [gateway!.url],
      hasToken: true,
      tokenStorage: 'settings-file',
    });
    expect(settings.settings).not.toHaveProperty('token');
    expect(settings.gatewayInUse).toEqual({ url: gateway!.url, source: 'settings' });

    const log = read('logs/app.log');
    expect(log).toMatch(/ info {2}app: Earshot \S+ started \(web\), data folder /);
    expect(log).toMatch(new RegExp(`connection 127\\.0\\.0\\.1:${gateway!.port}: connected`));
    expect(log).toMatch(/ info {2}outbox: recording 3: final/);

    const timeline = json('timeline.json');
    expect(timeline.endpoints).toHaveLength(1);
    expect(timeline.endpoints[0]).toMatchObject({ url: gateway!.url, label: `127.0.0.1:${gateway!.port}` });
    expect(timeline.endpoints[0].timeline.map((t: { state: string }) => t.state)).toContain('connected');
    expect(timeline.monitors[0].counters.connects).toBeGreaterThanOrEqual(1);

    const health = json('health.json');
    expect(health.gateways[0].checks.at(-1)).toMatchObject({
      ok: true,
      status: 'ready',
      engine: 'synthetic',
    });

    const outbox = json('outbox.json');
    expect(outbox.byState.failed).toBe(1);
    expect(outbox.byState.done).toBe(2);
    expect(outbox.total).toBe(3);
    expect(outbox.waiting).toEqual([]);
    expect(outbox.recentFailures).toHaveLength(1);
    expect(outbox.recentFailures[0].reason).toBe('bad_audio: refused by the gateway');

    const versions = json('versions.json');
    expect(versions).toMatchObject({ mode: 'web', node: expect.any(String) });
    expect(versions.gateways[0]).toMatchObject({ engine: 'synthetic', protocol: 'earshot' });

    expect(app.problems).toEqual([]);
  });
});
