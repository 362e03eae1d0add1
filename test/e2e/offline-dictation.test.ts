// Dictating while the gateway is down (docs/architecture.md, "Delivery"): the Dictate view
// says plainly that the audio is saved here and will be transcribed when the gateway is
// back, with the next attempt's time, instead of "Transcribing..." and a "Live" badge
// forever; and once the gateway answers its health check again the waiting recording is
// sent at once, not at its next backoff slot. Real gateway (stopped, then started again on
// the same port), real `earshot web`, real Chromium with its fake microphone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { HAVE_CHROMIUM, SKIP_REASON, type OpenedPage } from './support/browser.js';
import { startDictationAtPause, stopDictationAtPause } from './support/dictation.js';
import { startE2eStack, type E2eStack } from './support/stack.js';

const SAVED = /audio is saved on this computer and will be transcribed when the gateway is back/;

describe.skipIf(!HAVE_CHROMIUM)(`dictation while the gateway is down${SKIP_REASON}`, () => {
  let stack: E2eStack | undefined;
  let gateway: TestGateway | undefined;
  let app: OpenedPage;

  beforeAll(async () => {
    stack = await startE2eStack({
      name: 'offline-dictation',
      gatewayArgs: ['--engine', 'synthetic', '--workers', '1'],
      micFiles: ['short-01-rms.wav'],
    });
    gateway = stack.gateway;
    app = stack.app!;
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await gateway?.stop(); // the one started again on the same port
  });

  it('says the audio is saved and when the next attempt is, and sends it as soon as the gateway is back', async () => {
    const { page } = app;
    const port = gateway!.port;
    await gateway!.stop();
    gateway = undefined;

    await startDictationAtPause(page);
    const note = page.getByTestId('offline-note');
    await expect
      .poll(async () => (await note.count()) && note.textContent(), { timeout: 60_000 })
      .toMatch(SAVED);
    await expect(note.textContent()).resolves.toMatch(/cannot be reached/);
    await stopDictationAtPause(page);

    // After stop: still said plainly, with the time of the next attempt; not "Transcribing".
    await expect
      .poll(async () => (await page.getByTestId('offline-next-attempt').count()) > 0, { timeout: 60_000 })
      .toBe(true);
    expect(await note.textContent()).toMatch(/Next attempt at \d{2}:\d{2}:\d{2}\./);
    expect(await page.getByTestId('dictation-phase').textContent()).toBe('Saved; waiting for the gateway');
    expect(await page.getByText('Live', { exact: true }).count()).toBe(0);
    expect(await page.getByTestId('transcript').getAttribute('data-final')).toBe('false');

    // Let the backoff grow until the next attempt is well ahead, then bring the gateway back.
    // Full jitter (src-shared/backoff.ts) draws each delay uniformly below a 30 s cap, so a
    // slot over 15 s ahead comes with one draw in two once the cap is reached (~16 s in):
    // 200 s leaves room for a dozen draws even on a loaded machine.
    let nextAt = 0;
    await expect
      .poll(
        async () => {
          nextAt = Number(await page.getByTestId('offline-next-attempt').getAttribute('data-at'));
          return nextAt - Date.now();
        },
        { timeout: 200_000, interval: 250 },
      )
      .toBeGreaterThan(15_000);
    gateway = await startGateway(['--engine', 'synthetic', '--workers', '1', '--port', String(port)]);
    await page.waitForSelector('[data-testid="transcript"][data-final="true"]', { timeout: 60_000 });
    const finalAt = Date.now();
    console.log(`e2e offline dictation: final ${nextAt - finalAt} ms before the backoff slot`);
    // Delivered on the gateway's return, before the slot the backoff had set.
    expect(finalAt).toBeLessThan(nextAt);
    expect(await note.count()).toBe(0);
    expect(app.problems).toEqual([]);
  }, 420_000);
});
