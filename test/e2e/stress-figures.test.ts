// The Stress view tells the truth about a run (docs/stress.md, "The Stress view"): its
// headline latencies are the run's (the merged histograms the report is built from, each
// named), not the last second's; a run where every connection was refused is not shown
// as a green success with "0 ms"; and after a reload the charts come back from main.
// Real gateway (synthetic engine with a real cost per chunk), real `earshot web`, real
// Chromium; the figures are compared with the JSON report the same run exports.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { formatMs } from '../../src-renderer/util/format.js';
import type { TestGateway } from '../helpers/gateway.js';
import { HAVE_CHROMIUM, SKIP_REASON, type OpenedPage } from './support/browser.js';
import { startE2eStack, type E2eStack } from './support/stack.js';

/** A loopback port nobody listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function runStress(page: Page, url: string, users: string, seconds: string): Promise<void> {
  await page.getByTestId('nav-stress').click();
  await page.getByLabel('Gateway URL').fill(url);
  await page.getByRole('radio', { name: 'Concurrent users' }).check();
  await page.getByLabel('Concurrent users (-c)').fill(users);
  await page.getByLabel('Duration (s)').fill(seconds);
  await page.getByTestId('stress-start').click();
  await expect
    .poll(async () => page.getByTestId('stress-state').textContent(), { timeout: 120_000 })
    .toBe('finished');
}

describe.skipIf(!HAVE_CHROMIUM)(`the Stress view's figures${SKIP_REASON}`, () => {
  let stack: E2eStack | undefined;
  let dir: string;
  let gateway: TestGateway;
  let app: OpenedPage;

  beforeAll(async () => {
    stack = await startE2eStack({
      name: 'stress-figures',
      // One worker at 150 ms a chunk: sessions queue, so the run's p99 is far from any one second's.
      gatewayArgs: ['--engine', 'synthetic', '--workers', '1', '--synthetic-cost-ms', '150'],
      micFiles: ['short-01-rms.wav'],
    });
    ({ dir, gateway } = stack);
    app = stack.app!;
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('shows the run-wide final and session latency of the report, named', async () => {
    const { page } = app;
    await runStress(page, gateway.url, '4', '5');
    const download = page.waitForEvent('download');
    await page.getByTestId('report-json').click();
    const file = await download;
    const path = join(dir, file.suggestedFilename());
    await file.saveAs(path);
    const report = JSON.parse(readFileSync(path, 'utf8')) as {
      latency_ms: Record<'final' | 'session', { count: number; p50: number; p99: number }>;
      sessions: { completed: number };
    };
    expect(report.sessions.completed).toBeGreaterThan(0);
    const { final, session } = report.latency_ms;
    expect(await page.getByTestId('stat-final-latency').textContent()).toBe(
      `${formatMs(final.p50)} / ${formatMs(final.p99)}`,
    );
    expect(await page.getByTestId('stat-session-latency').textContent()).toBe(
      `${formatMs(session.p50)} / ${formatMs(session.p99)}`,
    );
    // Each latency says which one it is.
    const stats = page.locator('.stats-grid');
    await expect.poll(() => stats.textContent()).toMatch(/finish → final, whole run/);
    await expect.poll(() => stats.textContent()).toMatch(/connect → final, whole run/);
  }, 180_000);

  it('draws the charts again after a reload, from what main kept', async () => {
    const { page } = app;
    const before = Number(await page.getByTestId('chart-connections').getAttribute('data-points'));
    expect(before).toBeGreaterThan(2);
    await page.reload();
    await page.getByTestId('nav-stress').click();
    await expect
      .poll(async () => Number(await page.getByTestId('chart-connections').getAttribute('data-points')), {
        timeout: 15_000,
      })
      .toBe(before);
    // The latency chart has its points too (the figures above are not all that survived).
    const charts = page.locator('.chart[data-points]');
    for (let i = 0; i < (await charts.count()); i++)
      expect(Number(await charts.nth(i).getAttribute('data-points'))).toBe(before);
    expect(await page.getByTestId('stat-final-latency').textContent()).not.toBe('—');
  }, 60_000);

  it('does not show a run where every connection was refused as a green success with 0 ms', async () => {
    const { page } = app;
    await runStress(page, `ws://127.0.0.1:${await closedPort()}/ws/asr`, '2', '2');
    expect(await page.getByTestId('stat-completed').textContent()).toBe('0');
    const pill = page.getByTestId('stress-state');
    expect(await pill.getAttribute('class')).toContain('pill-danger');
    expect(await page.getByTestId('stress-error-summary').textContent()).toMatch(
      /^\d+ of \d+ sessions ended without a final result$/,
    );
    // No latency was measured: a dash, never "0 ms".
    expect(await page.getByTestId('stat-final-latency').textContent()).toBe('—');
    expect(await page.getByTestId('stat-session-latency').textContent()).toBe('—');
    expect(await page.locator('.stats-grid').textContent()).not.toMatch(/\b0 ms\b/);
  }, 120_000);
});
