// QA's path: the Stress view drives 500 sessions (50/s for 10 s, open model) at a real
// gateway (synthetic engine: this measures the client and gateway, not recognition),
// shows the run live, and exports its report in md, json and html. Then a run judged by
// thresholds typed in the form, at a wss:// target: a TLS front on 127.0.0.1
// (test/helpers/tls-front.ts) before the same gateway, its certificate self-signed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestGateway } from '../helpers/gateway.js';
import { startTlsFront, type TlsFront } from '../helpers/tls-front.js';
import { HAVE_CHROMIUM, SKIP_REASON, type OpenedPage } from './support/browser.js';
import { startE2eStack, type E2eStack } from './support/stack.js';

describe.skipIf(!HAVE_CHROMIUM)(`stress run from the Stress view${SKIP_REASON}`, () => {
  let stack: E2eStack | undefined;
  let dir: string;
  let gateway: TestGateway;
  let app: OpenedPage;
  let front: TlsFront | undefined;

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
    await front?.close();
    await stack?.stop();
  });

  async function download(format: 'json' | 'md'): Promise<string> {
    const file = page().waitForEvent('download');
    await page().getByTestId(`report-${format}`).click();
    const saved = await file;
    const path = join(dir, `tls-${saved.suggestedFilename()}`);
    await saved.saveAs(path);
    return readFileSync(path, 'utf8');
  }
  const page = () => app.page;

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

  it('judges a run at a wss:// gateway by the thresholds typed in the form, and says verification was off', async () => {
    const { page } = app;
    front = await startTlsFront(gateway.port, dir);
    await page.getByTestId('nav-stress').click();
    // The TLS settings belong to a wss:// URL: not offered for ws://.
    await page.getByLabel('Gateway URL').fill(gateway.url);
    expect(await page.getByLabel('CA file (PEM)').count()).toBe(0);
    // A threshold the engine cannot measure is refused at its field; nothing starts.
    await page.getByLabel('Thresholds').fill('error_rate<0.01\np42_final_ms<3');
    await page.getByTestId('stress-start').click();
    await expect
      .poll(async () => page.locator('.field-error').allTextContents())
      .toContainEqual(expect.stringMatching(/^threshold "p42_final_ms<3": unknown metric "p42_final_ms"/));
    expect(await page.getByTestId('stress-state').textContent()).toBe('finished'); // the first run's

    await page.getByLabel('Gateway URL').fill(front.url);
    await expect.poll(async () => page.getByLabel('CA file (PEM)').count()).toBe(1);
    expect(await page.getByTestId('stress-insecure-warning').count()).toBe(0);
    await page.getByLabel("Don't verify the certificate (insecure)").check();
    expect(await page.getByTestId('stress-insecure-warning').textContent()).toMatch(
      /not proven to be who it claims/,
    );
    await page.getByLabel('Thresholds').fill('error_rate<0.01\ncompleted>=1\np99_final_ms<1');
    await page.getByLabel('Sessions/s').check();
    await page.getByLabel('New sessions per second').fill('5');
    await page.getByLabel('Duration (s)').fill('2');
    const handshakesBefore = front.handshakes();
    await page.getByTestId('stress-start').click();
    // While it runs, the expressions it will be judged by.
    await expect
      .poll(async () => page.getByTestId('stress-threshold').allTextContents(), { timeout: 20_000 })
      .toEqual([
        expect.stringContaining('error_rate<0.01'),
        expect.stringContaining('completed>=1'),
        expect.stringContaining('p99_final_ms<1'),
      ]);
    await expect
      .poll(async () => page.getByTestId('stress-state').textContent(), { timeout: 120_000 })
      .toBe('finished');

    const items = page.getByTestId('stress-threshold');
    expect(await items.evaluateAll((els) => els.map((el) => el.getAttribute('data-passed')))).toEqual([
      'true',
      'true',
      'false',
    ]);
    expect(await page.getByTestId('stress-thresholds-summary').textContent()).toBe('2 of 3 passed');
    // A failed threshold is a failed run (the CLI exits 99): the pill is red, not green.
    expect(await page.getByTestId('stress-state').getAttribute('class')).toContain('pill-danger');

    // The values shown are the report's, and the report says certificates were not checked.
    const report = JSON.parse(await download('json')) as {
      config: { url: string; insecure: boolean };
      thresholds: { expression: string; value: number; passed: boolean }[];
      observations: string[];
      outcomes: { ok: number };
      sessions: { attempted: number };
      connections: { attempts: number };
    };
    expect(report.config).toMatchObject({ url: front.url, insecure: true });
    expect(report.sessions.attempted).toBe(10);
    expect(report.outcomes.ok).toBe(10);
    expect(report.observations[0]).toMatch(/^TLS certificate verification was OFF/);
    const texts = await items.allTextContents();
    report.thresholds.forEach((t, i) => {
      expect(texts[i]).toContain(t.expression);
      expect(texts[i]).toContain(`= ${t.value.toLocaleString('en-US', { maximumFractionDigits: 1 })}`);
      expect(texts[i].startsWith(t.passed ? '✓' : '✗')).toBe(true);
    });
    // Every connection went through the TLS front.
    expect(front.handshakes() - handshakesBefore).toBe(report.connections.attempts);
    expect(app.problems).toEqual([]);
  }, 240_000);
});
