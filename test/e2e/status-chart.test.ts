// The Status view's round-trip chart after a reload: the samples main kept are drawn
// again, on a time axis in the right units (a lone sample once spread the axis over
// "Jun 2027 ... Jun 2029"). Real gateway, real `earshot web`, real Chromium whose fake
// microphone dictates so the uploader connects and round trips are measured.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { HAVE_CHROMIUM, SKIP_REASON, type OpenedPage } from './support/browser.js';
import { startDictationAtPause, stopDictationAtPause } from './support/dictation.js';
import { startE2eStack, type E2eStack } from './support/stack.js';

async function rttRange(page: Page): Promise<{ points: number; min: number; max: number }> {
  const chart = page.getByTestId('rtt-chart');
  return {
    points: Number(await chart.getAttribute('data-points')),
    min: Number(await chart.getAttribute('data-x-min')),
    max: Number(await chart.getAttribute('data-x-max')),
  };
}

describe.skipIf(!HAVE_CHROMIUM)(`round-trip chart after a reload${SKIP_REASON}`, () => {
  let stack: E2eStack | undefined;
  let app: OpenedPage;

  beforeAll(async () => {
    stack = await startE2eStack({
      name: 'status-chart',
      gatewayArgs: ['--engine', 'synthetic', '--workers', '1'],
      micFiles: ['short-01-rms.wav', 'short-04-rms.wav'],
    });
    app = stack.app!;
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('draws the kept samples again, around the time they were taken', async () => {
    const { page } = app;
    await startDictationAtPause(page);
    await page.getByTestId('nav-status').click();
    // Main samples the round trip every 2 s while the uploader is connected.
    await expect.poll(async () => (await rttRange(page)).points, { timeout: 60_000 }).toBeGreaterThan(0);
    await page.getByTestId('nav-dictate').click();
    await stopDictationAtPause(page);
    await page.getByTestId('nav-status').click();
    const before = await rttRange(page);
    const takenBy = Date.now();

    await page.reload();
    await page.getByTestId('nav-status').click();
    await expect.poll(async () => (await rttRange(page)).points, { timeout: 15_000 }).toBe(before.points);
    const after = await rttRange(page);
    // Milliseconds since the epoch around when the samples were taken, spanning minutes
    // at most (a lone sample once widened the axis to 1000 days).
    expect(after.max - after.min).toBeLessThan(30 * 60_000);
    expect(after.min).toBeLessThanOrEqual(takenBy);
    expect(after.max).toBeGreaterThan(takenBy - 30 * 60_000);
    expect(app.problems).toEqual([]);
  }, 180_000);
});
