// The setup most e2e files share: a temp folder, the real gateway, `earshot web` pointed
// at it, Chromium with a fake microphone, and (unless the test opens it itself) the page.
// stop() undoes whatever was started, also when startup failed half-way.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { launchChromium, makeMicFile, openApp, type OpenedPage } from './browser.js';
import { startWebHost, type WebHostProcess } from './web.js';

export interface E2eStackOptions {
  /** Temp folder prefix: earshot-e2e-<name>-. */
  name: string;
  gatewayArgs: string[];
  /** Fixture files the fake microphone plays, with its pauses (see makeMicFile). */
  micFiles: string[];
  micPauses?: { leadSec?: number; gapSec?: number; tailSec?: number };
  /** Appended to the web host's URL when opening the page, e.g. '#settings'. */
  pageSuffix?: string;
  /** false: the test opens the page itself (e.g. with localStorage set first). */
  openPage?: boolean;
}

export interface E2eStack {
  dir: string;
  gateway: TestGateway;
  web: WebHostProcess;
  browser: Browser;
  /** The fake microphone's WAV (for another browser a test launches). */
  micFile: string;
  /** Undefined when openPage was false. */
  app: OpenedPage | undefined;
  stop(): Promise<void>;
}

export async function startE2eStack(options: E2eStackOptions): Promise<E2eStack> {
  const dir = mkdtempSync(join(tmpdir(), `earshot-e2e-${options.name}-`));
  let gateway: TestGateway | undefined;
  let web: WebHostProcess | undefined;
  let browser: Browser | undefined;
  const stop = async () => {
    await browser?.close();
    await web?.stop();
    await gateway?.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const mic = makeMicFile(dir, options.micFiles, options.micPauses);
    gateway = await startGateway(options.gatewayArgs);
    web = await startWebHost({ dataDir: join(dir, 'data'), gatewayUrl: gateway.url });
    browser = await launchChromium(mic);
    const app =
      options.openPage === false
        ? undefined
        : await openApp(browser, `${web.url}${options.pageSuffix ?? ''}`);
    return { dir, gateway, web, browser, micFile: mic, app, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
