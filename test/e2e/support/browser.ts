// Debian's Chromium through playwright-core (never a downloaded browser), with a fake
// microphone that plays a WAV file in a loop. Each e2e file skips only when
// /usr/bin/chromium is absent; scripts/setup.sh installs it, so CI runs them.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { decodeProtocolWav, encodeWav } from '../../../src-shared/audio/wav.js';
import { REPO_ROOT } from '../../helpers/build.js';

export const CHROMIUM = '/usr/bin/chromium';
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
export const SKIP_REASON = HAVE_CHROMIUM
  ? ''
  : ` (skipped: ${CHROMIUM} is absent; scripts/setup.sh installs it)`;

export interface FixtureEntry {
  file: string;
  text: string;
  voice: string;
  seconds: number;
}

export function fixtures(): FixtureEntry[] {
  return JSON.parse(
    readFileSync(join(REPO_ROOT, 'test', 'fixtures', 'manifest.json'), 'utf8'),
  ) as FixtureEntry[];
}

/**
 * Writes a fake-microphone file: `leadSec` of silence, the fixtures with `gapSec` pauses
 * between them, then `tailSec` of silence. The device loops the file, so the tail and
 * the lead together make one long pause that a test can wait for before pressing record.
 */
export function makeMicFile(
  dir: string,
  files: string[],
  { leadSec = 1, gapSec = 1.2, tailSec = 3 } = {},
): string {
  mkdirSync(dir, { recursive: true });
  const rate = 16_000;
  const parts: Int16Array[] = [new Int16Array(Math.round(leadSec * rate))];
  files.forEach((file, i) => {
    parts.push(decodeProtocolWav(readFileSync(join(REPO_ROOT, 'test', 'fixtures', file))));
    parts.push(new Int16Array(Math.round((i === files.length - 1 ? tailSec : gapSec) * rate)));
  });
  const total = parts.reduce((n, p) => n + p.length, 0);
  const all = new Int16Array(total);
  let offset = 0;
  for (const part of parts) {
    all.set(part, offset);
    offset += part.length;
  }
  const path = join(dir, 'fake-mic.wav');
  writeFileSync(path, encodeWav(all, rate));
  return path;
}

/**
 * `askForMicrophone`: leave out the flag that accepts every microphone prompt, so a page
 * without the permission is refused as a user who clicked "Block" is (headless Chromium
 * answers the prompt with a denial).
 */
export async function launchChromium(micFile: string, { askForMicrophone = false } = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      ...(askForMicrophone ? [] : ['--use-fake-ui-for-media-stream']),
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-audio-capture=${micFile}`,
    ],
  });
}

export interface OpenedPage {
  context: BrowserContext;
  page: Page;
  /** CSP violations and page errors seen so far: a clean run has none. */
  problems: string[];
}

export async function openApp(
  browser: Browser,
  url: string,
  options: {
    colorScheme?: 'light' | 'dark';
    acceptDownloads?: boolean;
    localStorage?: Record<string, string>;
  } = {},
): Promise<OpenedPage> {
  const context = await browser.newContext({
    colorScheme: options.colorScheme ?? 'light',
    viewport: { width: 1280, height: 820 },
    acceptDownloads: options.acceptDownloads ?? true,
    permissions: ['microphone', 'clipboard-read', 'clipboard-write'],
  });
  if (options.localStorage) {
    await context.addInitScript((entries: Record<string, string>) => {
      for (const [key, value] of Object.entries(entries)) window.localStorage.setItem(key, value);
    }, options.localStorage);
  }
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy|Refused to/.test(message.text()))
      problems.push(`csp: ${message.text()}`);
  });
  await page.goto(url);
  return { context, page, problems };
}

/** The level the page's meter shows, 0..100. */
export async function meterLevel(page: Page): Promise<number> {
  return Number(await page.getByRole('meter', { name: 'Microphone level' }).getAttribute('aria-valuenow'));
}

/**
 * Waits until the fake microphone has been quiet for `quietMs` after having been loud:
 * the loop is then inside its long pause, and the next utterance will be whole.
 */
export async function waitForLongPause(page: Page, quietMs: number, timeoutMs = 30_000): Promise<void> {
  await page.waitForFunction(
    ({ quietMs }) => {
      const meter = document.querySelector('[role="meter"]');
      const level = Number(meter?.getAttribute('aria-valuenow') ?? 0);
      const w = window as unknown as { __earshotQuiet?: { loud: boolean; since: number } };
      const now = performance.now();
      w.__earshotQuiet ??= { loud: false, since: now };
      const state = w.__earshotQuiet;
      if (level > 15) {
        state.loud = true;
        state.since = now;
        return false;
      }
      if (!state.loud) return false;
      if (now - state.since >= quietMs) {
        delete w.__earshotQuiet;
        return true;
      }
      return false;
    },
    { quietMs },
    { timeout: timeoutMs, polling: 50 },
  );
}
