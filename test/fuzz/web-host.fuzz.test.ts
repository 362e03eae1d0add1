// Issue 10: fuzz the live web host (`earshot web`, the real compiled host with its
// embedded synthetic gateway, as a child process) over loopback with random and mutated
// HTTP requests (paths, queries, Host, Origin, planted and malformed session cookies)
// and API-socket traffic (calls mutated from valid ones, audio batches, broken frames),
// while a healthy dictation streams fixture speech through the same API beside the fuzz.
// The host must stay up (page and API answer after every batch), answer every request
// with a well-formed 1xx/2xx/4xx (never 5xx, never silence), never serve a file from
// outside its UI folder, close sockets only with valid codes, never answer a call with
// `internal`, and the healthy dictation must end with its final transcript.
//
// Seeded and replayable: see test/fuzz/support/run.ts (EARSHOT_FUZZ_SEED, _CASES, _PATH).
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { apiEvents, isEventName, type EventPayload } from '../../src-shared/api/contract.js';
import { WEB_API_PATH, encodeAudioBatch, wireServerMessageSchema } from '../../src-shared/api/wire.js';
import { createWebSocketApi, type WebSocketApi } from '../../src-shared/api/ws-client.js';
import { startWebHost, type WebHostProcess } from '../e2e/support/web.js';
import { FIXTURES_DIR, readPcm } from '../helpers/speech-fixtures.js';
import { NodeWebSocket, nextEvent } from '../src-main/web/web-fixture.js';
import { FuzzStats, serverProperty, type FuzzTarget } from './support/fuzz-server.js';
import { fuzzSettings, runFuzz } from './support/run.js';
import { mutatedJsonText, mutatedObject } from './support/ws-arbitraries.js';

/** CI default: enough to cover every generator branch many times, in about 20 s. */
const settings = fuzzSettings(300);
/** MAX_FRAME_BYTES of src-main/web/api-socket.ts. */
const MAX_PAYLOAD = 1024 * 1024;
/** The host's request timeout (src-main/web/web-host.ts) plus a margin. */
const HTTP_BOUND_MS = 35_000;
const COOKIE = 'earshot_session';
/** A stop takes well under a second; this only tells a stuck shutdown from a slow one. */
const STOP_BOUND_MS = 20_000;

let dir: string;
let web: WebHostProcess;
let token: string;
/** Beside the UI folder: no request may ever get it. */
const secret = `secret-${randomBytes(12).toString('hex')}`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'earshot-fuzz-web-'));
  const ui = join(dir, 'ui');
  mkdirSync(join(ui, 'assets'), { recursive: true });
  writeFileSync(join(ui, 'index.html'), '<!doctype html><title>Earshot fuzz page</title>');
  writeFileSync(join(ui, 'assets', 'app.js'), 'console.log("earshot")');
  writeFileSync(join(dir, 'secret.txt'), secret);
  writeFileSync(join(dir, 'secret'), secret);
  web = await startWebHost({ dataDir: join(dir, 'data'), rendererDir: ui });
  token = new URL(web.url).searchParams.get('token')!;
}, 300_000);

afterAll(async () => {
  if (web && web.process.exitCode === null && web.process.signalCode === null) web.process.kill('SIGKILL');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// ---- the healthy dictation -----------------------------------------------------------
// One second of fixture speech (ten 100 ms batches, as the page sends them) per batch of
// fuzz cases; then a second of silence, stop, and the final transcript.

const speech = readPcm({ path: join(FIXTURES_DIR, 'short-02-kal16.wav') });

class HealthyDictation {
  private seq = 0;
  private offset = 0;
  seconds = 0;
  private constructor(
    readonly api: WebSocketApi,
    readonly dictationId: string,
    readonly recordingId: string,
  ) {}

  static async start(port: number): Promise<HealthyDictation> {
    const api = createWebSocketApi({
      url: `ws://127.0.0.1:${port}${WEB_API_PATH}?token=${token}`,
      WebSocket: NodeWebSocket,
      maxReconnectAttempts: 0,
    });
    const started = await api.call('dictation.start', { deviceLabel: 'fuzz healthy session' });
    return new HealthyDictation(api, started.dictationId, started.recordingId);
  }

  private push(pcm: Int16Array): void {
    for (let at = 0; at < pcm.length; at += 1600)
      this.api.sendAudio({
        dictationId: this.dictationId,
        seq: this.seq++,
        pcm: pcm.subarray(at, at + 1600),
      });
  }

  async step(): Promise<void> {
    if (this.offset + 16_000 > speech.length) this.offset = 0;
    this.push(speech.subarray(this.offset, this.offset + 16_000));
    this.offset += 16_000;
    this.seconds++;
    const status = await this.api.call('dictation.status', {});
    expect(status.state).toBe('recording');
  }

  async finish(): Promise<EventPayload<'dictation.final'>> {
    const final = nextEvent<EventPayload<'dictation.final'>>(
      (listener) => this.api.on('dictation.final', listener),
      (f) => f.recordingId === this.recordingId,
      120_000,
    );
    this.push(new Int16Array(16_000));
    const stopped = await this.api.call('dictation.stop', { dictationId: this.dictationId });
    expect(stopped.recordingId).toBe(this.recordingId);
    expect(stopped.audioMs).toBe((this.seconds + 1) * 1000);
    return final;
  }
}

// ---- what the fuzz sends on the API socket --------------------------------------------

/**
 * Channels the fuzz calls with valid input too. Left out: settings.set (a valid patch
 * may point the app at another gateway, which is the user's right, not an attack) and
 * stress.start (a valid one starts a load test on this machine).
 */
const CHANNELS = [
  'app.info',
  'dictation.start',
  'dictation.stop',
  'dictation.cancel',
  'dictation.status',
  'history.list',
  'history.get',
  'history.audio',
  'history.chunks',
  'history.export',
  'history.exportSelection',
  'history.edit',
  'history.retranscribe',
  'history.delete',
  'status.get',
  'status.retryNow',
  'status.discard',
  'status.diagnostics',
  'status.errors',
  'stress.stop',
  'stress.status',
  'stress.report',
  'settings.get',
] as const;

const someId = fc.oneof(
  fc.constantFrom('rec-1', '', 'x'.repeat(300), '../../etc/passwd', '\u0000', '\u202e'),
  fc.uuid(),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constant({ $bytes: 'AAAA' }),
  fc.constant({ $bytes: 'not base64!' }),
);
const inputFor = (channel: string): fc.Arbitrary<unknown> => {
  switch (channel) {
    case 'dictation.start':
      return fc.record(
        { deviceLabel: fc.string({ maxLength: 300 }), pasteIntoFocusedApp: fc.boolean() },
        { requiredKeys: [] },
      );
    case 'dictation.stop':
    case 'dictation.cancel':
      return fc.record({ dictationId: someId });
    case 'history.list':
      return fc.record(
        {
          search: fc.string({ unit: 'binary', maxLength: 250 }),
          limit: fc.integer({ min: -5, max: 600 }),
          before: fc.oneof(fc.integer(), fc.string({ maxLength: 30 })),
        },
        { requiredKeys: [] },
      );
    case 'history.export':
      return fc.record({
        recordingId: someId,
        format: fc.constantFrom('txt', 'srt', 'vtt', 'json', 'md', 'x'),
      });
    case 'history.exportSelection':
      return fc.record({
        recordingIds: fc.oneof(fc.array(someId, { maxLength: 5 }), fc.constant('1'), fc.constant([])),
        format: fc.constantFrom('txt', 'md', 'json', 'srt', 'vtt', 'x'),
      });
    case 'history.edit':
      return fc.record({
        recordingId: someId,
        text: fc.oneof(
          fc.string({ unit: 'binary', maxLength: 50 }),
          fc.constant(null),
          fc.constant(''),
          fc.nat(),
        ),
      });
    case 'stress.report':
      return fc.record(
        { runId: someId, format: fc.constantFrom('json', 'csv', 'html', 'md', 'x') },
        { requiredKeys: ['format'] },
      );
    case 'history.get':
    case 'history.audio':
    case 'history.chunks':
    case 'history.retranscribe':
    case 'history.delete':
    case 'status.retryNow':
    case 'status.discard':
      return fc.record({ recordingId: someId });
    default:
      return fc.constant({});
  }
};
const call = fc
  .tuple(
    fc.oneof(fc.nat({ max: 1000 }), fc.constantFrom(-1, 1.5, 2 ** 53, '7', null)),
    fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom(...CHANNELS) },
      {
        weight: 1,
        arbitrary: fc
          .string({ unit: 'binary', maxLength: 30 })
          .filter((c) => c !== 'settings.set' && c !== 'stress.start'),
      },
      { weight: 1, arbitrary: fc.constant('x'.repeat(101)) },
    ),
  )
  .chain(([id, channel]) =>
    inputFor(channel).map((input) => ({ type: 'call', id, channel, input }) as Record<string, unknown>),
  );

const audioBatch = fc
  .tuple(
    fc.oneof(fc.uuid(), fc.string({ minLength: 1, maxLength: 20 })),
    fc.nat(),
    fc.integer({ min: 1, max: 3200 }),
  )
  .map(([dictationId, seq, samples]) =>
    Buffer.byteLength(dictationId) > 255
      ? new Uint8Array(9)
      : encodeAudioBatch({ dictationId, seq, pcm: speech.subarray(0, samples) }),
  );
const binary = fc.oneof(
  audioBatch,
  fc.tuple(audioBatch, fc.nat(), fc.integer({ min: 1, max: 255 })).map(([frame, at, bits]) => {
    const copy = Uint8Array.from(frame);
    copy[at % copy.length] ^= bits;
    return copy;
  }),
  fc.tuple(audioBatch, fc.nat()).map(([frame, cut]) => frame.subarray(0, cut % (frame.length + 1))),
  fc.uint8Array({ maxLength: 64 }),
);

function checkServerText(message: unknown): string | undefined {
  const parsed = wireServerMessageSchema.safeParse(message);
  if (!parsed.success) return 'a message that is not a result or an event';
  const m = parsed.data;
  if (m.type === 'result' && !m.ok && m.error.code === 'internal') return 'an internal error';
  if (m.type === 'event') {
    if (!isEventName(m.event)) return `an unknown event ${m.event}`;
    if (!apiEvents[m.event].safeParse(m.payload).success)
      return `an event ${m.event} that breaks the contract`;
  }
  return undefined;
}

function describeServerText(message: unknown): string {
  const m = message as { type?: string; ok?: boolean; error?: { code?: string }; event?: string };
  if (m.type === 'result') return m.ok ? 'result/ok' : `result/${m.error?.code}`;
  return `event/${m.event}`;
}

async function health(healthy: HealthyDictation): Promise<void> {
  expect(web.process.exitCode, 'earshot web exited').toBeNull();
  const page = await fetch(`http://127.0.0.1:${web.port}/?token=${token}`);
  expect(page.status).toBe(200);
  expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
  await page.arrayBuffer();
  expect((await healthy.api.call('app.info', {})).mode).toBe('web');
}

it(
  'survives random and mutated HTTP and API-socket traffic with a healthy dictation beside it',
  async () => {
    const healthy = await HealthyDictation.start(web.port);
    await healthy.step();
    const target: FuzzTarget = {
      port: web.port,
      http: {
        paths: [
          '/',
          '/index.html',
          '/assets/app.js',
          '/assets/missing.js',
          WEB_API_PATH,
          '/history',
          '/favicon.ico',
          '/../secret.txt',
          '/%2e%2e/secret',
          '/assets/..%2f..%2fsecret.txt',
        ],
        host: `127.0.0.1:${web.port}`,
        token,
        cookieName: COOKIE,
        upgradePath: WEB_API_PATH,
      },
      httpBoundMs: HTTP_BOUND_MS,
      ws: {
        path: WEB_API_PATH,
        headers: [`Cookie: ${COOKIE}=${token}`],
        maxPayload: MAX_PAYLOAD,
        text: mutatedJsonText(mutatedObject(call)),
        binary,
        marker: (n) => ({
          text: JSON.stringify({ type: 'call', id: 1_000_000_000 + n, channel: 'app.info', input: {} }),
          isReply: (m) =>
            typeof m === 'object' &&
            m !== null &&
            (m as { type?: unknown }).type === 'result' &&
            (m as { id?: unknown }).id === 1_000_000_000 + n,
        }),
        checkServerText,
        describeServerText,
      },
      wsBoundMs: 10_000,
      batch: 20,
      health: () => health(healthy),
      healthyStep: () => healthy.step(),
      forbiddenInReply: (reply) =>
        reply.includes(secret) ? 'a file from outside the UI folder was served' : undefined,
    };

    const stats = new FuzzStats();
    const started = Date.now();
    const { cases } = await runFuzz(
      'web host fuzz',
      settings,
      serverProperty(target, stats),
      () => `exit: ${web.process.exitCode}; stderr tail:\n${web.stderr().slice(-3000)}`,
    );
    process.stdout.write(
      `web host fuzz: ${cases} cases in ${((Date.now() - started) / 1000).toFixed(1)} s\n${stats.summary()}\n`,
    );

    await health(healthy);
    const final = await healthy.finish();
    expect(final.partial).toBe(false);
    expect(final.text).toContain('synthetic transcript');
    healthy.api.close();
    expect(web.stderr()).not.toContain(token);

    // And it still stops when told to: no connection the fuzz left behind holds it.
    const stopped = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), STOP_BOUND_MS);
      void web.stop().then(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    expect(stopped, `earshot web still running ${STOP_BOUND_MS} ms after SIGTERM`).toBe(true);
  },
  Math.max(600_000, settings.cases * 300),
);
