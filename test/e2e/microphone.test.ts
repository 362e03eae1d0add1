// The microphone the user chose is gone (its device id no longer exists): the page says
// so, falls back to the default input, and dictation still works.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { HAVE_CHROMIUM, SKIP_REASON, meterLevel, openApp } from './support/browser.js';
import { startDictationAtPause, stopDictationAtPause } from './support/dictation.js';
import { startE2eStack, type E2eStack } from './support/stack.js';
import type { WebHostProcess } from './support/web.js';

describe.skipIf(!HAVE_CHROMIUM)(`microphone fallback${SKIP_REASON}`, () => {
  let stack: E2eStack | undefined;
  let web: WebHostProcess;
  let browser: Browser;

  beforeAll(async () => {
    stack = await startE2eStack({
      name: 'mic',
      gatewayArgs: ['--engine', 'synthetic', '--synthetic-phrase', 'fallback works'],
      micFiles: ['short-01-rms.wav'],
      openPage: false, // the test opens it with a stale microphone choice in localStorage
    });
    ({ web, browser } = stack);
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('falls back to the default microphone when the chosen one is gone', async () => {
    const app = await openApp(browser, web.url, {
      localStorage: { 'earshot.microphone': 'a-device-that-was-unplugged' },
    });
    const { page } = app;
    await page
      .getByText('The chosen microphone is not available; using the default one.')
      .waitFor({ timeout: 15_000 });
    await expect.poll(() => meterLevel(page), { timeout: 15_000 }).toBeGreaterThan(15); // the default input is live
    const options = await page.locator('#mic-picker option').allTextContents();
    expect(options[0]).toBe('System default');
    await startDictationAtPause(page);
    await stopDictationAtPause(page);
    await page.waitForSelector('[data-testid="transcript"][data-final="true"]', { timeout: 60_000 });
    expect(await page.getByTestId('transcript').textContent()).toContain('fallback works');
    expect(app.problems).toEqual([]);
  }, 180_000);
});
