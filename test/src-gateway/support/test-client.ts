// A small WebSocket client for gateway tests: records every server message in order
// and lets a test wait for the next one that matches, with a timeout so a missing
// message fails the test instead of hanging it.
import WebSocket from 'ws';
import { encodeWav } from '../../../src-shared/audio/wav.js';

export type Message = Record<string, unknown> & { type?: string };

export class TestClient {
  readonly messages: Message[] = [];
  private cursor = 0;
  private waiters: (() => void)[] = [];
  closeCode: number | undefined;
  readonly closed: Promise<number>;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      this.messages.push(JSON.parse(String(data)) as Message);
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.closed = new Promise((resolve) =>
      socket.on('close', (code) => {
        this.closeCode = code;
        for (const wake of this.waiters.splice(0)) wake();
        resolve(code);
      }),
    );
  }

  static connect(url: string, options: WebSocket.ClientOptions = {}): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, options);
      socket.once('open', () => resolve(new TestClient(socket)));
      socket.once('error', reject);
      socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
  }

  /**
   * Connects like a real client under a burst: an upgrade refused with 503 (the gateway
   * sheds a burst while its loop runs late, docs/gateway.md "Reconnect storms") is tried
   * again after its Retry-After, up to `attempts` times.
   */
  static async connectRetrying(url: string, attempts = 20): Promise<TestClient> {
    for (let attempt = 1; ; attempt++) {
      const outcome = await new Promise<TestClient | number>((resolve, reject) => {
        const socket = new WebSocket(url);
        socket.once('open', () => resolve(new TestClient(socket)));
        socket.once('error', reject);
        socket.once('unexpected-response', (_req, res) => {
          const retryAfter = Number(res.headers['retry-after']);
          res.resume();
          socket.removeAllListeners('error');
          socket.on('error', () => undefined); // the abort below reports itself
          socket.terminate();
          if (res.statusCode === 503 && Number.isFinite(retryAfter) && attempt < attempts)
            resolve(retryAfter);
          else reject(new Error(`HTTP ${res.statusCode}`));
        });
      });
      if (outcome instanceof TestClient) return outcome;
      await new Promise((r) => setTimeout(r, outcome * 1000));
    }
  }

  /** A client over a socket already open (a test that made the upgrade itself). */
  static adopt(socket: WebSocket): TestClient {
    return new TestClient(socket);
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  start(sessionId: string): void {
    this.send({ action: 'start', session_id: sessionId });
  }

  chunk(sessionId: string, chunkIndex: number, audio: string | Uint8Array = wavBase64(0.5)): void {
    const audioData = typeof audio === 'string' ? audio : Buffer.from(audio).toString('base64');
    this.send({ action: 'chunk', session_id: sessionId, chunk_index: chunkIndex, audio_data: audioData });
  }

  finish(sessionId: string): void {
    this.send({ action: 'finish', session_id: sessionId });
  }

  /** The next message (after those already taken) that matches; earlier non-matching ones are skipped over but kept. */
  async next(match: (m: Message) => boolean = () => true, timeoutMs = 10_000): Promise<Message> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (let i = this.cursor; i < this.messages.length; i++) {
        if (match(this.messages[i])) {
          this.cursor = i + 1;
          return this.messages[i];
        }
      }
      if (this.closeCode !== undefined)
        throw new Error(
          `socket closed (${this.closeCode}) while waiting; got ${JSON.stringify(this.messages.slice(this.cursor))}`,
        );
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `timed out waiting for a message; got ${JSON.stringify(this.messages.slice(this.cursor))}`,
        );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits for the next message of `type` (optionally for one session). */
  nextOfType(type: string, sessionId?: string, timeoutMs?: number): Promise<Message> {
    return this.next(
      (m) => m.type === type && (sessionId === undefined || m.session_id === sessionId),
      timeoutMs,
    );
  }

  /** All messages so far that match. */
  all(match: (m: Message) => boolean): Message[] {
    return this.messages.filter(match);
  }

  close(): Promise<number> {
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING)
      this.socket.close();
    return this.closed;
  }
}

/** A protocol WAV (16 kHz mono PCM16) of `seconds` of a quiet tone, base64. */
export function wavBase64(seconds: number): string {
  return Buffer.from(wavBytes(seconds)).toString('base64');
}

export function wavBytes(seconds: number): Uint8Array {
  const samples = new Int16Array(Math.round(seconds * 16_000));
  for (let i = 0; i < samples.length; i++)
    samples[i] = Math.round(1000 * Math.sin((2 * Math.PI * 440 * i) / 16_000));
  return encodeWav(samples);
}

/** A WAV with an arbitrary header, for refusals: e.g. 44.1 kHz, stereo or 8-bit. */
export function customWav(opts: {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  format?: number;
  dataBytes?: number;
}): Uint8Array {
  const dataBytes = opts.dataBytes ?? 3200;
  const out = new Uint8Array(44 + dataBytes);
  const view = new DataView(out.buffer);
  const ascii = (offset: number, text: string) =>
    [...text].forEach((c, i) => (out[offset + i] = c.charCodeAt(0)));
  const blockAlign = (opts.channels * opts.bitsPerSample) / 8;
  ascii(0, 'RIFF');
  view.setUint32(4, 36 + dataBytes, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, opts.format ?? 1, true);
  view.setUint16(22, opts.channels, true);
  view.setUint32(24, opts.sampleRate, true);
  view.setUint32(28, opts.sampleRate * blockAlign, true);
  view.setUint16(32, blockAlign, true);
  view.setUint16(34, opts.bitsPerSample, true);
  ascii(36, 'data');
  view.setUint32(40, dataBytes, true);
  return out;
}

export const sessionId = (() => {
  let n = 0;
  return (prefix = 's') => `${prefix}-${process.pid}-${Date.now().toString(36)}-${n++}`;
})();
