// The gateway goes away in the middle of a dictation: the audio stays safe in the outbox,
// Status shows the connection backing off and the recording queued; when the gateway
// comes back on the same address, the upload resumes by itself and the transcript arrives.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { corpusWer } from '../helpers/wer.js';
import { HAVE_CHROMIUM, SKIP_REASON, fixtures, type OpenedPage } from './support/browser.js';
import { startDictationAtPause, stopDictationAtPause, waitForDone } from './support/dictation.js';
import { startE2eStack, type E2eStack } from './support/stack.js';
import type { WebHostProcess } from './support/web.js';

const SPEECH = ['short-02-kal16.wav', 'short-05-awb.wav'];

describe.skipIf(!HAVE_CHROMIUM)(`gateway outage during dictation${SKIP_REASON}`, () => {
  let stack: E2eStack | undefined;
  let gateway: TestGateway | undefined;
  let web: WebHostProcess;
  let app: OpenedPage;
  const reference = SPEECH.map((file) => fixtures().find((f) => f.file === file)?.text ?? '').join(' ');

  beforeAll(async () => {
    stack = await startE2eStack({
      name: 'offline',
      gatewayArgs: ['--engine', 'pocketsphinx', '--workers', '1'],
      micFiles: SPEECH,
    });
    ({ gateway, web } = stack);
    app = stack.app!;
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await gateway?.stop(); // the gateway the test started again on the same port
  });

  it('keeps the recording queued while backing off, and delivers it when the gateway is back', async () => {
    const { page } = app;
    const port = gateway!.port;
    await startDictationAtPause(page);
    await page.waitForTimeout(1500);
    await gateway!.stop(); // mid-dictation: the first sentence may be in flight
    gateway = undefined;
    await stopDictationAtPause(page);

    await page.getByTestId('nav-status').click();
    const endpoint = page.getByTestId('endpoint').first();
    // backing_off between attempts; offline once the uploader's circuit breaker opens
    // (it keeps probing with the same capped backoff).
    await expect
      .poll(async () => endpoint.getAttribute('data-state'), { timeout: 60_000 })
      .toMatch(/backing_off|offline/);
    const queued = page.getByTestId('queue-item').first();
    await queued.waitFor({ timeout: 15_000 });
    const recordingId = await queued.getAttribute('data-recording-id');
    expect(
      Number((await page.getByTestId('queue-depth').textContent())?.match(/\d+/)?.[0]),
    ).toBeGreaterThanOrEqual(1);
    await expect(page.getByTestId('timeline').textContent()).resolves.toContain('Backing off');
    // What support needs while it waits: attempts made, when the next one is, the errors.
    await expect
      .poll(async () => Number(await queued.getAttribute('data-attempts')), { timeout: 30_000 })
      .toBeGreaterThan(0);
    await expect
      .poll(async () => Number(await queued.getAttribute('data-next-attempt')), { timeout: 30_000 })
      .toBeGreaterThan(Date.now() - 60_000);
    await expect(queued.textContent()).resolves.toMatch(/ECONNREFUSED|cannot reach|health probe failed/);
    await expect
      .poll(async () => (await endpoint.getByTestId('next-attempt').getAttribute('data-at')) ?? '', {
        timeout: 30_000,
      })
      .toMatch(/^\d+$/);
    await expect
      .poll(async () => (await page.getByTestId('errors').textContent()) ?? '', { timeout: 30_000 })
      .toMatch(/ECONNREFUSED/);
    // "Copy diagnostics" puts main's JSON report on the clipboard, secrets redacted.
    await page.getByTestId('copy-diagnostics').click();
    // Its own notice, not just any: an upload error may already be on screen in this outage.
    await expect
      .poll(() => page.getByTestId('notice').allTextContents(), { timeout: 10_000 })
      .toEqual([expect.stringContaining('Diagnostics copied')]);
    const diagnostics = await page.evaluate(() => navigator.clipboard.readText());
    expect(() => JSON.parse(diagnostics)).not.toThrow();
    expect(diagnostics).toContain(String(port));
    expect(diagnostics).not.toContain(new URL(web.url).searchParams.get('token') ?? 'no-token');

    await page.getByTestId('nav-history').click();
    const item = page.locator(`[data-testid="history-item"][data-recording-id="${recordingId}"]`);
    expect(await item.getAttribute('data-state')).not.toBe('done');
    await page.waitForTimeout(3000);
    expect(await item.getAttribute('data-state')).not.toBe('done'); // nothing to deliver to: it waits

    gateway = await startGateway(['--engine', 'pocketsphinx', '--workers', '1', '--port', String(port)]);
    const done = await waitForDone(page, 120_000); // backoff is capped; no button pressed
    expect(done.id).toBe(recordingId);
    const wer = corpusWer([{ reference, hypothesis: done.text }]);
    console.log(`e2e offline: WER ${(wer * 100).toFixed(1)}% hyp: ${done.text}`);
    expect(wer).toBeLessThanOrEqual(0.15);

    await page.getByTestId('nav-status').click();
    await expect
      .poll(async () => page.getByTestId('endpoint').first().getAttribute('data-state'), { timeout: 60_000 })
      .toMatch(/connected|idle/);
    expect(app.problems).toEqual([]);
  }, 300_000);
});
