// Steps shared by the e2e files that dictate: press record inside the fake microphone's
// long pause so every utterance is whole, and stop in the next long pause.
import type { Page } from 'playwright-core';
import { waitForLongPause } from './browser.js';

export async function startDictationAtPause(page: Page): Promise<void> {
  await page.getByTestId('nav-dictate').click();
  await page.getByTestId('record').waitFor();
  await waitForLongPause(page, 2000);
  await page.getByRole('button', { name: 'Start dictation' }).click();
  await page.waitForSelector('[data-testid="record"][data-phase="recording"]', { timeout: 15_000 });
}

export async function stopDictationAtPause(page: Page): Promise<void> {
  await waitForLongPause(page, 2000, 60_000);
  await page.getByRole('button', { name: 'Stop dictation' }).click();
}

/** The History entry's id and text once it is done. */
export async function waitForDone(page: Page, timeoutMs: number): Promise<{ id: string; text: string }> {
  await page.getByTestId('nav-history').click();
  const item = page.locator('[data-testid="history-item"]').first();
  await item.waitFor({ timeout: 15_000 });
  await page.waitForSelector('[data-testid="history-item"][data-state="done"]', { timeout: timeoutMs });
  const done = page.locator('[data-testid="history-item"][data-state="done"]').first();
  return {
    id: (await done.getAttribute('data-recording-id')) ?? '',
    text: (await done.getByTestId('history-text').textContent()) ?? '',
  };
}
