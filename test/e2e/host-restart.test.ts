// The web host (Earshot main) is killed with SIGKILL right after the dictation stops,
// while the last chunks are still being uploaded. A new host on the same data folder
// finds the recording in the outbox and finishes it: the transcript arrives.
// The gateway is frozen (SIGSTOP) from the moment the user presses Stop until the host
// is dead, so the kill always lands mid-upload: on a fast machine the final text could
// otherwise arrive before the kill, and the test would not test a restart at all.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';
import { corpusWer } from '../helpers/wer.js';
import {
  HAVE_CHROMIUM,
  SKIP_REASON,
  fixtures,
  launchChromium,
  makeMicFile,
  openApp,
} from './support/browser.js';
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
    gateway.process.kill('SIGSTOP');
    try {
      await stopDictationAtPause(app.page);
      // Kill only once the recording is sealed on disk: the audio was all accepted.
      const sealed = await waitForSealed(join(dataDir, 'outbox.db'), 30_000);
      first.process.kill('SIGKILL');
      await first.exited;
      // The kill came before the final text: the upload was cut short.
      expect(sealed.final_text).toBeNull();
      expect(sealed.chunks).toBeGreaterThan(0);
    } finally {
      gateway.process.kill('SIGCONT');
    }
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

interface SealedRow {
  state: string;
  final_text: string | null;
  chunks: number;
}

/** Reads the outbox beside the live host (WAL allows a reader) until its recording is sealed. */
function waitForSealed(dbPath: string, timeoutMs: number): Promise<SealedRow> {
  return waitFor(
    `a sealed recording in ${dbPath}`,
    () => {
      const db = new Database(dbPath, { readonly: true });
      try {
        return db
          .prepare(
            'SELECT state, final_text, (SELECT COUNT(*) FROM chunks WHERE chunks.recording_id = recordings.id) AS chunks FROM recordings WHERE sealed = 1',
          )
          .get() as SealedRow | undefined;
      } finally {
        db.close();
      }
    },
    timeoutMs,
    100,
  );
}
