import { describe, expect, it } from 'vitest';
import {
  createDictationStore,
  splitBatch,
  type CaptureControl,
} from '../../../src-renderer/stores/dictation.js';
import { MAX_BATCH_SAMPLES } from '../../../src-shared/api/dictation.js';
import { FakeMain, deferred } from '../support/fake-api.js';

function capture() {
  const log: string[] = [];
  const control: CaptureControl = {
    start: async () => {
      log.push('start');
    },
    stop: () => log.push('stop'),
  };
  return { log, control };
}

const pcm = (n: number, value = 1) => new Int16Array(n).fill(value);

describe('dictation store', () => {
  it('asks main for nothing when the microphone cannot be opened', async () => {
    const main = new FakeMain().handle('dictation.start', () => ({
      dictationId: 'd1',
      recordingId: 'r1',
      startedAt: 1,
    }));
    const control: CaptureControl = {
      start: () => Promise.reject(new Error('the microphone is not available (see above)')),
      stop: () => undefined,
    };
    const store = createDictationStore(main, control);
    await store.getState().start();
    expect(main.calls).toEqual([]);
    expect(store.getState().phase).toBe('failed');
    expect(store.getState().startedAt).toBeUndefined();
    expect(store.getState().error).toBe('Nothing was recorded: the microphone is not available (see above).');
  });

  it('says nothing was kept when main discarded an empty dictation', async () => {
    const main = new FakeMain()
      .handle('dictation.start', () => ({ dictationId: 'd1', recordingId: 'r1', startedAt: 1 }))
      .handle('dictation.stop', () => ({ dictationId: 'd1', recordingId: 'r1', audioMs: 0, kept: false }));
    const store = createDictationStore(main, capture().control);
    await store.getState().start();
    await store.getState().stop();
    expect(store.getState().phase).toBe('idle');
    expect(store.getState().note).toMatch(/no recording was kept/);
  });

  it("shows another page's recording as elsewhere, not as its own", () => {
    const main = new FakeMain();
    const store = createDictationStore(main, capture().control);
    main.emit('dictation.state', { state: 'recording', dictationId: 'other', recordingId: 'r9', audioMs: 0 });
    expect(store.getState().phase).toBe('idle');
    expect(store.getState().elsewhere?.dictationId).toBe('other');
    main.emit('dictation.state', { state: 'finishing', dictationId: 'other', recordingId: 'r9', audioMs: 0 });
    expect(store.getState().elsewhere).toBeUndefined();
  });

  it('holds the pre-roll and early batches until main names the dictation, then sends them in order', async () => {
    const main = new FakeMain();
    const started = deferred<{ dictationId: string; recordingId: string; startedAt: number }>();
    main.handle('dictation.start', () => started.promise);
    const mic = capture();
    const store = createDictationStore(main, mic.control);

    const starting = store.getState().start();
    expect(store.getState().phase).toBe('starting');
    expect(mic.log).toEqual(['start']);
    store.getState().pushBatch(pcm(8000, 1)); // the pre-roll
    store.getState().pushBatch(pcm(3200, 2));
    expect(main.audio).toHaveLength(0);

    started.resolve({ dictationId: 'd1', recordingId: 'r1', startedAt: 1000 });
    await starting;
    expect(store.getState().phase).toBe('recording');
    store.getState().pushBatch(pcm(3200, 3));
    expect(main.audio.map((b) => [b.dictationId, b.seq, b.pcm.length, b.pcm[0]])).toEqual([
      ['d1', 0, 8000, 1],
      ['d1', 1, 3200, 2],
      ['d1', 2, 3200, 3],
    ]);
    expect(store.getState().samplesSent).toBe(14400);
  });

  it('shows chunk results live, then the final text replaces them and late chunk results are ignored', async () => {
    const main = new FakeMain()
      .handle('dictation.start', () => ({ dictationId: 'd1', recordingId: 'r1', startedAt: 1 }))
      .handle('dictation.stop', () => ({ dictationId: 'd1', recordingId: 'r1', audioMs: 3000 }));
    const mic = capture();
    const store = createDictationStore(main, mic.control);
    await store.getState().start();

    main.emit('dictation.chunk_result', {
      dictationId: 'd1',
      recordingId: 'r1',
      chunkIndex: 0,
      chunkText: 'hello',
      text: 'hello',
    });
    expect(store.getState().liveText).toBe('hello');
    main.emit('dictation.chunk_result', {
      dictationId: 'other',
      recordingId: 'r9',
      chunkIndex: 0,
      chunkText: 'x',
      text: 'x',
    });
    expect(store.getState().liveText).toBe('hello');

    await store.getState().stop();
    expect(mic.log).toEqual(['start', 'stop']);
    expect(store.getState().phase).toBe('finishing');
    expect(main.calls.map((c) => c.channel)).toEqual(['dictation.start', 'dictation.stop']);

    main.emit('dictation.final', {
      dictationId: 'd1',
      recordingId: 'r1',
      text: 'hello world',
      partial: false,
    });
    expect(store.getState()).toMatchObject({
      phase: 'done',
      finalText: 'hello world',
      liveText: 'hello world',
    });
    main.emit('dictation.chunk_result', {
      dictationId: 'd1',
      recordingId: 'r1',
      chunkIndex: 1,
      chunkText: 'late',
      text: 'hello late',
    });
    expect(store.getState().finalText).toBe('hello world');
    expect(store.getState().liveText).toBe('hello world');
  });

  it('shows provisional text of the open chunk after the real texts, until its real result replaces it', async () => {
    const main = new FakeMain()
      .handle('dictation.start', () => ({ dictationId: 'd1', recordingId: 'r1', startedAt: 1 }))
      .handle('dictation.stop', () => ({ dictationId: 'd1', recordingId: 'r1', audioMs: 3000 }));
    const store = createDictationStore(main, capture().control);
    await store.getState().start();
    const provisional = (chunkIndex: number, text: string, dictationId = 'd1') =>
      main.emit('dictation.provisional', { dictationId, recordingId: 'r1', chunkIndex, text });
    const result = (chunkIndex: number, chunkText: string, text: string) =>
      main.emit('dictation.chunk_result', {
        dictationId: 'd1',
        recordingId: 'r1',
        chunkIndex,
        chunkText,
        text,
      });

    provisional(0, 'hel');
    expect(store.getState()).toMatchObject({ liveText: '', provisional: { chunkIndex: 0, text: 'hel' } });
    provisional(0, 'hello wor');
    expect(store.getState().provisional).toEqual({ chunkIndex: 0, text: 'hello wor' });
    provisional(0, 'other dictation', 'd2');
    expect(store.getState().provisional?.text).toBe('hello wor');
    result(0, 'hello world', 'hello world');
    expect(store.getState()).toMatchObject({ liveText: 'hello world', provisional: undefined });
    // A late preview of a chunk whose real text is here is stale.
    provisional(0, 'hello wor');
    expect(store.getState().provisional).toBeUndefined();
    provisional(2, 'and then');
    provisional(1, 'older chunk'); // chunk 2 is already previewed: 1 closed before it
    expect(store.getState().provisional).toEqual({ chunkIndex: 2, text: 'and then' });
    // Chunk 1's result keeps the preview of chunk 2, which is still open.
    result(1, 'again', 'hello world again');
    expect(store.getState().provisional).toEqual({ chunkIndex: 2, text: 'and then' });
    await store.getState().stop();
    main.emit('dictation.final', {
      dictationId: 'd1',
      recordingId: 'r1',
      text: 'hello world again and then',
      partial: false,
    });
    expect(store.getState()).toMatchObject({
      finalText: 'hello world again and then',
      provisional: undefined,
    });
    provisional(3, 'too late');
    expect(store.getState().provisional).toBeUndefined();
  });

  it('stopping before main has answered start still closes the dictation main opens', async () => {
    const main = new FakeMain();
    const started = deferred<{ dictationId: string; recordingId: string; startedAt: number }>();
    main
      .handle('dictation.start', () => started.promise)
      .handle('dictation.stop', () => ({ dictationId: 'd2', recordingId: 'r2', audioMs: 10 }));
    const store = createDictationStore(main, capture().control);
    const starting = store.getState().start();
    store.getState().pushBatch(pcm(160));
    await store.getState().stop();
    expect(store.getState().phase).toBe('finishing');
    started.resolve({ dictationId: 'd2', recordingId: 'r2', startedAt: 5 });
    await starting;
    expect(main.audio.map((b) => b.seq)).toEqual([0]);
    expect(main.calls.map((c) => c.channel)).toEqual(['dictation.start', 'dictation.stop']);
  });

  it('a failed start releases the microphone and says why', async () => {
    const main = new FakeMain().handle('dictation.start', () => {
      throw new Error('gateway unavailable');
    });
    const mic = capture();
    const store = createDictationStore(main, mic.control);
    await store.getState().start();
    expect(store.getState().phase).toBe('failed');
    expect(store.getState().error).toContain('gateway unavailable');
    expect(mic.log).toEqual(['start', 'stop']);
  });

  it('a failure reported by main stops capture', async () => {
    const main = new FakeMain().handle('dictation.start', () => ({
      dictationId: 'd1',
      recordingId: 'r1',
      startedAt: 1,
    }));
    const mic = capture();
    const store = createDictationStore(main, mic.control);
    await store.getState().start();
    main.emit('dictation.state', {
      state: 'failed',
      dictationId: 'd1',
      recordingId: 'r1',
      audioMs: 100,
      reason: 'disk full',
    });
    expect(store.getState()).toMatchObject({ phase: 'failed', error: 'disk full' });
    expect(mic.log).toEqual(['start', 'stop']);
  });

  it('a stop by silence from main stops capture and says why; the next start forgets it', async () => {
    const main = new FakeMain().handle('dictation.start', () => ({
      dictationId: 'd1',
      recordingId: 'r1',
      startedAt: 1,
    }));
    const mic = capture();
    const store = createDictationStore(main, mic.control, () => 5000);
    await store.getState().start();
    main.emit('dictation.state', {
      state: 'finishing',
      dictationId: 'd1',
      recordingId: 'r1',
      audioMs: 6000,
      autoStopped: { silenceSec: 3 },
    });
    expect(store.getState()).toMatchObject({
      phase: 'finishing',
      stopNote: 'Stopped after 3 s of silence.',
      stoppedAt: 5000,
    });
    expect(store.getState().note).toBeUndefined();
    expect(mic.log).toEqual(['start', 'stop']);
    // Nothing said at all: the idle state carries the reason, and nothing was kept.
    main.handle('dictation.start', () => ({ dictationId: 'd2', recordingId: 'r2', startedAt: 2 }));
    await store.getState().start();
    expect(store.getState().stopNote).toBeUndefined();
    main.emit('dictation.state', {
      state: 'idle',
      dictationId: 'd2',
      audioMs: 0,
      autoStopped: { silenceSec: 3 },
    });
    expect(store.getState()).toMatchObject({
      phase: 'idle',
      note: 'Stopped after 3 s of silence: nothing was heard, so no recording was kept.',
    });
    expect(mic.log).toEqual(['start', 'stop', 'start', 'stop']);
  });

  it('passes a per-dictation paste choice to main, and the setting otherwise', async () => {
    const main = new FakeMain()
      .handle('dictation.start', () => ({ dictationId: 'd1', recordingId: 'r1', startedAt: 1 }))
      .handle('dictation.stop', () => ({ dictationId: 'd1', recordingId: 'r1', audioMs: 1 }));
    const store = createDictationStore(main, capture().control);
    await store.getState().start();
    await store.getState().stop();
    store.getState().setPasteOverride(true);
    await store.getState().start();
    expect(main.calls.filter((c) => c.channel === 'dictation.start').map((c) => c.input)).toEqual([
      {},
      { pasteIntoFocusedApp: true },
    ]);
    main.emit('dictation.final', {
      dictationId: 'd1',
      recordingId: 'r1',
      text: 'hi',
      partial: false,
      paste: { pasted: false, reason: 'no display' },
    });
    expect(store.getState().pasteNote).toBe('Not pasted: no display');
  });

  it('splits a batch larger than the API bound', () => {
    const parts = splitBatch(pcm(MAX_BATCH_SAMPLES * 2 + 5));
    expect(parts.map((p) => p.length)).toEqual([MAX_BATCH_SAMPLES, MAX_BATCH_SAMPLES, 5]);
  });

  it('dispose unsubscribes from every event', () => {
    const main = new FakeMain();
    const store = createDictationStore(main, capture().control);
    expect(main.listenerCount('dictation.final')).toBe(1);
    store.getState().dispose();
    expect(main.listenerCount('dictation.final')).toBe(0);
    expect(main.listenerCount('dictation.chunk_result')).toBe(0);
    expect(main.listenerCount('dictation.provisional')).toBe(0);
  });
});
