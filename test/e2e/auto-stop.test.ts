// Dictation stops by itself after the Settings' silence (docs/dictation.md, "Stopping
// after a silence"). Chromium's fake microphone plays one fixture sentence followed by
// 8 s of silence, in a loop; the real `earshot web` cuts it with its speech detector and
// a real pocketsphinx gateway transcribes it. Nobody presses Stop: the dictation must
// stop inside the silence (before the sentence comes round again), say why, and keep
// the sentence; started in the silence, it stops with nothing kept and says so.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { wordErrorRate } from '../helpers/wer.js';
import {
  HAVE_CHROMIUM,
  SKIP_REASON,
  fixtures,
  waitForLongPause,
  type OpenedPage,
} from './support/browser.js';
import { startE2eStack, type E2eStack } from './support/stack.js';

const SPEECH = 'short-01-rms.wav';
/** The foundation issue's bound for flite voices through pocketsphinx. */
const MAX_WER = 0.35;

/** Waits for the sentence to begin (the meter goes loud after the long pause). */
async function waitForSpeechOnset(page: Page): Promise<void> {
  await waitForLongPause(page, 2000, 60_000);
  await page.waitForFunction(
    () => Number(document.querySelector('[role="meter"]')?.getAttribute('aria-valuenow') ?? 0) > 15,
    undefined,
    { timeout: 30_000, polling: 20 },
  );
}

describe.skipIf(!HAVE_CHROMIUM)(`auto-stop after silence${SKIP_REASON}`, () => {
  let stack: E2eStack | undefined;
  let app: OpenedPage;
  const reference = fixtures().find((f) => f.file === SPEECH)!.text;

  beforeAll(async () => {
    stack = await startE2eStack({
      name: 'auto-stop',
      gatewayArgs: ['--engine', 'pocketsphinx', '--workers', '1'],
      micFiles: [SPEECH],
      micPauses: { leadSec: 1, tailSec: 8 },
      pageSuffix: '#settings',
    });
    app = stack.app!;
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('is a setting: 0 (off) or 2 to 300 s, the rule said at the field', async () => {
    const { page } = app;
    await page.getByTestId('nav-settings').click();
    const field = page.getByLabel('Stop after silence (s)');
    expect(await field.inputValue()).toBe('0'); // off unless asked for
    await field.fill('1');
    await page.getByTestId('settings-save').click();
    const error = page.getByTestId('field-autoStopSilenceSec').locator('.field-error');
    await error.waitFor({ timeout: 10_000 });
    expect(await error.textContent()).toBe('must be 0 (off) or from 2 to 300 s');
    await field.fill('3');
    await page.getByTestId('settings-save').click();
    await expect.poll(() => error.count(), { timeout: 10_000 }).toBe(0);
    await page.reload();
    expect(await page.getByLabel('Stop after silence (s)').inputValue()).toBe('3');
  }, 60_000);

  it('stops after 3 s of silence without Stop being pressed, says so, and keeps the sentence', async () => {
    const { page } = app;
    await page.getByTestId('nav-dictate').click();
    await page.getByTestId('record').waitFor();
    expect(await page.getByTestId('auto-stop-hint').textContent()).toBe(' · stops after 3 s of silence');
    await waitForSpeechOnset(page);
    // The page's pre-roll carries the onset that was already spoken.
    await page.getByRole('button', { name: 'Start dictation' }).click();
    await page.waitForSelector('[data-testid="record"][data-phase="recording"]', { timeout: 15_000 });
    // ~3 s of speech, then the 8 s silence: the stop comes inside it, from main.
    await page.waitForSelector('[data-testid="auto-stop-note"]', { timeout: 30_000 });
    expect(await page.getByTestId('auto-stop-note').textContent()).toBe('Stopped after 3 s of silence.');
    expect(await page.getByTestId('record').getAttribute('data-phase')).not.toBe('recording');
    expect(await page.locator('.record-label').textContent()).toBe('Record');
    await page.waitForSelector('[data-testid="transcript"][data-final="true"]', { timeout: 90_000 });
    const text = (await page.getByTestId('transcript').textContent()) ?? '';
    // The sentence once: the dictation ended before the microphone's loop said it again.
    expect(wordErrorRate(reference, text)).toBeLessThanOrEqual(MAX_WER);

    await page.getByTestId('nav-history').click();
    const items = page.getByTestId('history-item');
    await items.first().waitFor();
    expect(await items.count()).toBe(1);
    const seconds = Number.parseFloat(
      (await items.first().getByTestId('history-duration').textContent())!.replace('·', ''),
    );
    const spoken = fixtures().find((f) => f.file === SPEECH)!.seconds;
    // The stored audio is the sentence and at most the 3 s of silence after it.
    expect(seconds).toBeLessThanOrEqual(spoken + 3.5);
    expect(app.problems).toEqual([]);
  }, 180_000);

  it('started in the silence, stops with nothing kept and says why', async () => {
    const { page } = app;
    await page.getByTestId('nav-dictate').click();
    await waitForLongPause(page, 2000, 60_000);
    // About 6 s of the silence are left: more than the 3 s that stop the dictation.
    await page.getByRole('button', { name: 'Start dictation' }).click();
    await page.waitForSelector('[data-testid="record"][data-phase="recording"]', { timeout: 15_000 });
    await page.waitForSelector('[data-testid="transcript-empty"]:has-text("nothing was heard")', {
      timeout: 30_000,
    });
    expect(await page.getByTestId('transcript-empty').textContent()).toBe(
      'Stopped after 3 s of silence: nothing was heard, so no recording was kept.',
    );
    expect(await page.getByTestId('record').getAttribute('data-phase')).toBe('idle');
    await page.getByTestId('nav-history').click();
    await page.getByTestId('history-item').first().waitFor();
    expect(await page.getByTestId('history-item').count()).toBe(1);
    expect(app.problems).toEqual([]);
  }, 120_000);
});
