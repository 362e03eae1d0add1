// History in the browser: editing a transcript (kept beside the recognised text, shown as
// edited, found by search, used by exports, reverted), one recording exported as WebVTT
// (parsed by Chromium's own WebVTT parser through a <track>) and Markdown, and a ticked
// selection as one combined file. The recordings are put in a real SQLite outbox through the store before
// `earshot web` starts (fixture speech as the audio, the fixtures' texts as the results),
// so the test is about History, not about recognition; dictation into History is
// covered by dictate.test.ts.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { OutboxStore } from '../../src-main/outbox/store.js';
import { decodeProtocolWav } from '../../src-shared/audio/wav.js';
import { REPO_ROOT } from '../helpers/build.js';
import {
  HAVE_CHROMIUM,
  SKIP_REASON,
  fixtures,
  launchChromium,
  makeMicFile,
  openApp,
  type OpenedPage,
} from './support/browser.js';
import { startWebHost, type WebHostProcess } from './support/web.js';

const SPEECH = [['short-01-rms.wav', 'short-04-rms.wav'], ['short-06-rms.wav'], ['short-02-kal16.wav']];

/** A done recording made of the fixtures as chunks, each with its text as the result. */
function putRecording(store: OutboxStore, files: string[]): { id: number; text: string } {
  const texts = fixtures();
  const r = store.createRecording({ source: `microphone: ${files.join(' + ')}` });
  let start = 0;
  files.forEach((file, index) => {
    const pcm = decodeProtocolWav(readFileSync(join(REPO_ROOT, 'test', 'fixtures', file)));
    store.appendChunk(r.id, { index, startSample: start, pcm });
    start += pcm.length + 8000; // half a second of dropped silence between the chunks
  });
  store.sealRecording(r.id);
  files.forEach((file, index) =>
    store.saveChunkResult(r.id, index, texts.find((f) => f.file === file)!.text),
  );
  const text = files.map((file) => texts.find((f) => f.file === file)!.text).join(' ');
  store.saveFinal(r.id, { text });
  return { id: r.id, text };
}

async function download(page: Page, button: Locator, dir: string): Promise<{ name: string; text: string }> {
  const waiting = page.waitForEvent('download');
  await button.click();
  const file = await waiting;
  const path = join(dir, `got-${file.suggestedFilename()}`);
  await file.saveAs(path);
  return { name: file.suggestedFilename(), text: readFileSync(path, 'utf8') };
}

/** The cues Chromium reads from a WebVTT file (start, end, text); rejects if it is not WebVTT. */
async function chromiumCues(browser: Browser, vtt: string): Promise<[number, number, string][]> {
  // A blank page of its own: the app's CSP rightly allows no media from blob: URLs.
  const page = await browser.newPage();
  try {
    return await page.evaluate(async (content) => {
      const video = document.createElement('video');
      const track = document.createElement('track');
      track.kind = 'subtitles';
      track.default = true;
      track.src = URL.createObjectURL(new Blob([content], { type: 'text/vtt' }));
      video.append(track);
      document.body.append(video);
      track.track.mode = 'hidden';
      await new Promise((resolve, reject) => {
        track.addEventListener('load', resolve);
        track.addEventListener('error', () => reject(new Error('Chromium refused the WebVTT file')));
      });
      return [...(track.track.cues ?? [])].map((cue) => [
        cue.startTime,
        cue.endTime,
        (cue as VTTCue).text,
      ]) as [number, number, string][];
    }, vtt);
  } finally {
    await page.close();
  }
}

describe.skipIf(!HAVE_CHROMIUM)(`History edits and exports${SKIP_REASON}`, () => {
  let dir: string;
  let web: WebHostProcess | undefined;
  let browser: Browser | undefined;
  let app: OpenedPage;
  const recordings: { id: number; text: string }[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'earshot-e2e-history-export-'));
    const store = OutboxStore.open(join(dir, 'data'));
    for (const files of SPEECH) recordings.push(putRecording(store, files));
    store.close();
    web = await startWebHost({ dataDir: join(dir, 'data') });
    browser = await launchChromium(makeMicFile(dir, ['short-01-rms.wav']));
    app = await openApp(browser, `${web.url}#history`);
    await app.page.getByTestId('nav-history').click();
    await app.page.getByTestId('history-item').first().waitFor();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await web?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const card = (id: number) => app.page.locator(`[data-testid="history-item"][data-recording-id="${id}"]`);

  it('edits a transcript beside the recognised text: shown as edited, searched, exported, reverted', async () => {
    const { page } = app;
    const target = recordings[1];
    const item = card(target.id);
    const text = item.getByTestId('history-text');
    expect(await text.textContent()).toBe(target.text);
    expect(await item.getByTestId('edited-note').count()).toBe(0);

    await item.getByTestId('edit').click();
    const box = item.getByTestId('edit-text');
    expect(await box.inputValue()).toBe(target.text);
    // An empty text is refused with the reason, nothing saved.
    await box.fill('   ');
    await item.getByRole('button', { name: 'Save text' }).click();
    expect(await item.getByTestId('edit-error').textContent()).toMatch(/must not be empty/);
    const edited = 'Corrected by hand: the quokka minutes.';
    await box.fill(edited);
    await item.getByRole('button', { name: 'Save text' }).click();
    await item.getByTestId('edited-note').waitFor();
    expect(await text.textContent()).toBe(edited);
    expect(await text.getAttribute('data-edited')).toBe('true');
    expect(await item.getByTestId('edited-note').textContent()).toMatch(/^Edited .+ · exports use this text/);

    // What was recognised is kept and shown on request.
    await item.getByRole('button', { name: 'Show the recognised text' }).click();
    expect(await item.getByTestId('recognised-text').textContent()).toBe(target.text);

    // Search finds the edit; the edit survives a reload (it is in the outbox, not the page).
    await page.getByLabel('Search transcripts').fill('quokka');
    await expect
      .poll(
        () =>
          page
            .getByTestId('history-item')
            .evaluateAll((els) => els.map((e) => e.getAttribute('data-recording-id'))),
        { timeout: 10_000 },
      )
      .toEqual([String(target.id)]);
    await page.reload();
    await page.getByTestId('nav-history').click();
    await card(target.id).getByTestId('edited-note').waitFor();
    expect(await card(target.id).getByTestId('history-text').textContent()).toBe(edited);

    // Exports use the edited text.
    const txt = await download(page, card(target.id).getByRole('button', { name: 'Export as TXT' }), dir);
    expect(txt.text).toBe(`${edited}\n`);
    const vtt = await download(page, card(target.id).getByRole('button', { name: 'Export as VTT' }), dir);
    expect((await chromiumCues(browser!, vtt.text)).map((c) => c[2]).join(' ')).toBe(edited);

    // Revert: the recognised text is back, no longer found by the edit's words.
    await card(target.id).getByTestId('revert-edit').click();
    await expect.poll(() => card(target.id).getByTestId('edited-note').count(), { timeout: 10_000 }).toBe(0);
    expect(await card(target.id).getByTestId('history-text').textContent()).toBe(target.text);
    await page.getByLabel('Search transcripts').fill('quokka');
    await expect.poll(() => page.getByTestId('history-item').count(), { timeout: 10_000 }).toBe(0);
    await page.getByLabel('Search transcripts').fill('');
    await expect
      .poll(() => page.getByTestId('history-item').count(), { timeout: 10_000 })
      .toBe(recordings.length);
    expect(app.problems).toEqual([]);
  }, 90_000);

  it('exports one recording as WebVTT that Chromium reads, timed by the chunks, and as Markdown', async () => {
    const { page } = app;
    const first = recordings[0];
    const vtt = await download(page, card(first.id).getByRole('button', { name: 'Export as VTT' }), dir);
    expect(vtt.name).toMatch(new RegExp(`^earshot-\\S+-${first.id}\\.vtt$`));
    const cues = await chromiumCues(browser!, vtt.text);
    const texts = fixtures();
    const one = decodeProtocolWav(readFileSync(join(REPO_ROOT, 'test', 'fixtures', SPEECH[0][0]))).length;
    const two = decodeProtocolWav(readFileSync(join(REPO_ROOT, 'test', 'fixtures', SPEECH[0][1]))).length;
    // Chunk 0 from 0 to its length; chunk 1 half a second later (the dropped pause).
    const expected: [number, number, string][] = [
      [0, one / 16_000, texts.find((f) => f.file === SPEECH[0][0])!.text],
      [(one + 8000) / 16_000, (one + 8000 + two) / 16_000, texts.find((f) => f.file === SPEECH[0][1])!.text],
    ];
    expect(cues.map((c) => c[2])).toEqual(expected.map((c) => c[2]));
    cues.forEach((cue, i) => {
      // WebVTT times are whole milliseconds.
      expect(Math.abs(cue[0] - expected[i][0])).toBeLessThanOrEqual(0.0005);
      expect(Math.abs(cue[1] - expected[i][1])).toBeLessThanOrEqual(0.0005);
    });

    const md = await download(page, card(first.id).getByRole('button', { name: 'Export as Markdown' }), dir);
    expect(md.name).toMatch(/\.md$/);
    expect(md.text).toMatch(/^# \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\n\n- Recorded: /);
    expect(md.text).toContain(`\n\n${first.text}\n`);
    expect(app.problems).toEqual([]);
  }, 60_000);

  it('exports a ticked selection as one Markdown and one JSON file, oldest first', async () => {
    const { page } = app;
    const bar = page.getByTestId('selection-bar');
    expect(await bar.getByTestId('selected-count').textContent()).toBe('0 selected');
    // No export offered before anything is ticked.
    expect(await bar.getByRole('button', { name: /Export the selection/ }).count()).toBe(0);
    const [older, , newest] = recordings;
    await card(newest.id).getByTestId('select-recording').check();
    await card(older.id).getByTestId('select-recording').check();
    expect(await bar.getByTestId('selected-count').textContent()).toBe('2 selected');
    // Subtitles are timed to one recording: the selection offers text formats only.
    expect(await bar.getByRole('button', { name: /as (SRT|VTT)/ }).count()).toBe(0);

    const md = await download(
      page,
      bar.getByRole('button', { name: 'Export the selection as Markdown' }),
      dir,
    );
    expect(md.name).toMatch(/^earshot-2-recordings-\S+\.md$/);
    expect(md.text).toMatch(/^# Earshot transcripts\n\n2 recordings, exported /);
    expect(md.text.match(/^## /gm)).toHaveLength(2);
    expect(md.text.indexOf(older.text)).toBeGreaterThan(0);
    expect(md.text.indexOf(older.text)).toBeLessThan(md.text.indexOf(newest.text));
    expect(md.text).not.toContain(recordings[1].text);

    const json = await download(page, bar.getByRole('button', { name: 'Export the selection as JSON' }), dir);
    const parsed = JSON.parse(json.text) as { recordings: { recordingId: string; text: string }[] };
    expect(parsed.recordings.map((r) => [r.recordingId, r.text])).toEqual([
      [String(older.id), older.text],
      [String(newest.id), newest.text],
    ]);

    // "Select all shown" ticks every listed recording; Clear unticks them.
    await bar.getByTestId('select-all').check();
    expect(await bar.getByTestId('selected-count').textContent()).toBe('3 selected');
    await bar.getByRole('button', { name: 'Clear' }).click();
    expect(await bar.getByTestId('selected-count').textContent()).toBe('0 selected');
    expect(
      await page
        .getByTestId('select-recording')
        .evaluateAll((boxes) => boxes.some((b) => (b as HTMLInputElement).checked)),
    ).toBe(false);
    expect(app.problems).toEqual([]);
  }, 60_000);
});
