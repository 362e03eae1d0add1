// Issue 10: fuzz the live gateway (`earshot gateway`, synthetic engine, --token) over
// loopback with random and mutated HTTP requests and WebSocket traffic, while a healthy
// dictation session streams fixture speech on its own connection beside the fuzz. The
// gateway must stay up (health answers after every batch), answer every request with a
// well-formed 1xx/2xx/4xx (never 5xx, never silence, never a connection held past its
// timeout), close WebSockets only with valid codes, reply only with protocol messages
// whose error codes are documented (and never `internal`), and the healthy session must
// end with its complete final result.
//
// Seeded and replayable: see test/fuzz/support/run.ts (EARSHOT_FUZZ_SEED, _CASES, _PATH).
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { base64Encode } from '../../src-shared/audio/base64.js';
import { encodeWav } from '../../src-shared/audio/wav.js';
import { ERROR_CODES, ROUTES, serverMessageSchema } from '../../src-shared/protocol/messages.js';
import { joinTexts } from '../../src-shared/protocol/text-join.js';
import fc from 'fast-check';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { FIXTURES_DIR, readPcm } from '../helpers/speech-fixtures.js';
import { FuzzStats, serverProperty, type FuzzTarget } from './support/fuzz-server.js';
import { fuzzSettings, runFuzz } from './support/run.js';
import { mutatedJsonText, mutatedObject } from './support/ws-arbitraries.js';

/** CI default: enough to cover every generator branch many times, in about 20 s. */
const settings = fuzzSettings(300);
const TOKEN = 'fuzz-token-7c1d';
/** Small, so "over the limit" frames are cheap to build; the healthy chunks fit easily. */
const MAX_PAYLOAD = 256 * 1024;
const HEADERS_TIMEOUT_MS = 2_000;
const REQUEST_TIMEOUT_MS = 4_000;
const PHRASE = 'synthetic transcript';
/** Busy refusals of one healthy chunk in a row before the test calls it starved. */
const MAX_BUSY_RETRIES = 20;
/** A stop takes well under a second (plus --shutdown-grace-ms for work in flight). */
const STOP_BOUND_MS = 30_000;

let gateway: TestGateway;

beforeAll(async () => {
  gateway = await startGateway([
    '--workers',
    '1',
    '--token',
    TOKEN,
    '--max-payload-bytes',
    String(MAX_PAYLOAD),
    '--headers-timeout-ms',
    String(HEADERS_TIMEOUT_MS),
    '--request-timeout-ms',
    String(REQUEST_TIMEOUT_MS),
    '--log-level',
    'warn',
  ]);
}, 300_000);

afterAll(() => {
  if (gateway && gateway.process.exitCode === null && gateway.process.signalCode === null) gateway.kill();
});

// ---- the healthy session ---------------------------------------------------------
// One-second chunks of fixture speech, one per batch of fuzz cases, then finish.

const speech = readPcm({ path: join(FIXTURES_DIR, 'short-02-kal16.wav') });
function speechChunk(index: number): string {
  const samples = 16_000;
  const start = (index * samples) % Math.max(1, speech.length - samples);
  return base64Encode(encodeWav(speech.subarray(start, start + samples)));
}

class HealthySession {
  readonly id = `healthy-${randomUUID()}`;
  readonly messages: Record<string, unknown>[] = [];
  sent = 0;
  busyReplies = 0;
  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data) => this.messages.push(JSON.parse(String(data)) as Record<string, unknown>));
  }

  static async open(port: number): Promise<HealthySession> {
    const socket = new WebSocket(`ws://127.0.0.1:${port}${ROUTES.ws}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    const session = new HealthySession(socket);
    socket.send(JSON.stringify({ action: 'start', session_id: session.id }));
    await session.waitFor((m) => m.type === 'ack' && m.status === 'session_started');
    return session;
  }

  /**
   * Sends the next chunk until it is acked. `busy` with retry_after_ms is the protocol's
   * way to shed load (docs/protocol.md): the fuzz's abandoned sessions keep their audio
   * reservations until they lapse, so admission may ask the healthy session to wait, and
   * it does what a real client does, retrying after the hint, a bounded number of times.
   */
  async step(): Promise<void> {
    const index = this.sent++;
    for (let attempt = 1; ; attempt++) {
      const seen = this.messages.length;
      this.socket.send(
        JSON.stringify({
          action: 'chunk',
          session_id: this.id,
          chunk_index: index,
          audio_data: speechChunk(index),
        }),
      );
      const reply = await this.waitFor(
        (m, at) =>
          m.chunk_index === index &&
          (m.type === 'ack' || (m.type === 'error' && m.code === 'busy' && at >= seen)),
      );
      if (reply.type === 'ack') return;
      this.busyReplies++;
      if (attempt >= MAX_BUSY_RETRIES)
        throw new Error(`the healthy session's chunk ${index} was refused busy ${attempt} times in a row`);
      const hint = typeof reply.retry_after_ms === 'number' ? reply.retry_after_ms : 1_000;
      await new Promise((r) => setTimeout(r, Math.min(hint, 5_000)));
    }
  }

  async finish(): Promise<Record<string, unknown>> {
    this.socket.send(JSON.stringify({ action: 'finish', session_id: this.id }));
    const final = await this.waitFor((m) => m.type === 'final_result', 60_000);
    this.socket.close(1000);
    return final;
  }

  async waitFor(
    match: (m: Record<string, unknown>, at: number) => boolean,
    timeoutMs = 20_000,
  ): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.find(match);
      if (found) return found;
      if (this.socket.readyState !== WebSocket.OPEN)
        throw new Error('the healthy session lost its connection');
      if (Date.now() > deadline)
        throw new Error(
          `the healthy session waited ${timeoutMs} ms; got ${JSON.stringify(this.messages.slice(-3))}`,
        );
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

// ---- what the fuzz sends over WebSocket ------------------------------------------

const tinyWav = base64Encode(encodeWav(speech.subarray(0, 1_600)));
const sessionId = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('fz-a', 'fz-b', 'fz-c') },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '',
      ' ',
      'a'.repeat(129),
      'x\u0000y',
      'bidi\u202eevil',
      '\ud800',
      'line\u2028sep',
    ),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
);
const audioData = fc.oneof(
  { weight: 4, arbitrary: fc.constant(tinyWav) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '',
      '=',
      'AAAA',
      'not base64!',
      tinyWav.slice(0, 61),
      `${tinyWav}=`,
      ' ' + tinyWav,
    ),
  },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => base64Encode(b)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 80 }) },
);
const protocolMessage = fc.oneof(
  fc.record({ action: fc.constant('start'), session_id: sessionId }, { requiredKeys: ['action'] }),
  fc.record({
    action: fc.constant('chunk'),
    session_id: sessionId,
    chunk_index: fc.oneof(fc.nat({ max: 5 }), fc.integer()),
    audio_data: audioData,
  }),
  fc.record({ action: fc.constant('finish'), session_id: sessionId }),
) as fc.Arbitrary<Record<string, unknown>>;

/** A session from start to finish, each message maybe mutated, so some get far. */
const conversation = fc
  .tuple(fc.constantFrom('fz-a', 'fz-b', 'fz-c', 'fz-d'), fc.array(audioData, { minLength: 1, maxLength: 4 }))
  .chain(([id, audio]) =>
    fc.tuple(
      ...[
        // Asks for binary frames too, so the random binary frames below meet real handles.
        { action: 'start', session_id: id, binary_audio: true },
        ...audio.map((a, i) => ({ action: 'chunk', session_id: id, chunk_index: i, audio_data: a })),
        { action: 'finish', session_id: id },
      ].map((m) => mutatedJsonText(mutatedObject(fc.constant(m as Record<string, unknown>)))),
    ),
  );

/**
 * Binary audio frames (extension binary_audio) that mostly get past the magic: a few flag
 * values, small stream handles (the ones a connection gets first), any index, random audio.
 */
const binaryAudioFrame = fc
  .tuple(
    fc.constantFrom(0, 1, 2, 0x80),
    fc.integer({ min: 0, max: 5 }),
    fc.oneof(fc.nat(8), fc.constant(0xffff_ffff)),
    fc.uint8Array({ maxLength: 400 }),
    fc.constantFrom(1, 1, 1, 2),
  )
  .map(([flags, stream, index, audio, version]) => {
    const frame = new Uint8Array(12 + audio.length);
    frame.set([0x45, 0x41, version, flags]);
    const view = new DataView(frame.buffer);
    view.setUint32(4, stream, true);
    view.setUint32(8, index, true);
    frame.set(audio, 12);
    return frame;
  });

const errorCodes = new Set<string>(ERROR_CODES);

function checkServerText(message: unknown): string | undefined {
  const parsed = serverMessageSchema.safeParse(message);
  if (!parsed.success) return 'a reply that is not a protocol message';
  const m = parsed.data;
  if (m.type === 'error') {
    if (m.code === undefined || !errorCodes.has(m.code))
      return `an error with an undocumented code ${m.code}`;
    if (m.code === 'internal') return 'an internal error';
  }
  return undefined;
}

async function health(): Promise<void> {
  expect(gateway.process.exitCode, 'gateway exited').toBeNull();
  const response = await fetch(`${gateway.httpUrl}${ROUTES.health}`);
  expect(response.status).toBe(200);
  expect(((await response.json()) as { status: string }).status).toBe('ready');
}

it(
  'survives random and mutated HTTP and WebSocket traffic with a healthy session beside it',
  async () => {
    const healthy = await HealthySession.open(gateway.port);
    await healthy.step();
    const target: FuzzTarget = {
      port: gateway.port,
      http: {
        paths: [
          ROUTES.ws,
          ROUTES.health,
          ROUTES.queueStatus,
          ROUTES.metrics,
          ROUTES.history,
          `${ROUTES.sessionPrefix}fz-a`,
          `${ROUTES.sessionPrefix}${healthy.id.slice(0, 8)}`,
          ROUTES.stats,
          '/',
        ],
        host: `127.0.0.1:${gateway.port}`,
        token: TOKEN,
        upgradePath: ROUTES.ws,
      },
      httpBoundMs: REQUEST_TIMEOUT_MS + 5_000,
      ws: {
        path: `${ROUTES.ws}?token=${TOKEN}`,
        headers: [],
        maxPayload: MAX_PAYLOAD,
        text: mutatedJsonText(mutatedObject(protocolMessage)),
        conversation,
        binary: fc.oneof(fc.uint8Array({ maxLength: 300 }), binaryAudioFrame),
        marker: (n) => ({
          text: JSON.stringify({ action: `fuzz_marker_${n}` }),
          isReply: (m) =>
            typeof m === 'object' &&
            m !== null &&
            (m as { code?: unknown }).code === 'unknown_action' &&
            String((m as { message?: unknown }).message).endsWith(`fuzz_marker_${n}`),
        }),
        checkServerText,
        describeServerText: (m) => {
          const o = m as { type?: unknown; code?: unknown; status?: unknown };
          return [o.type, o.code ?? o.status].filter((x) => x !== undefined).join('/');
        },
      },
      wsBoundMs: 10_000,
      batch: 20,
      health,
      healthyStep: () => healthy.step(),
    };

    const stats = new FuzzStats();
    const started = Date.now();
    const { cases } = await runFuzz(
      'gateway fuzz',
      settings,
      serverProperty(target, stats),
      () => `exit: ${gateway.process.exitCode}; stderr tail:\n${gateway.stderr().slice(-3000)}`,
    );
    process.stdout.write(
      `gateway fuzz: ${cases} cases in ${((Date.now() - started) / 1000).toFixed(1)} s; the healthy session was told busy ${healthy.busyReplies} time(s)\n${stats.summary()}\n`,
    );

    await health();
    const final = await healthy.finish();
    expect(final.session_id).toBe(healthy.id);
    expect(final.partial ?? false).toBe(false);
    expect(final.chunk_count).toBe(healthy.sent);
    expect(final.text).toBe(joinTexts(Array.from({ length: healthy.sent }, () => PHRASE)));
    // Its only errors are the busy refusals it retried (step() counts them).
    const errors = healthy.messages.filter((m) => m.type === 'error');
    expect(errors.filter((m) => m.code !== 'busy')).toEqual([]);
    expect(errors).toHaveLength(healthy.busyReplies);
    expect(healthy.messages.filter((m) => m.type === 'chunk_result')).toHaveLength(healthy.sent);
    expect(gateway.stderr()).not.toContain(TOKEN);

    // And it still stops when told to: no connection the fuzz left behind holds it.
    const stopped = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), STOP_BOUND_MS);
      void gateway.stop().then(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    expect(stopped, `the gateway still ran ${STOP_BOUND_MS} ms after SIGTERM`).toBe(true);
  },
  Math.max(600_000, settings.cases * 300),
);
