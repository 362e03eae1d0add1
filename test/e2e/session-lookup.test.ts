// Support looks a session up by id in the Status view: main asks the gateway's session
// lookup API (GET /api/v1/session/:id, docs/interop.md) with the stored token. The
// session is made over the real protocol with real speech, and the view must show what
// the gateway answered; a bad id, a missing token, an unknown session and a gateway that
// is down each get their own clear message.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/build.js';
import type { TestGateway } from '../helpers/gateway.js';
import { TestClient, type Message } from '../src-gateway/support/test-client.js';
import { HAVE_CHROMIUM, SKIP_REASON, type OpenedPage } from './support/browser.js';
import { startE2eStack, type E2eStack } from './support/stack.js';

const TOKEN = 'e2e-session-lookup-token';
const SPEECH = ['short-01-rms.wav', 'short-03-awb.wav'];

async function lookUp(page: Page, sessionId: string): Promise<void> {
  await page.getByLabel('Session id').fill(sessionId);
  await page.getByTestId('session-lookup-submit').click();
}

const failure = (page: Page) => page.getByTestId('session-lookup-error');

describe.skipIf(!HAVE_CHROMIUM)(`session lookup in the Status view${SKIP_REASON}`, () => {
  let stack: E2eStack | undefined;
  let gateway: TestGateway;
  let app: OpenedPage;
  let sessionId: string;
  let final: Message;
  let results: Message[];

  beforeAll(async () => {
    stack = await startE2eStack({
      name: 'session-lookup',
      gatewayArgs: ['--engine', 'pocketsphinx', '--workers', '1', '--token', TOKEN],
      micFiles: ['short-01-rms.wav'],
      pageSuffix: '#status',
    });
    ({ gateway } = stack);
    app = stack.app!;
    // A finished session of real speech, two chunks, made by a protocol client with the token.
    const client = await TestClient.connect(gateway.url, { headers: { authorization: `Bearer ${TOKEN}` } });
    sessionId = `support-${randomUUID()}`;
    client.start(sessionId);
    await client.nextOfType('ack', sessionId);
    SPEECH.forEach((file, index) =>
      client.chunk(sessionId, index, readFileSync(join(REPO_ROOT, 'test', 'fixtures', file))),
    );
    client.finish(sessionId);
    final = await client.nextOfType('final_result', sessionId, 60_000);
    results = client.all((m) => m.type === 'chunk_result');
    expect(results).toHaveLength(SPEECH.length);
    await client.close();
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('checks the id at the field and asks nothing for an invalid one', async () => {
    const { page } = app;
    await page.getByTestId('session-lookup').waitFor();
    const fieldError = page.getByTestId('field-session-id').locator('.field-error');
    await lookUp(page, '   ');
    await expect(fieldError.textContent()).resolves.toMatch(/must not be empty/);
    await lookUp(page, `abc\u202edef`); // a bidi override would show another id than the real one
    await expect(fieldError.textContent()).resolves.toMatch(/printable/);
    await lookUp(page, 'x'.repeat(129));
    await expect(fieldError.textContent()).resolves.toMatch(/longer than 128/);
    expect(await page.getByLabel('Session id').getAttribute('aria-invalid')).toBe('true');
    expect(await failure(page).count()).toBe(0);
    expect(await page.getByTestId('session-found').count()).toBe(0);
  });

  it('says the gateway wants a token while none is stored', async () => {
    const { page } = app;
    await lookUp(page, sessionId);
    await failure(page).waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('field-session-id').locator('.field-error').count()).toBe(0);
    expect(await failure(page).getAttribute('data-failure')).toBe('unauthorized');
    await expect(failure(page).textContent()).resolves.toMatch(
      /wants a token and none is set.*Set the gateway token in Settings/,
    );
    expect(await failure(page).textContent()).not.toContain(TOKEN);
  });

  it('shows the session the gateway holds once the token is stored', async () => {
    const { page } = app;
    await page.getByTestId('nav-settings').click();
    await page.getByLabel('Gateway URLs').fill(gateway.url);
    await page.getByLabel('Token', { exact: true }).fill(TOKEN);
    await page.getByTestId('settings-save').click();
    await page.getByTestId('settings-saved').waitFor({ timeout: 10_000 });
    await page.getByTestId('nav-status').click();

    await lookUp(page, `  ${sessionId} `); // pasted with spaces around it
    const found = page.getByTestId('session-found');
    await found.waitFor({ timeout: 15_000 });
    expect(await failure(page).count()).toBe(0);
    expect(await found.getAttribute('data-session-id')).toBe(sessionId);
    expect(await found.getAttribute('data-status')).toBe('done');
    expect(String(final.text)).toMatch(/\w/); // real speech was recognised
    expect(await page.getByTestId('session-final-text').textContent()).toBe(final.text);
    const rows = page.getByTestId('session-chunk');
    expect(await rows.count()).toBe(SPEECH.length);
    for (const result of results) {
      const row = rows.nth(result.chunk_index as number);
      expect(await row.getAttribute('data-recognised')).toBe('true');
      expect(await row.locator('td').nth(1).textContent()).toBe(String(result.text));
    }
    await expect(found.textContent()).resolves.toContain(`From 127.0.0.1:${gateway.port}`);
    await expect(found.textContent()).resolves.toContain(`${SPEECH.length} of ${SPEECH.length}`);
  });

  it('says so when no configured gateway has the session', async () => {
    const { page } = app;
    const unknown = randomUUID();
    await lookUp(page, unknown);
    await failure(page).waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('session-found').count()).toBe(0);
    expect(await failure(page).getAttribute('data-failure')).toBe('not_found');
    await expect(failure(page).textContent()).resolves.toContain(
      `No such session on 127.0.0.1:${gateway.port}.`,
    );
    await expect(failure(page).textContent()).resolves.toContain(`no session ${unknown} on this gateway`);
  });

  it('says the gateway cannot be reached when it is down', async () => {
    const { page } = app;
    await gateway.stop();
    await lookUp(page, sessionId);
    await failure(page).waitFor({ timeout: 15_000 });
    expect(await failure(page).getAttribute('data-failure')).toBe('unreachable');
    await expect(failure(page).textContent()).resolves.toMatch(
      /cannot reach the gateway \(ECONNREFUSED\).*Is the gateway running/,
    );
    expect(app.problems).toEqual([]);
  });
});
