// The web host (Earshot main) is killed with SIGKILL right after the dictation stops,
// while the last chunks are still being uploaded. A new host on the same data folder
// finds the recording in the outbox and finishes it: the transcript arrives.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { corpusWer } from '../helpers/wer.js';
import { HAVE_CHROMIUM, SKIP_REASON, fixtures, launchChromium, makeMicFile, openApp } from './support/browser.js';
import { startDictationAtPause, stopDictationAtPause, waitForDone } from './support/dictation.js';
import { startWebHost, type WebHostProcess } from './support/web.js';

const SPEECH = ['short-03-awb.wav', 'short-06-rms.wav'];

describe.skipIf(!HAVE_CHROMIUM)(`web host killed mid-upload${SKIP_REASON}`, () => {
  let dir: string;
  let gateway: TestGateway;
  const hosts: WebHostProcess[] = [];
  let browser: Browser;
  const reference = SPEECH.map((file) => fixtures().find((f) => f.file === file)?.text ?? '').join(' ');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'earshot-e2e-restart-'));
    gateway = await startGateway(['--engine', 'pocketsphinx', '--workers', '1']);
    browser = await launchChromium(makeMicFile(dir, SPEECH));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    for (const host of hosts) await host.stop();
    await gateway?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('finishes the recording after a restart on the same data folder', async () => {
    const dataDir = join(dir, 'data');
    const first = await startWebHost({ dataDir, gatewayUrl: gateway.url });
    hosts.push(first);
    const app = await openApp(browser, first.url);
    await startDictationAtPause(app.page);
    await stopDictationAtPause(app.page);
    first.process.kill('SIGKILL');
    await first.exited;
    // The kill came before the final text: the upload was cut short.
    expect(await app.page.getByTestId('transcript').getAttribute('data-final')).toBe('false');
    await app.page.waitForSelector('[data-testid="transport-state"]', { timeout: 15_000 }); // the page notices
    await app.context.close();

    const second = await startWebHost({ dataDir, gatewayUrl: gateway.url });
    hosts.push(second);
    const again = await openApp(browser, second.url);
    const done = await waitForDone(again.page, 120_000);
    const wer = corpusWer([{ reference, hypothesis: done.text }]);
    console.log(`e2e host restart: WER ${(wer * 100).toFixed(1)}% hyp: ${done.text}`);
    expect(wer).toBeLessThanOrEqual(0.15);
    expect(await again.page.locator('[data-testid="history-item"]').count()).toBe(1); // nothing lost, nothing doubled
  }, 300_000);
});
