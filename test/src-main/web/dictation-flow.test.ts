// A dictation through the web API end to end: fixture speech pushed as binary PCM16
// batches -> chunker -> SQLite outbox -> uploader -> a real pocketsphinx gateway -> live
// chunk results and the final transcript as events; then History (list, search, detail,
// WAV, export), re-transcribe, delete, and the Status view, all on the real SQLite file.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventPayload } from '../../../src-shared/api/contract.js';
import { decodeProtocolWav } from '../../../src-shared/audio/wav.js';
import { REPO_ROOT, ensureBuilt } from '../../helpers/build.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { wordErrorRate } from '../../helpers/wer.js';
import { nextEvent, startWebFixture, type WebFixture } from './web-fixture.js';

const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'test', 'fixtures', 'manifest.json'), 'utf8')) as {
  file: string;
  text: string;
}[];
const fixture = manifest.find((f) => f.file.startsWith('short-02')) ?? manifest[0];
const pcm = decodeProtocolWav(readFileSync(join(REPO_ROOT, 'test', 'fixtures', fixture.file)));
/** The foundation issue's bound for flite voices through pocketsphinx. */
const MAX_WER = 0.35;

let gateway: TestGateway;
let fx: WebFixture;

beforeAll(async () => {
  await ensureBuilt();
  gateway = await startGateway(['--engine', 'pocketsphinx', '--workers', '1']);
  fx = await startWebFixture({ gatewayUrl: gateway.url });
});

afterAll(async () => {
  await fx?.close();
  await gateway?.stop();
});

describe('dictation through the web API', () => {
  let recordingId = '';
  let finalText = '';

  it('streams batches in, shows live chunk results, and ends with the final transcript', async () => {
    const states: string[] = [];
    const chunkResults: EventPayload<'dictation.chunk_result'>[] = [];
    const offState = fx.api.on('dictation.state', (s) => states.push(s.state));
    const offChunk = fx.api.on('dictation.chunk_result', (c) => chunkResults.push(c));

    const started = await fx.api.call('dictation.start', { deviceLabel: 'fixture' });
    recordingId = started.recordingId;
    const final = nextEvent<EventPayload<'dictation.final'>>(
      (l) => fx.api.on('dictation.final', l),
      (f) => f.recordingId === recordingId,
      90_000,
    );
    // 100 ms batches, as the AudioWorklet sends them; a second of silence lets the chunker cut.
    const audio = new Int16Array(pcm.length + 16_000);
    audio.set(pcm);
    let seq = 0;
    for (let offset = 0; offset < audio.length; offset += 1600)
      fx.api.sendAudio({
        dictationId: started.dictationId,
        seq: seq++,
        pcm: audio.subarray(offset, offset + 1600),
      });
    const status = await fx.api.call('dictation.status', {});
    expect(status.state).toBe('recording');
    const stopped = await fx.api.call('dictation.stop', { dictationId: started.dictationId });
    expect(stopped.recordingId).toBe(recordingId);
    expect(stopped.audioMs).toBe(Math.round((audio.length / 16_000) * 1000));

    const result = await final;
    finalText = result.text;
    expect(result.partial).toBe(false);
    expect(wordErrorRate(fixture.text, result.text)).toBeLessThanOrEqual(MAX_WER);
    await expect.poll(() => states.at(-1), { timeout: 10_000 }).toBe('done');
    expect(states).toContain('recording');
    expect(chunkResults.length).toBeGreaterThan(0);
    expect(
      chunkResults.every((c) => c.recordingId === recordingId && c.dictationId === started.dictationId),
    ).toBe(true);
    offState();
    offChunk();
  });

  it('refuses a second dictation while one runs, and audio for an unknown dictation', async () => {
    const first = await fx.api.call('dictation.start', {});
    await expect(fx.api.call('dictation.start', {})).rejects.toMatchObject({ code: 'conflict' });
    expect(await fx.api.call('dictation.cancel', { dictationId: first.dictationId })).toEqual({
      cancelled: true,
    });
    await expect(fx.api.call('history.get', { recordingId: first.recordingId })).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(fx.api.call('dictation.stop', { dictationId: first.dictationId })).rejects.toMatchObject({
      code: 'not_found',
    });
  });

  it('lists the recording newest first with its text, and finds it by search', async () => {
    const { items } = await fx.api.call('history.list', {});
    expect(items[0]).toMatchObject({ recordingId, state: 'done', text: finalText });
    expect(items[0].durationMs).toBeGreaterThan(1000);
    const word = finalText.split(' ').find((w) => w.length > 3) ?? finalText.split(' ')[0];
    expect((await fx.api.call('history.list', { search: word })).items.map((i) => i.recordingId)).toContain(
      recordingId,
    );
    expect((await fx.api.call('history.list', { search: 'zzqx-nothing' })).items).toEqual([]);
  });

  it('gives the chunks as waveform regions and the audio as a WAV', async () => {
    const detail = await fx.api.call('history.get', { recordingId });
    expect(detail.chunks.length).toBeGreaterThan(0);
    for (const chunk of detail.chunks) {
      expect(chunk.endMs).toBeGreaterThan(chunk.startMs);
      expect(chunk.state).toBe('done');
    }
    const { wav } = await fx.api.call('history.audio', { recordingId });
    const samples = decodeProtocolWav(wav);
    const lastChunk = detail.chunks.at(-1)!;
    // The WAV is the recording's timeline from sample 0: regions are positions in it.
    expect(samples.length).toBe(Math.round((lastChunk.endMs / 1000) * 16_000));
    expect(detail.durationMs).toBe(Math.round((samples.length / 16_000) * 1000));
  });

  it('exports txt, srt and json', async () => {
    const txt = await fx.api.call('history.export', { recordingId, format: 'txt' });
    expect(txt.content.trim()).toBe(finalText);
    expect(txt.filename).toMatch(/\.txt$/);
    const srt = await fx.api.call('history.export', { recordingId, format: 'srt' });
    expect(srt.content).toMatch(/^1\n\d\d:\d\d:\d\d,\d{3} --> \d\d:\d\d:\d\d,\d{3}\n\S/);
    const json = JSON.parse((await fx.api.call('history.export', { recordingId, format: 'json' })).content);
    expect(json).toMatchObject({ recordingId, text: finalText });
    expect(json.chunks.length).toBeGreaterThan(0);
    // WebVTT: one timed cue per chunk with text, at the chunk's place in the audio.
    const vtt = await fx.api.call('history.export', { recordingId, format: 'vtt' });
    expect(vtt).toMatchObject({ mimeType: 'text/vtt', filename: expect.stringMatching(/\.vtt$/) });
    const timings = [
      ...vtt.content.matchAll(/^(\d\d):(\d\d):(\d\d)\.(\d{3}) --> (\d\d):(\d\d):(\d\d)\.(\d{3})$/gm),
    ];
    const withText = json.chunks.filter((c: { text: string | null }) => c.text?.trim());
    expect(vtt.content.startsWith('WEBVTT\n\n')).toBe(true);
    expect(timings.length).toBe(withText.length);
    const ms = (m: RegExpMatchArray, at: number) =>
      ((Number(m[at]) * 60 + Number(m[at + 1])) * 60 + Number(m[at + 2])) * 1000 + Number(m[at + 3]);
    timings.forEach((m, i) => {
      expect(ms(m, 1)).toBe(Math.round(withText[i].startMs));
      expect(ms(m, 5)).toBe(Math.round(withText[i].endMs));
    });
    const md = await fx.api.call('history.export', { recordingId, format: 'md' });
    expect(md.content).toMatch(/^# \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\n/);
    expect(md.content).toContain(`\n\n${finalText}\n`);
  });

  it('exports a selection as one file, and says what it cannot do', async () => {
    const combined = await fx.api.call('history.exportSelection', {
      recordingIds: [recordingId],
      format: 'md',
    });
    expect(combined.content).toMatch(/^# Earshot transcripts\n\n1 recording, exported /);
    expect(combined.content).toContain(finalText);
    await expect(
      fx.api.call('history.exportSelection', { recordingIds: [recordingId], format: 'vtt' as 'md' }),
    ).rejects.toMatchObject({
      code: 'bad_input',
      message: expect.stringMatching(/subtitles \(srt, vtt\) one recording at a time/),
    });
    await expect(
      fx.api.call('history.exportSelection', { recordingIds: [recordingId, recordingId], format: 'txt' }),
    ).rejects.toMatchObject({ code: 'bad_input', message: expect.stringMatching(/selected twice/) });
    await expect(
      fx.api.call('history.exportSelection', { recordingIds: [recordingId, '99999'], format: 'txt' }),
    ).rejects.toMatchObject({ code: 'not_found', message: 'no recording 99999' });
  });

  it('keeps an edit beside the recognised text: listed, searched, exported, reverted', async () => {
    const changed = nextEvent<EventPayload<'history.changed'>>(
      (l) => fx.api.on('history.changed', l),
      (c) => c.recordingId === recordingId && c.item?.recognisedText !== undefined,
      10_000,
    );
    const edit = `${finalText} (checked by hand, zebra)`;
    const item = await fx.api.call('history.edit', { recordingId, text: edit });
    expect(item).toMatchObject({ recordingId, text: edit, recognisedText: finalText });
    expect(item.editedAt).toBeGreaterThan(0);
    expect((await changed).item).toMatchObject({ text: edit, recognisedText: finalText });
    expect((await fx.api.call('history.list', { search: 'zebra' })).items.map((i) => i.recordingId)).toEqual([
      recordingId,
    ]);
    expect((await fx.api.call('history.export', { recordingId, format: 'txt' })).content).toBe(`${edit}\n`);
    const json = JSON.parse((await fx.api.call('history.export', { recordingId, format: 'json' })).content);
    expect(json).toMatchObject({ text: edit, recognisedText: finalText });
    // The chunk texts stay what was recognised.
    const detail = await fx.api.call('history.get', { recordingId });
    expect(detail.chunks.map((c) => c.text).join(' ')).not.toContain('zebra');

    await expect(fx.api.call('history.edit', { recordingId, text: '   ' })).rejects.toMatchObject({
      code: 'bad_input',
      message: expect.stringMatching(/must not be empty/),
    });
    await expect(
      fx.api.call('history.edit', { recordingId, text: 'x'.repeat(200_001) }),
    ).rejects.toMatchObject({ code: 'bad_input', message: expect.stringMatching(/longer than 200000/) });
    await expect(fx.api.call('history.edit', { recordingId: '99999', text: 'x' })).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(
      fx.api.call('history.edit', { recordingId, text: 'x', finalText: 'y' } as never),
    ).rejects.toMatchObject({ code: 'bad_input' });

    const back = await fx.api.call('history.edit', { recordingId, text: null });
    expect(back.text).toBe(finalText);
    expect(back.recognisedText).toBeUndefined();
    expect((await fx.api.call('history.list', { search: 'zebra' })).items).toEqual([]);
  });

  it('shows the gateway in the status view with its health and the state timeline', async () => {
    await expect
      .poll(async () => (await fx.api.call('status.get', {})).endpoints[0]?.health?.ok, {
        timeout: 30_000,
        interval: 500,
      })
      .toBe(true);
    const status = await fx.api.call('status.get', {});
    expect(status.endpoints[0].url).toBe(gateway.url);
    expect(status.endpoints[0].health?.engine).toBe('pocketsphinx');
    expect(status.endpoints[0].timeline.map((t) => t.state)).toContain('connected');
    expect(status.queue.items.find((i) => i.recordingId === recordingId)).toBeUndefined();
  });

  it('re-transcribes the stored audio as a new recording', async () => {
    const { recordingId: copyId } = await fx.api.call('history.retranscribe', { recordingId });
    expect(copyId).not.toBe(recordingId);
    await expect
      .poll(async () => (await fx.api.call('history.get', { recordingId: copyId })).state, {
        timeout: 90_000,
        interval: 500,
      })
      .toBe('done');
    const done = await fx.api.call('history.get', { recordingId: copyId });
    expect(wordErrorRate(fixture.text, done.text)).toBeLessThanOrEqual(MAX_WER);
  });

  it('deletes audio and text', async () => {
    const gone = nextEvent<EventPayload<'history.changed'>>(
      (l) => fx.api.on('history.changed', l),
      (c) => c.recordingId === recordingId && c.item === null,
    );
    expect(await fx.api.call('history.delete', { recordingId })).toEqual({ deleted: true });
    await gone;
    await expect(fx.api.call('history.get', { recordingId })).rejects.toMatchObject({ code: 'not_found' });
    await expect(fx.api.call('history.audio', { recordingId })).rejects.toMatchObject({ code: 'not_found' });
    expect((await fx.api.call('history.list', {})).items.map((i) => i.recordingId)).not.toContain(
      recordingId,
    );
    expect(await fx.api.call('history.delete', { recordingId })).toEqual({ deleted: false });
  });

  it('stops by itself after the Settings silence, keeps the speech, says why, and drops the late audio quietly', async () => {
    // Main checks the value whatever the page did.
    expect(await fx.api.call('settings.set', { autoStopSilenceSec: 1 })).toEqual({
      ok: false,
      errors: { autoStopSilenceSec: 'must be 0 (off) or from 2 to 300 s' },
    });
    expect(await fx.api.call('settings.set', { autoStopSilenceSec: 2 })).toMatchObject({ ok: true });
    const states: EventPayload<'dictation.state'>[] = [];
    const offState = fx.api.on('dictation.state', (s) => states.push(s));
    const errorsBefore = (await fx.api.call('status.errors', {})).errors.length;
    try {
      const started = await fx.api.call('dictation.start', {});
      const final = nextEvent<EventPayload<'dictation.final'>>(
        (l) => fx.api.on('dictation.final', l),
        (f) => f.recordingId === started.recordingId,
        90_000,
      );
      // Speech, then 5 s of silence sent as a page keeps sending it (no stop is ever called).
      const audio = new Int16Array(pcm.length + 5 * 16_000);
      audio.set(pcm);
      let seq = 0;
      for (let offset = 0; offset < audio.length; offset += 1600)
        fx.api.sendAudio({
          dictationId: started.dictationId,
          seq: seq++,
          pcm: audio.subarray(offset, offset + 1600),
        });
      const result = await final;
      expect(wordErrorRate(fixture.text, result.text)).toBeLessThanOrEqual(MAX_WER);
      const stoppedBy = states.find((s) => s.autoStopped);
      expect(stoppedBy).toMatchObject({
        state: 'finishing',
        dictationId: started.dictationId,
        autoStopped: { silenceSec: 2 },
      });
      // Stopped inside the silence: the stored audio is the speech and at most the 2 s after it.
      const detail = await fx.api.call('history.get', { recordingId: started.recordingId });
      expect(detail.durationMs).toBeLessThan((pcm.length / 16_000) * 1000 + 2000);
      expect((await fx.api.call('dictation.status', {})).state).toBe('done');
      expect((await fx.api.call('status.errors', {})).errors.length).toBe(errorsBefore);

      // Nothing said at all: stopped after the silence, nothing kept, and the idle state says why.
      states.length = 0;
      const quiet = await fx.api.call('dictation.start', {});
      const silence = new Int16Array(3 * 16_000);
      for (let offset = 0, s = 0; offset < silence.length; offset += 1600)
        fx.api.sendAudio({
          dictationId: quiet.dictationId,
          seq: s++,
          pcm: silence.subarray(offset, offset + 1600),
        });
      await expect
        .poll(() => states.at(-1), { timeout: 15_000 })
        .toMatchObject({
          state: 'idle',
          dictationId: quiet.dictationId,
          autoStopped: { silenceSec: 2 },
        });
      await expect(fx.api.call('history.get', { recordingId: quiet.recordingId })).rejects.toMatchObject({
        code: 'not_found',
      });
    } finally {
      offState();
      await fx.api.call('settings.set', { autoStopSilenceSec: 0 });
    }
  });
});
