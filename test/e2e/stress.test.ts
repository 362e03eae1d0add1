// QA's path: the Stress view drives 500 sessions (50/s for 10 s, open model) at a real
// gateway (synthetic engine: this measures the client and gateway, not recognition),
// shows the run live, and exports its report in md, json and html.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestGateway } from '../helpers/gateway.js';
import { HAVE_CHROMIUM, SKIP_REASON, type OpenedPage } from './support/browser.js';
import { startE2eStack, type E2eStack } from './support/stack.js';

describe.skipIf(!HAVE_CHROMIUM)(`stress run from the Stress view${SKIP_REASON}`, () => {
  let stack: E2eStack | undefined;
  let dir: string;
  let gateway: TestGateway;
  let app: OpenedPage;

  beforeAll(async () => {
    stack = await startE2eStack({
      name: 'stress',
      // A near-free engine: the run measures sessions, not recognition capacity.
      gatewayArgs: [
        '--engine',
        'synthetic',
        '--workers',
        '2',
        '--synthetic-cost-ms',
        '2',
        '--synthetic-rtf',
        '0.001',
      ],
      micFiles: ['short-01-rms.wav'],
    });
    ({ dir, gateway } = stack);
    app = stack.app!;
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('runs 500 sessions, counts every one, and exports the report', async () => {
    const { page } = app;
    await page.getByTestId('nav-stress').click();
    // "Model" is the load model (the radio group), not a free-text name for the gateway.
    expect(await page.getByRole('textbox', { name: 'Model' }).count()).toBe(0);
    expect(await page.getByRole('group', { name: 'Load model' }).getByRole('radio').count()).toBe(3);
    await page.getByLabel('Gateway URL').fill(gateway.url);
    await page.getByLabel('Sessions/s').check();
    await page.getByLabel('New sessions per second').fill('50');
    await page.getByLabel('Duration (s)').fill('10');
    await page.getByTestId('stress-start').click();
    await expect
      .poll(async () => page.getByTestId('stress-state').textContent(), { timeout: 20_000 })
      .toMatch(/starting|running|finished/);
    await expect
      .poll(async () => page.getByTestId('stress-state').textContent(), { timeout: 120_000 })
      .toBe('finished');
    expect(await page.getByTestId('stress-error').count()).toBe(0);
    const attempted = Number((await page.getByTestId('stat-attempted').textContent())?.replace(/,/g, ''));
    const completed = Number((await page.getByTestId('stat-completed').textContent())?.replace(/,/g, ''));
    console.log(`e2e stress: attempted ${attempted}, completed ${completed}`);
    // The open model owes its arrivals in run time up to the run's end, however late the
    // timers fire: 50/s for 10 s is 500 sessions, every one counted.
    expect(attempted).toBe(500);
    expect(completed).toBeGreaterThan(0);
    expect(completed).toBeLessThanOrEqual(attempted);
    // The charts got data (uPlot draws into a canvas).
    expect(await page.getByTestId('chart-connections').locator('canvas').count()).toBeGreaterThan(0);

    const reports: Record<string, string> = {};
    for (const format of ['md', 'json', 'html'] as const) {
      const download = page.waitForEvent('download');
      await page.getByTestId(`report-${format}`).click();
      const file = await download;
      const path = join(dir, file.suggestedFilename());
      await file.saveAs(path);
      expect(file.suggestedFilename()).toMatch(new RegExp(`\\.${format}$`));
      reports[format] = readFileSync(path, 'utf8');
    }
    const json = JSON.stringify(JSON.parse(reports.json));
    expect(json.match(/"attempted":(\d+)/)?.[1], 'the report counts what the view showed').toBe(
      String(attempted),
    );
    expect(reports.md).toContain(String(attempted));
    expect(reports.html).toMatch(/<html|<!doctype html/i);
    expect(app.problems).toEqual([]);
  }, 240_000);
});
