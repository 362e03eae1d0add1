// The Dictate view's state follows the capture (docs/architecture.md, "Dictation"): a
// tab closed mid-dictation does not leave a recording running in main that the next page
// shows with a ticking timer; Start with the microphone denied records nothing; and a
// dictation that captured nothing is not kept as an empty "0.0 s" History entry. Real
// gateway, real `earshot web`, real Chromium with its fake microphone; the denial is the
// browser's own permission setting (set through the DevTools protocol).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { HAVE_CHROMIUM, SKIP_REASON, launchChromium, openApp, waitForLongPause } from './support/browser.js';
import { startDictationAtPause } from './support/dictation.js';
import { startE2eStack, type E2eStack } from './support/stack.js';

async function historyIds(page: Page): Promise<string[]> {
  await page.getByTestId('nav-history').click();
  await page.getByTestId('history-list').waitFor();
  await page.waitForFunction(
    () => document.querySelector('[data-testid="history-list"]')?.getAttribute('aria-busy') === 'false',
  );
  const ids = await page
    .locator('[data-testid="history-item"]')
    .evaluateAll((items) => items.map((i) => i.getAttribute('data-recording-id') ?? ''));
  await page.getByTestId('nav-dictate').click();
  return ids;
}

describe.skipIf(!HAVE_CHROMIUM)(`dictation state follows the capture${SKIP_REASON}`, () => {
  let stack: E2eStack | undefined;

  beforeAll(async () => {
    stack = await startE2eStack({
      name: 'dictation-state',
      gatewayArgs: ['--engine', 'synthetic', '--workers', '1'],
      micFiles: ['short-01-rms.wav'],
      micPauses: { leadSec: 1, tailSec: 4 },
      openPage: false,
    });
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('stops the recording when its tab is closed; the reopened page shows no recording', async () => {
    const first = await openApp(stack!.browser, stack!.web.url);
    await startDictationAtPause(first.page);
    await waitForLongPause(first.page, 1000, 60_000); // a whole utterance captured
    await first.context.close(); // the user closes the tab

    const second = await openApp(stack!.browser, stack!.web.url);
    const { page } = second;
    const record = page.getByTestId('record');
    await record.waitFor();
    // Main stopped it: the recording is transcribed and delivered like any other.
    await page.getByTestId('nav-history').click();
    const item = page.getByTestId('history-item').first();
    await expect.poll(async () => item.getAttribute('data-state'), { timeout: 60_000 }).toBe('done');
    await page.getByTestId('nav-dictate').click();
    expect(await record.getAttribute('data-phase')).not.toBe('recording');
    expect(await record.getAttribute('aria-label')).toBe('Start dictation');
    expect(await page.getByTestId('dictation-elsewhere').count()).toBe(0);
    const elapsed = await page.getByTestId('elapsed').textContent();
    await page.waitForTimeout(500);
    expect(await page.getByTestId('elapsed').textContent()).toBe(elapsed); // no timer running
    expect(await page.getByTestId('transcript').textContent()).not.toMatch(/Listening/);
    await second.context.close();
  }, 180_000);

  it('records nothing when the microphone is denied', async () => {
    const opened = await openApp(stack!.browser, stack!.web.url);
    const before = await historyIds(opened.page);
    await opened.context.close();
    // A browser that asks before giving the microphone, and a page that was not given it.
    const asking = await launchChromium(stack!.micFile, { askForMicrophone: true });
    try {
      const context = await asking.newContext();
      const page = await context.newPage();
      await page.goto(stack!.web.url);
      await page.getByTestId('record').waitFor();
      await page.getByRole('button', { name: 'Start dictation' }).click();
      await expect
        .poll(async () => page.getByTestId('dictation-error').textContent(), { timeout: 15_000 })
        .toMatch(/Nothing was recorded/);
      expect(await page.locator('.banner').allTextContents()).toContainEqual(
        expect.stringMatching(/Microphone access was denied/),
      );
      const record = page.getByTestId('record');
      expect(await record.getAttribute('data-phase')).toBe('failed');
      expect(await record.getAttribute('aria-label')).toBe('Start dictation');
      expect(await page.getByTestId('elapsed').textContent()).toBe('00:00.0');
      expect(await page.getByTestId('transcript').textContent()).not.toMatch(/Listening/);
      // Main was never asked to record: no entry, and it is not recording.
      expect(await historyIds(page)).toEqual(before);
      expect(await page.getByTestId('sidebar-dictation').count()).toBe(0);
    } finally {
      await asking.close();
    }
  }, 120_000);

  it('keeps no entry for a dictation that heard nothing', async () => {
    const opened = await openApp(stack!.browser, stack!.web.url);
    const { page } = opened;
    const before = await historyIds(page);
    await waitForLongPause(page, 500); // inside the 5 s of silence
    await page.getByRole('button', { name: 'Start dictation' }).click();
    await page.waitForSelector('[data-testid="record"][data-phase="recording"]', { timeout: 15_000 });
    await page.getByRole('button', { name: 'Stop dictation' }).click();
    await expect
      .poll(async () => page.getByTestId('transcript').textContent(), { timeout: 15_000 })
      .toMatch(/Nothing was heard, so no recording was kept/);
    expect(await page.getByTestId('record').getAttribute('data-phase')).toBe('idle');
    expect(await historyIds(page)).toEqual(before);
    expect(opened.problems).toEqual([]);
    await opened.context.close();
  }, 120_000);
});
