// Settings validation through the real host: invalid values are rejected with a message
// at their field and nothing is saved; valid values are saved and survive a reload.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { TestGateway } from '../helpers/gateway.js';
import { HAVE_CHROMIUM, SKIP_REASON, type OpenedPage } from './support/browser.js';
import { startE2eStack, type E2eStack } from './support/stack.js';

const fieldError = (page: Page, field: string) => page.getByTestId(`field-${field}`).locator('.field-error');

describe.skipIf(!HAVE_CHROMIUM)(`settings validation${SKIP_REASON}`, () => {
  let stack: E2eStack | undefined;
  let gateway: TestGateway;
  let app: OpenedPage;

  beforeAll(async () => {
    stack = await startE2eStack({
      name: 'settings',
      gatewayArgs: ['--engine', 'synthetic'],
      micFiles: ['short-01-rms.wav'],
      pageSuffix: '#settings',
    });
    ({ gateway } = stack);
    app = stack.app!;
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('rejects invalid values at their fields and saves nothing', async () => {
    const { page } = app;
    await page.getByLabel('Gateway URLs').waitFor();
    const urlsBefore = await page.getByLabel('Gateway URLs').inputValue();
    await page.getByLabel('Gateway URLs').fill(`${gateway.url}\nhttp://not-a-websocket`);
    await page.getByLabel('Shortest chunk (s)').fill('abc');
    await page.getByLabel('Shortcut', { exact: true }).fill('Ctrl+');
    await page.getByTestId('settings-save').click();
    // A number field holding text is caught in the page, before main is asked, and the
    // other invalid fields get their messages at the same time.
    await page.getByTestId('field-chunkMinSec').locator('.field-error').waitFor({ timeout: 10_000 });
    expect(await fieldError(page, 'chunkMinSec').textContent()).toMatch(/number/);
    expect(await fieldError(page, 'gatewayUrls').textContent()).toMatch(/ws:\/\//);
    expect(await fieldError(page, 'shortcut').textContent()).toMatch(/modifiers/);
    await page.getByLabel('Shortest chunk (s)').fill('9');
    await page.getByLabel('Longest chunk (s)').fill('4');
    await page.getByTestId('settings-save').click();
    // Main checks every field and the rule across fields in one pass: all messages at once.
    await page.getByTestId('field-chunkMinSec').locator('.field-error').waitFor({ timeout: 10_000 });
    expect(await fieldError(page, 'chunkMinSec').textContent()).toMatch(/maximum/);
    expect(await fieldError(page, 'gatewayUrls').textContent()).toMatch(/ws:\/\//);
    expect(await fieldError(page, 'shortcut').textContent()).toMatch(/modifiers/);
    expect(await page.locator('.field-error').count()).toBe(3);
    expect(await page.getByLabel('Gateway URLs').getAttribute('aria-invalid')).toBe('true');
    // The message is tied to its input for assistive technology.
    const describedBy = (await page.getByLabel('Gateway URLs').getAttribute('aria-describedby')) ?? '';
    expect(await page.locator(`[id="${describedBy.split(' ')[0]}"]`).textContent()).toMatch(/ws:\/\//);
    await expect(page.getByTestId('settings-invalid').textContent()).resolves.toMatch(/nothing was saved/);
    // With those fixed, the rule across fields: the shortest chunk may not exceed the longest.
    await page.getByLabel('Gateway URLs').fill(gateway.url);
    await page.getByLabel('Shortcut', { exact: true }).fill('CommandOrControl+Shift+Space');
    await page.getByTestId('settings-save').click();
    await page.getByTestId('field-chunkMinSec').locator('.field-error').waitFor({ timeout: 10_000 });
    expect(await fieldError(page, 'chunkMinSec').textContent()).toMatch(/maximum/);
    expect(await page.locator('.field-error').count()).toBe(1);

    await page.reload();
    await page.getByLabel('Gateway URLs').waitFor();
    expect(await page.getByLabel('Gateway URLs').inputValue()).toBe(urlsBefore);
  });

  it('saves valid values, which survive a reload', async () => {
    const { page } = app;
    await page.getByLabel('User id').fill('e2e-user');
    await page.getByLabel('Shortest chunk (s)').fill('2');
    await page.getByLabel('Longest chunk (s)').fill('12');
    await page.getByLabel('Shortcut', { exact: true }).fill('CommandOrControl+Shift+D');
    await page.getByTestId('settings-save').click();
    await page.getByTestId('settings-saved').waitFor();
    expect(await page.locator('.field-error').count()).toBe(0);
    await page.reload();
    await page.getByLabel('User id').waitFor();
    expect(await page.getByLabel('User id').inputValue()).toBe('e2e-user');
    expect(await page.getByLabel('Shortest chunk (s)').inputValue()).toBe('2');
    expect(await page.getByLabel('Longest chunk (s)').inputValue()).toBe('12');
    expect(await page.getByLabel('Shortcut', { exact: true }).inputValue()).toBe('CommandOrControl+Shift+D');
    expect(app.problems).toEqual([]);
  });
});
