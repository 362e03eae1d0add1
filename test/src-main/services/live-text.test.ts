// Live text while speaking, main side, through the real path: DictationService (real
// chunker with Silero) -> SQLite outbox -> Uploader -> protocol client -> the real gateway
// process on loopback; previews of the open chunk go over the uploader's live session
// (LivePreviews), never through the outbox. Speech is pushed in 200 ms batches at the pace
// a microphone delivers it. A gateway that did not announce provisional requests is never
// sent one: its own metrics count every frame it could not read.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EventName, EventPayload } from '../../../src-shared/api/contract.js';
import { decodeProtocolWav } from '../../../src-shared/audio/wav.js';
import { loadSpeechDetectors } from '../../../src-main/audio/speech-detector.js';
import { DictationService, type DictationSettings } from '../../../src-main/services/dictation-service.js';
import { LivePreviews, Uploader } from '../../../src-main/upload/index.js';
import { ensureBuilt } from '../../helpers/build.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { concatPcm, fliteFixtures } from '../../helpers/speech-fixtures.js';
import { corpusWer, normalizeWords } from '../../helpers/wer.js';
import { tempStore } from '../upload/helpers.js';

const RATE = 16_000;
const SPEECH = ['short-02-kal16.wav', 'short-04-rms.wav'];
const fixture = (file: string) =>
  decodeProtocolWav(new Uint8Array(readFileSync(join(import.meta.dirname, '../../fixtures', file))));
const silence = (seconds: number) => new Int16Array(Math.round(seconds * RATE));

type Emitted = { [K in EventName]: { name: K; payload: EventPayload<K> } }[EventName];

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
beforeAll(() => ensureBuilt(), 300_000);

async function gatewayWith(args: string[]): Promise<TestGateway> {
  const gateway = await startGateway(args, { skipBuild: true, timeoutMs: 120_000 });
  cleanups.push(() => gateway.stop());
  return gateway;
}

/** Dictates `files` (with pauses) at real-time pace into a gateway; every event the service emitted. */
async function dictate(gateway: TestGateway, files: string[], liveText = true) {
  const { store, cleanup } = tempStore();
  cleanups.push(cleanup);
  const previews = new LivePreviews();
  const uploader = new Uploader({ store, urls: [gateway.url], previews, pollIntervalMs: 200 });
  cleanups.push(() => uploader.stop());
  uploader.start();
  const events: Emitted[] = [];
  const errors: string[] = [];
  const settings: DictationSettings = {
    chunkMinSec: 1,
    chunkMaxSec: 15,
    userId: '',
    pasteIntoFocusedApp: false,
    liveText,
  };
  const dictation = new DictationService(
    store,
    () => settings,
    (name, payload) => events.push({ name, payload } as Emitted),
    (_source, message) => errors.push(message),
    await loadSpeechDetectors(),
    undefined,
    { previews },
  );
  cleanups.push(() => dictation.close());
  const mic = concatPcm([silence(1), ...files.flatMap((file) => [fixture(file), silence(1.5)])]);
  const { dictationId, recordingId } = dictation.start({});
  const batch = RATE / 5; // 200 ms, like the renderer's batcher
  for (let seq = 0, at = 0; at < mic.length; seq++, at += batch) {
    dictation.pushAudio({ dictationId, seq, pcm: mic.slice(at, at + batch) });
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await dictation.stop(dictationId);
  const [recording] = await uploader.waitFor([Number(recordingId)], 60_000);
  expect(errors).toEqual([]);
  return { events, recording, previews };
}

async function unreadableFrames(gateway: TestGateway): Promise<number> {
  const metrics = await (await fetch(`${gateway.httpUrl}/metrics`)).text();
  const line = metrics
    .split('\n')
    .find((l) => l.startsWith('earshot_protocol_errors_total{code="unknown_action"}'));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('live text while dictating', () => {
  it('shows provisional text of each open chunk from moonshine, replaced by its real result', async () => {
    const gateway = await gatewayWith(['--engine', 'moonshine', '--workers', '1']);
    const { events, recording, previews } = await dictate(gateway, SPEECH);
    const references = fliteFixtures().filter((f) => SPEECH.includes(f.file));
    const reference = SPEECH.map((file) => references.find((f) => f.file === file)!.text).join(' ');

    const provisional = events.filter((e) => e.name === 'dictation.provisional').map((e) => e.payload);
    console.log(`provisional texts: ${JSON.stringify(provisional.map((p) => [p.chunkIndex, p.text]))}`);
    expect(previews.counts.sent).toBeGreaterThan(0);
    expect(provisional.length).toBeGreaterThan(0);
    // Real recognition of what was being said: its words are the sentences' words.
    const vocabulary = new Set(normalizeWords(reference));
    const words = provisional.flatMap(({ text }) => normalizeWords(text));
    expect(words.filter((w) => vocabulary.has(w)).length).toBeGreaterThanOrEqual(words.length * 0.7);

    // Each provisional text comes before its chunk's real result, never after it.
    for (const [at, event] of events.entries()) {
      if (event.name !== 'dictation.provisional') continue;
      const real = events.findIndex(
        (e) => e.name === 'dictation.chunk_result' && e.payload.chunkIndex === event.payload.chunkIndex,
      );
      expect(real === -1 || real > at).toBe(true);
    }
    // The previews are not part of the recording: two chunks, the final text of the speech.
    expect(recording.state).toBe('done');
    expect(recording.chunkCount).toBe(SPEECH.length);
    expect(corpusWer([{ reference, hypothesis: recording.finalText ?? '' }])).toBeLessThanOrEqual(0.15);
  }, 120_000);

  it('opens the live session at the first speech, before the first chunk exists', async () => {
    const gateway = await gatewayWith(['--synthetic-phrase', 'open words', '--workers', '1']);
    const { store, cleanup } = tempStore();
    cleanups.push(cleanup);
    const previews = new LivePreviews();
    const uploader = new Uploader({ store, urls: [gateway.url], previews, pollIntervalMs: 200 });
    cleanups.push(() => uploader.stop());
    uploader.start();
    const dictation = new DictationService(
      store,
      () => ({ chunkMinSec: 1, chunkMaxSec: 15, userId: '', pasteIntoFocusedApp: false, liveText: true }),
      () => {},
      () => {},
      await loadSpeechDetectors(),
      undefined,
      { previews },
    );
    cleanups.push(() => dictation.close());
    const { dictationId, recordingId } = dictation.start({});
    // Half a second of silence, then the first sentence without its end: one chunk open, none stored.
    const speech = fixture(SPEECH[0]);
    const mic = concatPcm([silence(0.5), speech.subarray(0, Math.round(speech.length * 0.6))]);
    for (let seq = 0, at = 0; at < mic.length; seq++, at += RATE / 5)
      dictation.pushAudio({ dictationId, seq, pcm: mic.slice(at, at + RATE / 5) });
    const deadline = Date.now() + 30_000;
    while (!previews.ready(Number(recordingId)) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(previews.ready(Number(recordingId))).toBe(true);
    expect(store.getRecording(Number(recordingId))!.chunkCount).toBe(0);
  }, 60_000);

  it('sends previews only while the setting is on', async () => {
    const gateway = await gatewayWith(['--synthetic-phrase', 'open words', '--workers', '1']);
    const on = await dictate(gateway, SPEECH.slice(0, 1));
    expect(on.previews.counts.sent).toBeGreaterThan(0);
    expect(on.events.some((e) => e.name === 'dictation.provisional' && e.payload.text === 'open words')).toBe(
      true,
    );
    const off = await dictate(gateway, SPEECH.slice(0, 1), false);
    expect(off.previews.counts.sent).toBe(0);
    expect(off.events.filter((e) => e.name === 'dictation.provisional')).toEqual([]);
    expect(off.recording.state).toBe('done');
  }, 60_000);

  it.each([['--base-protocol'], ['--no-provisional']])(
    'never sends one to a gateway that did not announce it (%s)',
    async (flag) => {
      const gateway = await gatewayWith(['--synthetic-phrase', 'open words', '--workers', '1', flag]);
      const { events, recording, previews } = await dictate(gateway, SPEECH.slice(0, 1));
      expect(previews.counts.sent).toBe(0);
      expect(events.filter((e) => e.name === 'dictation.provisional')).toEqual([]);
      expect(await unreadableFrames(gateway)).toBe(0);
      expect(recording.state).toBe('done');
      expect(recording.finalText).toMatch(/open\s?words/);
    },
    60_000,
  );
});
