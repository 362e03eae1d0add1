// `earshot web --url X`: saving any other setting keeps X (it once re-sent the whole form,
// the empty gateway list included, and audio went to the built-in gateway from then on),
// and Settings and Status say which gateway is in use and why. Real gateway, real
// `earshot web --url`, real Chromium.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAVE_CHROMIUM, SKIP_REASON, type OpenedPage } from './support/browser.js';
import { startE2eStack, type E2eStack } from './support/stack.js';

describe.skipIf(!HAVE_CHROMIUM)(`the --url gateway survives saving settings${SKIP_REASON}`, () => {
  let stack: E2eStack | undefined;
  let app: OpenedPage;

  beforeAll(async () => {
    stack = await startE2eStack({
      name: 'settings-url',
      gatewayArgs: ['--engine', 'synthetic', '--workers', '1'],
      micFiles: ['short-01-rms.wav'],
      pageSuffix: '#settings',
    });
    app = stack.app!;
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('keeps the --url gateway when another field is saved, and says it is in use', async () => {
    const { page } = app;
    const url = stack!.gateway.url;
    const inUse = page.getByTestId('gateway-in-use');
    await expect
      .poll(async () => (await inUse.count()) && inUse.textContent(), { timeout: 15_000 })
      .toBe(`Gateway: ${url} (from --url, for this run only)`);
    await page.getByLabel('User id').fill('sam');
    await page.getByTestId('settings-save').click();
    await page.getByTestId('settings-saved').waitFor();
    // Saving the user id changed nothing about the gateway: still --url, in both views.
    await page.waitForTimeout(1000); // a settings change reconfigures delivery in the background
    expect(await inUse.textContent()).toBe(`Gateway: ${url} (from --url, for this run only)`);
    await page.getByTestId('nav-status').click();
    await expect
      .poll(async () => page.getByTestId('gateway-in-use').getAttribute('data-source'))
      .toBe('url-flag');
    expect(
      await page.getByTestId('endpoint').evaluateAll((els) => els.map((e) => e.getAttribute('data-url'))),
    ).toEqual([url]);
    // And after a reload, too: the saved settings hold no gateway, --url still applies.
    await page.reload();
    await page.getByTestId('nav-status').click();
    await expect
      .poll(
        async () =>
          (await page.getByTestId('gateway-in-use').count()) &&
          page.getByTestId('gateway-in-use').textContent(),
      )
      .toBe(`Gateway: ${url} (from --url, for this run only)`);
    expect(app.problems).toEqual([]);
  }, 120_000);
});
