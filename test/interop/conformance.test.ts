// Conformance: the same scenarios, frame by frame, against three gateways: ours in its
// default mode (the Earshot dialect), ours with --base-protocol, and the test double of the
// kikipounamu handler (kikipounamu-double.ts). The last two must be indistinguishable to a
// client: one expectation per dialect, not per target. docs/protocol.md has the table.
// The oversized take (a whole 180 s recording in one frame) runs against the same three
// targets in oversized-take.test.ts, which needs cheaper recognition than these scenarios.
//
// All three run the same stand-in recognition cost (0.5 s per second of audio, one worker),
// the same backlog bound (4 s: an idle queue takes any chunk, a busy one refuses) and the
// same 3 s merge wait, so every scenario triggers the same behaviour on each.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POISON_MARKER } from '../../src-gateway/engines/poison-test-hook.js';
import { encodeWav } from '../../src-shared/audio/wav.js';
import { encodeBinaryFrame } from '../../src-shared/protocol/binary-frame.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { TestClient, customWav, type Message } from '../src-gateway/support/test-client.js';
import { KikipounamuDouble } from './kikipounamu-double.js';

type Dialect = 'earshot' | 'base';
interface Target {
  name: string;
  dialect: Dialect;
  url: string;
}

const PHRASE = 'alpha';
const RTF = 0.5;
const MAX_BACKLOG_SECONDS = 4;
const MERGE_MS = 3000;

const gatewayArgs = [
  '--synthetic-phrase',
  PHRASE,
  '--synthetic-rtf',
  String(RTF),
  '--workers',
  '1',
  '--max-backlog-seconds',
  String(MAX_BACKLOG_SECONDS),
  // Frames are the subject here, and the busy scenario meets the queue bound above; the
  // door of admission by expected wait (never in the base protocol) has its own tests in
  // test/src-gateway/admission-by-wait.test.ts.
  '--max-queue-wait-ms',
  '0',
  '--merge-timeout-ms',
  String(MERGE_MS),
  '--test-poison-mode',
  'throw',
];

function tonePcm(seconds: number): Int16Array {
  const pcm = new Int16Array(Math.round(seconds * 16_000));
  for (let i = 0; i < pcm.length; i++) pcm[i] = Math.round(5000 * Math.sin(i / 9));
  return pcm;
}
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const wav = (seconds: number) => b64(encodeWav(tonePcm(seconds)));
const rawPcm = (seconds: number) => {
  const pcm = tonePcm(seconds);
  return b64(new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength));
};
/** Raw PCM whose first bytes are the poison marker: recognition of it fails on every target. */
const poison = () => {
  const bytes = new Uint8Array(3200);
  bytes.set(Buffer.from(POISON_MARKER, 'latin1'));
  return b64(bytes);
};

const gateways: TestGateway[] = [];
let double: KikipounamuDouble;
const targets: Target[] = [
  { name: 'Earshot gateway, default mode', dialect: 'earshot', url: '' },
  { name: 'Earshot gateway, --base-protocol', dialect: 'base', url: '' },
  { name: 'kikipounamu handler (test double)', dialect: 'base', url: '' },
];

beforeAll(async () => {
  const [earshot, base] = await Promise.all([
    startGateway(gatewayArgs),
    startGateway([...gatewayArgs, '--base-protocol']),
  ]);
  gateways.push(earshot, base);
  double = await KikipounamuDouble.start({
    phrase: PHRASE,
    realTimeFactor: RTF,
    workers: 1,
    maxBacklogSeconds: MAX_BACKLOG_SECONDS,
    mergeWaitMs: MERGE_MS,
  });
  targets[0].url = earshot.url;
  targets[1].url = base.url;
  targets[2].url = double.url;
});

afterAll(async () => {
  await Promise.all([...gateways.map((g) => g.stop()), double?.close()]);
});

/** The expectation of the target's dialect. */
const by = <T, U>(dialect: Dialect, frames: { earshot: T; base: U }): T | U => frames[dialect];

const started = (dialect: Dialect, id: unknown) =>
  by(dialect, {
    // The Earshot gateway announces its extensions on the start ack; the base dialect none.
    earshot: {
      type: 'ack',
      status: 'session_started',
      session_id: id,
      features: ['provisional', 'binary_audio'],
    },
    base: { type: 'ack', session_id: id, chunk_index: 0, status: 'session_started' },
  });
const received = (dialect: Dialect, id: string, index: number) =>
  by(dialect, {
    earshot: { type: 'ack', status: 'received', session_id: id, chunk_index: index },
    base: { type: 'ack', chunk_index: index, status: 'received' },
  });
const result = (id: string, index: number, text = PHRASE) => ({
  type: 'chunk_result',
  session_id: id,
  chunk_index: index,
  text,
});
const final = (dialect: Dialect, id: string, texts: string[], chunks: { earshot: number; base: number }) =>
  by(dialect, {
    earshot: {
      type: 'final_result',
      session_id: id,
      text: texts.join(' '),
      duration: expect.any(Number),
      chunk_count: chunks.earshot,
      audio_seconds: expect.any(Number),
    },
    base: {
      type: 'final_result',
      session_id: id,
      chunk_index: 0,
      ...(texts.length ? { text: texts.join('') } : {}),
      duration: expect.any(Number),
      ...(chunks.base ? { chunk_count: chunks.base } : {}),
    },
  });

const isResult = (index: number) => (m: Message) => m.type === 'chunk_result' && m.chunk_index === index;
const isAck = (m: Message) => m.type === 'ack';

async function open(target: Target): Promise<{ client: TestClient; id: string }> {
  const client = await TestClient.connect(target.url);
  const id = randomUUID();
  client.start(id);
  expect(await client.next()).toEqual(started(target.dialect, id));
  return { client, id };
}

describe.each(targets)('$name', (target) => {
  const d = () => target.dialect;

  it('start: acknowledges the session', async () => {
    const { client } = await open(target);
    await client.close();
  });

  it('chunk: ack, then the chunk result', async () => {
    const { client, id } = await open(target);
    client.chunk(id, 0, wav(0.3));
    expect(await client.next()).toEqual(received(d(), id, 0));
    expect(await client.next()).toEqual(result(id, 0));
    await client.close();
  });

  it('start with binary_audio: Earshot hands out a stream handle; the base protocol ignores the field', async () => {
    const client = await TestClient.connect(target.url);
    const id = randomUUID();
    client.send({ action: 'start', session_id: id, binary_audio: true });
    expect(await client.next()).toEqual(
      by(d(), {
        earshot: { ...started('earshot', id), stream: 1 },
        base: started('base', id),
      }),
    );
    // Its JSON chunks are as any other session's.
    client.chunk(id, 0, wav(0.3));
    expect(await client.next()).toEqual(received(d(), id, 0));
    expect(await client.next()).toEqual(result(id, 0));
    await client.close();
  });

  it('binary frame: Earshot takes it on a negotiated stream, the base protocol cannot read it', async () => {
    const client = await TestClient.connect(target.url);
    const id = randomUUID();
    client.send({ action: 'start', session_id: id, binary_audio: true });
    const ack = await client.next();
    const pcm = tonePcm(0.3);
    client.socket.send(
      encodeBinaryFrame(
        { stream: typeof ack.stream === 'number' ? ack.stream : 1, chunkIndex: 0, provisional: false },
        new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength),
      ),
      { binary: true },
    );
    if (d() === 'earshot') {
      expect(await client.next()).toEqual(received(d(), id, 0));
      expect(await client.next()).toEqual(result(id, 0));
    } else {
      expect(await client.next()).toEqual({
        type: 'error',
        chunk_index: 0,
        message: 'Invalid message format',
      });
    }
    await client.close();
  });

  it('finish: one final with the texts joined in chunk order', async () => {
    const { client, id } = await open(target);
    client.chunk(id, 0, wav(0.3));
    client.chunk(id, 1, wav(0.3));
    expect(await client.next(isAck)).toEqual(received(d(), id, 0));
    expect(await client.next(isAck)).toEqual(received(d(), id, 1));
    client.finish(id);
    expect(await client.nextOfType('final_result')).toEqual(
      final(d(), id, [PHRASE, PHRASE], { earshot: 2, base: 2 }),
    );
    await client.close();
  });

  it('finish without chunks: an empty final (base: no text, no chunk_count)', async () => {
    const { client, id } = await open(target);
    client.finish(id);
    const expected = by(d(), {
      earshot: { ...final('earshot', id, [], { earshot: 0, base: 0 }), text: '' },
      base: final('base', id, [], { earshot: 0, base: 0 }),
    });
    expect(await client.next()).toEqual(expected);
    await client.close();
  });

  it('second finish: the final again', async () => {
    const { client, id } = await open(target);
    client.chunk(id, 0, wav(0.3));
    await client.next(isResult(0));
    client.finish(id);
    const first = await client.nextOfType('final_result');
    client.finish(id);
    const second = await client.nextOfType('final_result');
    expect(first).toEqual(final(d(), id, [PHRASE], { earshot: 1, base: 1 }));
    expect(second).toEqual(
      first.duration === second.duration ? first : { ...first, duration: expect.any(Number) },
    );
    await client.close();
  });

  it('duplicate chunk: acked again, its result again, recognised once in the final', async () => {
    const { client, id } = await open(target);
    client.chunk(id, 0, wav(0.3));
    await client.next(isResult(0));
    client.chunk(id, 0, wav(0.3));
    expect(await client.next()).toEqual(
      by(d(), {
        earshot: { type: 'ack', status: 'duplicate', session_id: id, chunk_index: 0 },
        base: received('base', id, 0),
      }),
    );
    expect(await client.next()).toEqual(result(id, 0));
    client.finish(id);
    // The base gateway counts chunk frames: the repeat counts, its text does not.
    expect(await client.nextOfType('final_result')).toEqual(
      final(d(), id, [PHRASE], { earshot: 1, base: 2 }),
    );
    await client.close();
  });

  it('failed chunk: Earshot sends a result with a code, the base protocol sends nothing', async () => {
    const { client, id } = await open(target);
    client.chunk(id, 0, poison());
    client.chunk(id, 1, wav(0.3));
    expect(await client.next(isAck)).toEqual(received(d(), id, 0));
    expect(await client.next(isAck)).toEqual(received(d(), id, 1));
    client.finish(id);
    expect(await client.nextOfType('final_result')).toEqual(
      final(d(), id, [PHRASE], { earshot: 2, base: 2 }),
    );
    // Every result comes before the final (the final waits for them): all are in by now.
    expect(client.all(isResult(0))).toEqual(
      by(d(), {
        earshot: [
          {
            type: 'chunk_result',
            session_id: id,
            chunk_index: 0,
            text: '',
            code: 'internal',
            message: expect.stringContaining('recognizer failed'),
          },
        ],
        base: [],
      }),
    );
    await client.close();
  });

  it('busy: refused while the queue is full, taken when resent; the base gateway counts the refusal', async () => {
    const { client, id } = await open(target);
    // 8 s of audio keeps the one worker busy for 4 s: the next chunk does not fit the 4 s bound.
    client.chunk(id, 0, wav(8));
    expect(await client.next()).toEqual(received(d(), id, 0));
    client.chunk(id, 1, wav(0.3));
    expect(await client.next()).toEqual(
      by(d(), {
        earshot: {
          type: 'error',
          code: 'busy',
          message: expect.stringMatching(/^System busy/),
          session_id: id,
          chunk_index: 1,
          retry_after_ms: expect.any(Number),
        },
        // chunk_index 0 whatever chunk was refused.
        base: { type: 'error', chunk_index: 0, message: 'System busy' },
      }),
    );
    expect(await client.next(isResult(0), 20_000)).toEqual(result(id, 0));
    client.chunk(id, 1, wav(0.3));
    expect(await client.next(isAck)).toEqual(received(d(), id, 1));
    await client.next(isResult(1));
    client.finish(id);
    expect(await client.nextOfType('final_result')).toEqual(
      final(d(), id, [PHRASE, PHRASE], { earshot: 2, base: 3 }),
    );
    await client.close();
  });

  it('resume: Earshot resumes with what it holds, the base protocol starts the session over', async () => {
    const first = await open(target);
    first.client.chunk(first.id, 0, wav(0.3));
    await first.client.next(isResult(0));
    await first.client.close();

    const client = await TestClient.connect(target.url);
    const id = first.id;
    client.start(id);
    if (d() === 'earshot') {
      expect(await client.next()).toEqual({
        type: 'ack',
        status: 'session_resumed',
        session_id: id,
        received: [0],
        features: ['provisional', 'binary_audio'],
      });
      expect(await client.next()).toEqual(result(id, 0));
    } else {
      expect(await client.next()).toEqual(started('base', id));
      client.chunk(id, 0, wav(0.3)); // a base client resends everything
      expect(await client.next(isAck)).toEqual(received('base', id, 0));
    }
    client.chunk(id, 1, wav(0.3));
    expect(await client.next(isAck)).toEqual(received(d(), id, 1));
    client.finish(id);
    expect(await client.nextOfType('final_result')).toEqual(
      final(d(), id, [PHRASE, PHRASE], { earshot: 2, base: 2 }),
    );
    await client.close();
  });

  it('missing session id: start makes one up and echoes it; a chunk without one is refused', async () => {
    const client = await TestClient.connect(target.url);
    client.send({ action: 'start' });
    const ack = await client.next();
    expect(ack).toEqual(started(d(), expect.stringMatching(/^[0-9a-f-]{36}$/)));
    const id = ack.session_id as string;
    client.send({ action: 'start', session_id: '' });
    const other = await client.next();
    expect(other).toEqual(started(d(), expect.stringMatching(/^[0-9a-f-]{36}$/)));
    expect(other.session_id).not.toBe(id);
    client.chunk(other.session_id as string, 0, wav(0.3));
    expect(await client.next(isAck)).toEqual(received(d(), other.session_id as string, 0));
    client.send({ action: 'chunk', chunk_index: 1, audio_data: wav(0.3) });
    expect(await client.next((m) => m.type === 'error')).toEqual(
      by(d(), {
        earshot: {
          type: 'error',
          code: 'bad_json',
          message: expect.stringMatching(/^Invalid message format: session_id/),
          chunk_index: 1,
        },
        base: { type: 'error', chunk_index: 0, message: 'Session not found: ' },
      }),
    );
    await client.close();
  });

  it('raw PCM: headerless 16 kHz mono s16 is audio; an odd byte count is not', async () => {
    const { client, id } = await open(target);
    client.chunk(id, 0, rawPcm(0.3));
    expect(await client.next()).toEqual(received(d(), id, 0));
    expect(await client.next()).toEqual(result(id, 0));
    client.chunk(id, 1, b64(new Uint8Array(3201).fill(7)));
    expect(await client.next()).toEqual(
      by(d(), {
        earshot: {
          type: 'error',
          code: 'bad_audio',
          message: expect.stringContaining('not a whole number of 16-bit samples'),
          session_id: id,
          chunk_index: 1,
        },
        base: received('base', id, 1), // acked, then its recognition fails
      }),
    );
    client.finish(id);
    expect(await client.nextOfType('final_result')).toEqual(
      final(d(), id, [PHRASE], { earshot: 1, base: 2 }),
    );
    expect(client.all(isResult(1))).toEqual([]);
    await client.close();
  });

  it('a WAV in another format: Earshot says why; the base protocol acks and fails it', async () => {
    const { client, id } = await open(target);
    client.chunk(id, 0, b64(customWav({ sampleRate: 44_100, channels: 2, bitsPerSample: 16 })));
    expect(await client.next()).toEqual(
      by(d(), {
        earshot: {
          type: 'error',
          code: 'bad_audio',
          message: expect.stringContaining('got 16-bit PCM, 2 channel(s), 44100 Hz'),
          session_id: id,
          chunk_index: 0,
        },
        base: received('base', id, 0),
      }),
    );
    client.finish(id);
    const expected = by(d(), {
      earshot: { ...final('earshot', id, [], { earshot: 0, base: 0 }), text: '' },
      base: final('base', id, [], { earshot: 0, base: 1 }),
    });
    expect(await client.nextOfType('final_result')).toEqual(expected);
    await client.close();
  });

  it('invalid base64: Earshot says why; the base protocol drops it without a word', async () => {
    const { client, id } = await open(target);
    client.chunk(id, 0, 'not base64 at all!');
    client.chunk(id, 1, wav(0.3));
    const expected = by(d(), {
      earshot: [
        {
          type: 'error',
          code: 'bad_audio',
          message: 'audio_data is not valid standard base64',
          session_id: id,
          chunk_index: 0,
        },
        received('earshot', id, 1),
      ],
      base: [received('base', id, 1)],
    });
    for (const frame of expected) expect(await client.next((m) => m.type !== 'chunk_result')).toEqual(frame);
    await client.close();
  });

  it('session lookup API: the session, its history record, stats, delete, then 404, in the shapes of each dialect', async () => {
    const { client, id } = await open(target);
    client.chunk(id, 0, wav(0.3));
    client.chunk(id, 1, poison());
    await client.next(isResult(0));
    client.finish(id);
    await client.nextOfType('final_result');
    await client.close();
    const http = `http://${new URL(target.url).host}`;
    const call = async (path: string, method = 'GET') => {
      const response = await fetch(`${http}${path}`, { method });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const iso = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
    const base = {
      id,
      user_id: 'anonymous',
      status: 'done',
      chunk_count: 2,
      // The failed chunk is done with no text, in every dialect (Earshot counts its 0.1 s of audio).
      results: { 0: PHRASE, 1: '' },
      completed: { 0: true, 1: true },
      final_text: PHRASE,
      duration: expect.any(Number),
      created_at: iso,
      completed_at: iso,
    };
    expect(await call(`/api/v1/session/${id}`)).toEqual({
      status: 200,
      body: by(d(), { earshot: { ...base, audio_seconds: 0.4, partial: false }, base }),
    });
    const history = await call('/api/v1/history');
    const records = history.body.records as Record<string, unknown>[];
    expect(history.body.total).toBe(records.length);
    expect(records[0]).toEqual(
      by(d(), {
        earshot: {
          session_id: id,
          text: PHRASE,
          duration: expect.any(Number),
          chunk_count: 2,
          created_at: iso,
          completed_at: iso,
          audio_seconds: 0.4,
          partial: false,
        },
        base: { session_id: id, text: PHRASE, duration: expect.any(Number), chunk_count: 2, created_at: iso },
      }),
    );
    const stats = {
      total_tasks: expect.any(Number),
      total_duration: expect.any(Number),
      avg_rtf: expect.any(Number),
      storage_used: expect.stringMatching(/^\d+\.\d\d MB$/),
    };
    expect(await call('/api/v1/stats')).toEqual({
      status: 200,
      body: by(d(), { earshot: { ...stats, sessions_in_history: expect.any(Number) }, base: stats }),
    });
    expect(await call(`/api/v1/session/${id}`, 'DELETE')).toEqual({
      status: 200,
      body: { message: 'Session deleted' },
    });
    expect(await call(`/api/v1/session/${id}`)).toEqual({
      status: 404,
      body: by(d(), {
        earshot: { error: 'Session not found', code: 'session_not_found' },
        base: { error: 'Session not found' },
      }),
    });
    expect(
      ((await call('/api/v1/history')).body.records as { session_id: string }[]).map((r) => r.session_id),
    ).not.toContain(id);
  });

  it('errors: invalid JSON, unknown action, unknown session, with the base strings verbatim', async () => {
    const client = await TestClient.connect(target.url);
    const ghost = randomUUID();
    client.send('{ not json');
    client.send({ action: 'dance', session_id: ghost });
    client.send({ action: 'chunk', session_id: ghost, chunk_index: 3, audio_data: wav(0.1) });
    client.send({ action: 'finish', session_id: ghost });
    const frames = [await client.next(), await client.next(), await client.next(), await client.next()];
    expect(frames).toEqual(
      by(d(), {
        earshot: [
          { type: 'error', code: 'bad_json', message: 'Invalid message format: not valid JSON' },
          { type: 'error', code: 'unknown_action', message: 'Unknown action: dance', session_id: ghost },
          {
            type: 'error',
            code: 'session_not_found',
            message: `Session not found: ${ghost}`,
            session_id: ghost,
            chunk_index: 3,
          },
          {
            type: 'error',
            code: 'session_not_found',
            message: `Session not found: ${ghost}`,
            session_id: ghost,
          },
        ],
        base: [
          { type: 'error', chunk_index: 0, message: 'Invalid message format' },
          { type: 'error', chunk_index: 0, message: 'Unknown action: dance' },
          { type: 'error', chunk_index: 0, message: `Session not found: ${ghost}` },
          { type: 'error', chunk_index: 0, message: `Session not found: ${ghost}` },
        ],
      }),
    );
    await client.close();
  });
});

afterAll(() => {
  // No scenario may make the double panic (two live subscriptions on a finishing session).
  expect(double?.crashed).toBeUndefined();
});
