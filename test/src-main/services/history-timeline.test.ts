// History plays one WAV per recording and draws the recording's chunks as regions on it.
// A known recording (silence, three fixture sentences with pauses between them, silence)
// goes through the real DictationService (real chunker, real SQLite outbox); every chunk
// region the History API reports must cover exactly that chunk's stored audio in the WAV
// it serves, everything outside the chunks must be the silence the chunker dropped, and the
// duration listed must be the WAV's own length.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeProtocolWav } from '../../../src-shared/audio/wav.js';
import { OutboxStore } from '../../../src-main/outbox/store.js';
import { loadSpeechDetectors } from '../../../src-main/audio/speech-detector.js';
import { DictationService } from '../../../src-main/services/dictation-service.js';
import { HistoryService } from '../../../src-main/services/history-service.js';

const RATE = 16_000;
const fixture = (file: string) =>
  decodeProtocolWav(new Uint8Array(readFileSync(join(import.meta.dirname, '../../fixtures', file))));
const silence = (seconds: number) => new Int16Array(Math.round(seconds * RATE));

function concat(parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('History audio and chunk regions', () => {
  it('places every chunk region exactly on its audio in the served WAV, with one duration', async () => {
    dir = mkdtempSync(join(tmpdir(), 'earshot-history-timeline-'));
    const store = OutboxStore.open(dir);
    try {
      const errors: string[] = [];
      const dictation = new DictationService(
        store,
        () => ({ chunkMinSec: 1, chunkMaxSec: 8, userId: '', pasteIntoFocusedApp: false, liveText: false }),
        () => {},
        (_s, m) => errors.push(m),
        await loadSpeechDetectors(),
      );
      const leadSec = 2.3;
      const mic = concat([
        silence(leadSec),
        fixture('short-01-rms.wav'),
        silence(1.5),
        fixture('short-04-rms.wav'),
        silence(1.5),
        fixture('short-06-rms.wav'),
        silence(1),
      ]);
      const { dictationId, recordingId } = dictation.start({});
      const batch = RATE / 5; // 200 ms, like the renderer's batcher
      for (let seq = 0, at = 0; at < mic.length; seq++, at += batch)
        dictation.pushAudio({ dictationId, seq, pcm: mic.slice(at, at + batch) });
      await dictation.stop(dictationId);
      expect(errors).toEqual([]);

      const history = new HistoryService(store, () => {});
      const detail = history.get(recordingId);
      const stored = store.listChunks(Number(recordingId));
      expect(detail.chunks.length).toBe(3); // cut at the two pauses
      const wav = decodeProtocolWav(history.audio(recordingId));

      // One duration: the list, the WAV and the last region's end agree.
      expect(detail.durationMs).toBe(Math.round((wav.length / RATE) * 1000));
      expect(detail.chunks.at(-1)!.endMs).toBe((wav.length / RATE) * 1000);

      // The first speech is inside the first region (only the chunker's pre-roll before it).
      expect(detail.chunks[0].startMs).toBeGreaterThan(leadSec * 1000 - 1000);
      expect(detail.chunks[0].startMs).toBeLessThan(leadSec * 1000);

      const covered = new Uint8Array(wav.length);
      detail.chunks.forEach((region, i) => {
        const start = Math.round((region.startMs / 1000) * RATE);
        const end = Math.round((region.endMs / 1000) * RATE);
        expect([start, end - start]).toEqual([stored[i].startSample, stored[i].sampleCount]);
        const pcm = store.chunkPcm(Number(recordingId), region.index);
        expect(wav.subarray(start, end)).toEqual(pcm);
        // ...and the region is where that audio was in what the microphone heard.
        expect(mic.subarray(start, end)).toEqual(pcm);
        covered.fill(1, start, end);
      });
      // Outside the regions there is only dropped silence, never speech.
      for (let i = 0; i < wav.length; i++)
        if (!covered[i] && wav[i] !== 0)
          throw new Error(`sample ${i} outside every chunk is ${wav[i]}, not silence`);
      // Every sentence's speech lies inside some region.
      const speechAt = [leadSec, leadSec + 2.83 + 1.5].map((s) => Math.round(s * RATE) + RATE / 2);
      for (const at of speechAt) expect(covered[at]).toBe(1);
    } finally {
      store.close();
    }
  });
});
