// What the UI shows while things happen, and how it fits a small window: the record
// button shows a stop square while recording, the sidebar says "Recording" (not the idle
// connection), web mode promises no system-wide shortcut, Re-transcribe shows its
// progress and result on the recording it was pressed on, and at 800x600 the sidebar
// folds to icons and nothing is clipped or squeezed. Real gateway, real `earshot web`,
// real Chromium with its fake microphone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { HAVE_CHROMIUM, SKIP_REASON, type OpenedPage } from './support/browser.js';
import { startDictationAtPause, stopDictationAtPause } from './support/dictation.js';
import { startE2eStack, type E2eStack } from './support/stack.js';

const glyphRadius = (page: Page) =>
  page.locator('.record-glyph').evaluate((el) => getComputedStyle(el).borderTopLeftRadius);

describe.skipIf(!HAVE_CHROMIUM)(`feedback and small windows${SKIP_REASON}`, () => {
  let stack: E2eStack | undefined;
  let app: OpenedPage;

  beforeAll(async () => {
    stack = await startE2eStack({
      name: 'layout-feedback',
      gatewayArgs: ['--engine', 'synthetic', '--workers', '1'],
      micFiles: ['short-01-rms.wav'],
    });
    app = stack.app!;
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('shows the recording state on the button and in the sidebar, and no system-wide shortcut in web mode', async () => {
    const { page } = app;
    await page.getByTestId('record').waitFor();
    expect(await page.getByTestId('shortcut-scope').textContent()).toBe('while this page has focus');
    expect(await page.locator('.recorder').textContent()).not.toMatch(/anywhere/);
    const idleRadius = await glyphRadius(page);
    expect(await page.locator('.record-label').textContent()).toBe('Record');
    await startDictationAtPause(page);
    expect(await page.locator('.record-label').textContent()).toBe('Stop');
    expect(await glyphRadius(page)).not.toBe(idleRadius); // a square, not the round record dot
    expect(await page.getByTestId('sidebar-dictation').textContent()).toBe('Recording');
    expect(await page.getByTestId('sidebar-connection').textContent()).not.toMatch(/Idle/);
    await stopDictationAtPause(page);
    await page.waitForSelector('[data-testid="transcript"][data-final="true"]', { timeout: 60_000 });
    expect(await page.locator('.record-label').textContent()).toBe('Record');
    expect(await glyphRadius(page)).toBe(idleRadius);
  }, 120_000);

  it('shows a re-transcription on the recording it was asked for, with its progress', async () => {
    const { page } = app;
    await page.getByTestId('nav-history').click();
    const card = page.locator('[data-testid="history-item"][data-state="done"]').first();
    await card.waitFor({ timeout: 60_000 });
    const id = await card.getAttribute('data-recording-id');
    const same = page.locator(`[data-testid="history-item"][data-recording-id="${id}"]`);
    await same.getByTestId('retranscribe').click();
    // Feedback at once, on this card (the new recording lands at the top of the list).
    await same.getByTestId('retranscript').waitFor({ timeout: 5_000 });
    await expect
      .poll(async () => same.getByTestId('retranscript').getAttribute('data-state'), { timeout: 60_000 })
      .toBe('done');
    expect(((await same.getByTestId('retranscript-text').textContent()) ?? '').trim()).not.toBe('');
    expect(await same.getByTestId('retranscribe').textContent()).toBe('Re-transcribe');
    expect(app.problems).toEqual([]);
  }, 120_000);

  it('fits 800x600: icons-only sidebar, no sideways overflow, a usable transcript and stress view', async () => {
    const { page } = app;
    await page.setViewportSize({ width: 800, height: 600 });
    for (const view of ['dictate', 'history', 'status', 'stress', 'settings'] as const) {
      await page.getByTestId(`nav-${view}`).click();
      await page.waitForTimeout(300); // charts follow their container's width on the next frame
      const overflow = await page.evaluate(() => {
        const main = document.querySelector('main')!;
        return {
          page: document.documentElement.scrollWidth - window.innerWidth,
          main: main.scrollWidth - main.clientWidth,
          clipped: [...document.querySelectorAll('main .card')]
            .map((card) => card.getBoundingClientRect())
            .filter((r) => r.right > window.innerWidth + 0.5).length,
        };
      });
      expect(overflow, view).toEqual({ page: 0, main: 0, clipped: 0 });
    }
    expect((await page.locator('.sidebar').boundingBox())!.width).toBeLessThanOrEqual(80);
    await page.getByTestId('nav-dictate').click();
    const transcript = (await page.getByTestId('transcript').boundingBox())!;
    expect(transcript.width).toBeGreaterThanOrEqual(300);
    await page.getByTestId('nav-stress').click();
    for (const chart of await page.locator('.chart').all())
      expect((await chart.boundingBox())!.x + (await chart.boundingBox())!.width).toBeLessThanOrEqual(800);
    // The folded navigation still names its views (tooltips and screen readers).
    expect(await page.getByTestId('nav-stress').getAttribute('title')).toBe('Stress');
    await page.setViewportSize({ width: 1280, height: 820 });
  }, 120_000);
});
