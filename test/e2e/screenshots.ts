// Takes the README screenshots: every view in light and dark, from a real session (real
// gateway with pocketsphinx, real dictation through Chromium's fake microphone, a real
// stress run against a synthetic gateway). Writes docs/screenshots/<view>-<scheme>.png.
//   npx tsx test/e2e/screenshots.ts [OUT_DIR] [--sizes 800x600,1024x768]
// (not a test: vitest runs *.test.ts only). Every view is taken at 1280x720 as
// <view>-<scheme>.png and at each of --sizes (default 800x600) as <view>-<scheme>-<W>x<H>.png.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { SettingsStore } from '../../src-main/services/settings-store.js';
import { startGateway } from '../helpers/gateway.js';
import { REPO_ROOT } from '../helpers/build.js';
import { HAVE_CHROMIUM, launchChromium, makeMicFile, openApp } from './support/browser.js';
import { startDictationAtPause, stopDictationAtPause, waitForDone } from './support/dictation.js';
import { startWebHost } from './support/web.js';

const args = process.argv.slice(2);
const sizesAt = args.indexOf('--sizes');
const sizes = (sizesAt < 0 ? '800x600' : args.splice(sizesAt, 2)[1]).split(',').map((size) => {
  const match = /^(\d+)x(\d+)$/.exec(size);
  if (!match) throw new Error(`--sizes takes WxH,WxH... (got ${size})`);
  return { width: Number(match[1]), height: Number(match[2]) };
});
const outDir = resolve(args[0] ?? join(REPO_ROOT, 'docs', 'screenshots'));
type ViewName = 'dictate' | 'history' | 'status' | 'stress' | 'settings';

async function show(page: Page, view: ViewName): Promise<void> {
  await page.getByTestId(`nav-${view}`).click();
  if (view === 'history') {
    // The newest finished recording with its waveform and chunk regions.
    const done = page.locator('[data-testid="history-item"][data-state="done"]').first();
    if ((await done.getByTestId('waveform').count()) === 0) await done.getByTestId('toggle-waveform').click();
    await page.waitForSelector('[data-testid="waveform"][data-ready="true"]', { timeout: 20_000 });
  }
  await page.mouse.move(0, 0);
  await page.waitForTimeout(400);
}

async function main(): Promise<void> {
  if (!HAVE_CHROMIUM) throw new Error('needs /usr/bin/chromium');
  mkdirSync(outDir, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'earshot-screenshots-'));
  const speech = makeMicFile(work, ['short-01-rms.wav', 'short-04-rms.wav', 'short-06-rms.wav']);
  const gateway = await startGateway(['--engine', 'pocketsphinx', '--workers', '1']);
  const loadGateway = await startGateway([
    '--engine',
    'synthetic',
    '--workers',
    '2',
    '--synthetic-cost-ms',
    '20',
    '--synthetic-rtf',
    '0.005',
  ]);
  // The gateway is chosen in Settings, as a user would (not --url, which Settings would flag as for this run only).
  new SettingsStore(join(work, 'data')).set({ gatewayUrls: [gateway.url], userId: 'alex' });
  const web = await startWebHost({ dataDir: join(work, 'data') });
  const browser = await launchChromium(speech);
  try {
    const { page } = await openApp(browser, web.url, { colorScheme: 'light' });
    await page.setViewportSize({ width: 1280, height: 720 });
    // Two dictations, so History has more than one entry.
    for (let i = 0; i < 2; i++) {
      await startDictationAtPause(page);
      await stopDictationAtPause(page);
      await page.waitForSelector('[data-testid="transcript"][data-final="true"]', { timeout: 120_000 });
    }
    await waitForDone(page, 60_000);

    await page.getByTestId('nav-stress').click();
    await page.getByLabel('Gateway URL').fill(loadGateway.url);
    await page.getByRole('radio', { name: 'Concurrent users' }).check();
    await page.getByLabel('Concurrent users (-c)').fill('25');
    await page.getByLabel('Duration (s)').fill('15');
    await page.getByLabel('Thresholds').fill('p99_final_ms<2000\nerror_rate<0.01\npeak_connections>=25');
    await page.getByTestId('stress-start').click();
    await page
      .waitForFunction(
        () => document.querySelector('[data-testid="stress-state"]')?.textContent === 'finished',
        undefined,
        { timeout: 120_000 },
      )
      .catch(async (error: unknown) => {
        await page.screenshot({ path: join(outDir, 'failed-stress.png'), fullPage: true });
        throw error;
      });

    const shoot = async (views: readonly ViewName[]) => {
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        for (const view of views) {
          await show(page, view);
          await page.screenshot({ path: join(outDir, `${view}-${scheme}.png`) });
          console.log(`wrote ${view}-${scheme}.png`);
          const original = page.viewportSize();
          for (const size of sizes) {
            await page.setViewportSize(size);
            await page.mouse.move(0, 0);
            await page.waitForTimeout(400);
            const name = `${view}-${scheme}-${size.width}x${size.height}.png`;
            await page.screenshot({ path: join(outDir, name) });
            console.log(`wrote ${name}`);
          }
          if (original) await page.setViewportSize(original);
        }
      }
      await page.emulateMedia({ colorScheme: 'light' });
    };
    await shoot(['dictate', 'stress', 'settings']);

    // A gateway outage, so Status and History show what support sees: backing off, a
    // recording queued with its attempts.
    await gateway.stop();
    await startDictationAtPause(page);
    await stopDictationAtPause(page);
    await page.getByTestId('nav-status').click();
    await page.waitForSelector('[data-testid="queue-item"]', { timeout: 60_000 });
    await page.waitForSelector(
      '[data-testid="endpoint"][data-state="backing_off"], [data-testid="endpoint"][data-state="offline"]',
      { timeout: 60_000 },
    );
    // What support reads: attempts made, the next one, the errors; no transient notice on top.
    await page.waitForSelector('[data-testid="queue-item"][data-attempts]:not([data-attempts="0"])', {
      timeout: 60_000,
    });
    await page.waitForSelector('[data-testid="errors"]', { timeout: 60_000 });
    await page.waitForSelector('[data-testid="notice"]', { state: 'detached', timeout: 15_000 });
    // History as a user leaves it: the newer dictation corrected by hand (shown as edited,
    // above its waveform), the older one ticked for a combined export.
    await page.getByTestId('nav-history').click();
    const done = page.locator('[data-testid="history-item"][data-state="done"]');
    const [newer, older] = await Promise.all(
      [0, 1].map((i) => done.nth(i).getAttribute('data-recording-id')),
    );
    const card = (id: string | null) =>
      page.locator(`[data-testid="history-item"][data-recording-id="${id}"]`);
    const recognised = (await card(newer).getByTestId('history-text').textContent()) ?? '';
    await card(newer).getByTestId('edit').click();
    await card(newer)
      .getByTestId('edit-text')
      .fill(`${recognised.charAt(0).toUpperCase()}${recognised.slice(1)}.`);
    await card(newer).getByRole('button', { name: 'Save text' }).click();
    await card(newer).getByTestId('edited-note').waitFor();
    await card(older).getByTestId('select-recording').check();
    await page.waitForSelector('[data-testid="notice"]', { state: 'detached', timeout: 15_000 });
    await shoot(['history', 'status']);
  } finally {
    await browser.close();
    await web.stop();
    await gateway.stop();
    await loadGateway.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
