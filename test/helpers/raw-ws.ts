// A WebSocket client written against the raw TCP socket, for tests that must send what a
// real client library never would (reserved bits, bad opcodes, broken fragmentation,
// invalid UTF-8, unmasked frames, lying lengths) or must put several frames into one TCP
// write. Server frames are parsed as they come; the close frame's code is kept.
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

export const OPCODE = { continuation: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 } as const;

export interface FrameSpec {
  opcode: number;
  payload?: Uint8Array | string;
  fin?: boolean;
  /** RSV1-3 bits (0-7); a server without extensions must refuse any. */
  rsv?: number;
  /** Client frames must be masked; false sends a protocol violation. */
  mask?: boolean;
  /** Overrides the length field (a frame that lies about its size). */
  declaredLength?: number;
}

export interface ServerFrame {
  opcode: number;
  fin: boolean;
  payload: Buffer;
}

/** The bytes of one client frame. */
export function encodeFrame(spec: FrameSpec): Buffer {
  const payload =
    typeof spec.payload === 'string' ? Buffer.from(spec.payload) : Buffer.from(spec.payload ?? []);
  const mask = spec.mask ?? true;
  const length = spec.declaredLength ?? payload.length;
  const head: number[] = [((spec.fin ?? true) ? 0x80 : 0) | ((spec.rsv ?? 0) << 4) | (spec.opcode & 0x0f)];
  const maskBit = mask ? 0x80 : 0;
  if (length < 126) head.push(maskBit | length);
  else if (length < 65_536) head.push(maskBit | 126, length >> 8, length & 255);
  else {
    head.push(maskBit | 127);
    const big = Buffer.alloc(8);
    big.writeBigUInt64BE(BigInt(length));
    head.push(...big);
  }
  if (!mask) return Buffer.concat([Buffer.from(head), payload]);
  const key = randomBytes(4);
  const masked = Buffer.alloc(payload.length);
  for (let i = 0; i < payload.length; i++) masked[i] = payload[i] ^ key[i & 3];
  return Buffer.concat([Buffer.from(head), key, masked]);
}

export class RawWebSocket {
  readonly frames: ServerFrame[] = [];
  /** The close code the server sent (undefined: none yet, or the socket just dropped). */
  closeCode: number | undefined;
  closeReason = '';
  readonly ended: Promise<void>;
  private buffer = Buffer.alloc(0);
  private cursor = 0;
  private waiters: (() => void)[] = [];
  private isEnded = false;

  private constructor(private readonly socket: Socket) {
    this.ended = new Promise((resolve) =>
      socket.on('close', () => {
        this.isEnded = true;
        this.wake();
        resolve();
      }),
    );
    socket.on('error', () => undefined);
    socket.on('data', (chunk) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.parse();
    });
  }

  /** Opens `path` with a complete, valid handshake; rejects with the status line otherwise. */
  static connect(port: number, path: string, headers: string[] = []): Promise<RawWebSocket> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port });
      let head = Buffer.alloc(0);
      const onData = (chunk: Buffer) => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        socket.off('data', onData);
        const statusLine = head.subarray(0, head.indexOf('\r\n')).toString('latin1');
        if (!/^HTTP\/1\.1 101 /.test(statusLine)) {
          socket.destroy();
          reject(new Error(`upgrade refused: ${statusLine}`));
          return;
        }
        const client = new RawWebSocket(socket);
        const rest = head.subarray(end + 4);
        if (rest.length > 0) socket.emit('data', rest);
        resolve(client);
      };
      socket.on('data', onData);
      socket.once('error', reject);
      socket.on('connect', () =>
        socket.write(
          [
            `GET ${path} HTTP/1.1`,
            `Host: 127.0.0.1:${port}`,
            'Upgrade: websocket',
            'Connection: Upgrade',
            'Sec-WebSocket-Version: 13',
            `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
            ...headers,
            '',
            '',
          ].join('\r\n'),
        ),
      );
    });
  }

  /** Writes the frames in ONE write, so the server reads them together. */
  send(...frames: FrameSpec[]): void {
    if (!this.socket.writable) return;
    this.socket.write(Buffer.concat(frames.map(encodeFrame)));
  }

  sendText(...texts: string[]): void {
    this.send(...texts.map((payload) => ({ opcode: OPCODE.text, payload })));
  }

  /** Arbitrary bytes on the socket, framed or not. */
  sendRaw(bytes: Uint8Array): void {
    if (this.socket.writable) this.socket.write(bytes);
  }

  /** Text frames received so far, parsed as JSON. */
  messages(): Record<string, unknown>[] {
    return this.frames
      .filter((f) => f.opcode === OPCODE.text)
      .map((f) => JSON.parse(f.payload.toString('utf8')) as Record<string, unknown>);
  }

  /**
   * Resolves once `count` text frames (that `match`) have arrived; rejects if the socket
   * ends first or after timeoutMs.
   */
  async waitForMessages(
    count: number,
    timeoutMs = 10_000,
    match: (message: Record<string, unknown>) => boolean = () => true,
  ): Promise<Record<string, unknown>[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const messages = this.messages().filter(match);
      if (messages.length >= count) return messages;
      if (this.isEnded)
        throw new Error(
          `socket ended after ${messages.length} of ${count} messages: ${JSON.stringify(messages)}`,
        );
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`only ${messages.length} of ${count} messages within ${timeoutMs} ms`);
      await this.nextEvent(left);
    }
  }

  /** Resolves when the server has closed the connection (or rejects after timeoutMs). */
  async waitForEnd(timeoutMs = 10_000): Promise<void> {
    const timer = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`socket still open after ${timeoutMs} ms`)), timeoutMs).unref(),
    );
    await Promise.race([this.ended, timer]);
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** True once the connection has closed. */
  get hasEnded(): boolean {
    return this.isEnded;
  }

  /** Half-closes: the server reads end-of-stream after whatever was sent. */
  end(): void {
    if (this.socket.writable) this.socket.end();
  }

  /**
   * Resolves true once `condition()` holds (checked after every frame), false when the
   * socket ends or `timeoutMs` passes first.
   */
  async waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (condition()) return true;
      const left = deadline - Date.now();
      if (this.isEnded || left <= 0) return false;
      await this.nextEvent(left);
    }
  }

  private nextEvent(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private wake(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }

  private parse(): void {
    for (;;) {
      const b = this.buffer;
      if (b.length - this.cursor < 2) break;
      const at = this.cursor;
      const fin = (b[at] & 0x80) !== 0;
      const opcode = b[at] & 0x0f;
      let length = b[at + 1] & 0x7f;
      let offset = at + 2;
      if (length === 126) {
        if (b.length < offset + 2) break;
        length = b.readUInt16BE(offset);
        offset += 2;
      } else if (length === 127) {
        if (b.length < offset + 8) break;
        length = Number(b.readBigUInt64BE(offset));
        offset += 8;
      }
      if (b.length < offset + length) break;
      const payload = Buffer.from(b.subarray(offset, offset + length));
      this.cursor = offset + length;
      if (opcode === OPCODE.close) {
        this.closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : undefined;
        this.closeReason = payload.subarray(2).toString('utf8');
      }
      this.frames.push({ opcode, fin, payload });
    }
    if (this.cursor > 0) {
      this.buffer = this.buffer.subarray(this.cursor);
      this.cursor = 0;
    }
    this.wake();
  }
}
