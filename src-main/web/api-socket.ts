// EarshotApi over WebSocket, host side: JSON text frames are calls (validated against the
// contract by AppServices.dispatch) answered by request id; binary frames are audio
// batches; events fan out to every connected page. A client that stops reading is cut
// off rather than buffered without bound.
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { ApiError } from '../../src-shared/api/common.js';
import type { EventName } from '../../src-shared/api/contract.js';
import { describeZodError } from '../../src-shared/zod-error.js';
import { decodeAudioBatch, decodeJson, encodeJson, wireCallSchema } from '../../src-shared/api/wire.js';
import type { AppServices } from '../services/app-services.js';

/** Largest frame accepted: a 2 s audio batch is 64 KB; a settings call a few KB. */
export const MAX_FRAME_BYTES = 1024 * 1024;
/** Past this much unsent data a page is not keeping up; it is disconnected (it reconnects). */
const MAX_BUFFERED_BYTES = 32 * 1024 * 1024;

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}

export class ApiSocketServer {
  readonly wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_FRAME_BYTES,
    perMessageDeflate: false,
  });
  private readonly unsubscribe: () => void;
  private connections = 0;
  private closing = false;

  constructor(private readonly services: AppServices) {
    this.wss.on('connection', (socket) => this.attach(socket));
    this.unsubscribe = services.onEvent((event, payload) => this.broadcast(event, payload));
  }

  private send(socket: WebSocket, message: unknown): void {
    if (socket.readyState !== socket.OPEN) return;
    if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      socket.close(1013, 'not reading fast enough');
      return;
    }
    socket.send(encodeJson(message));
  }

  private broadcast(event: EventName, payload: unknown): void {
    if (this.wss.clients.size === 0) return;
    const text = encodeJson({ type: 'event', event, payload });
    for (const socket of this.wss.clients) {
      if (socket.readyState !== socket.OPEN) continue;
      if (socket.bufferedAmount > MAX_BUFFERED_BYTES) socket.close(1013, 'not reading fast enough');
      else socket.send(text);
    }
  }

  private attach(socket: WebSocket): void {
    const caller = `web-${++this.connections}`;
    socket.on('message', (data, isBinary) => {
      if (isBinary) this.onAudio(socket, toBytes(data), caller);
      else void this.onCall(socket, data.toString(), caller);
    });
    // A page that closes or reloads says goodbye (1001 going away, or 1000); any other end
    // (1006: no close frame) may be a drop the page recovers from by reconnecting.
    socket.on('close', (code) => {
      // When the host itself is stopping, AppServices.close keeps what was recorded.
      if (!this.closing) this.services.callerGone(caller, code === 1000 || code === 1001);
    });
    // ws reports protocol violations here (a frame over the limit, invalid UTF-8, an
    // unmasked frame) and closes with their code (1009, 1007, 1002) itself, reading on
    // until the peer answers or 30 s pass. Terminating here destroyed the socket with the
    // client's bytes still unread, and the reset that causes threw the close frame away:
    // the page saw 1006 and no reason.
    socket.on('error', () => undefined);
  }

  private onAudio(socket: WebSocket, frame: Uint8Array, caller: string): void {
    try {
      this.services.pushAudio(decodeAudioBatch(frame), caller);
    } catch (error) {
      this.send(socket, {
        type: 'event',
        event: 'app.error',
        payload: { at: Date.now(), source: 'web', message: `bad audio frame: ${(error as Error).message}` },
      });
    }
  }

  private async onCall(socket: WebSocket, text: string, caller: string): Promise<void> {
    let parsedJson: unknown;
    try {
      parsedJson = decodeJson(text);
    } catch {
      this.send(socket, {
        type: 'event',
        event: 'app.error',
        payload: { at: Date.now(), source: 'web', message: 'a frame that is not JSON was ignored' },
      });
      return;
    }
    const call = wireCallSchema.safeParse(parsedJson);
    if (!call.success) {
      const id = (parsedJson as { id?: unknown } | null)?.id;
      const message = `malformed call: ${describeZodError(call.error)}`;
      // Answered by id only when the id is one the wire contract allows back (a safe
      // integer, which z.number().int() requires): 2 ** 53 got a result no client can read.
      if (typeof id === 'number' && Number.isSafeInteger(id) && id >= 0)
        this.send(socket, { type: 'result', id, ok: false, error: { code: 'bad_input', message } });
      else
        this.send(socket, {
          type: 'event',
          event: 'app.error',
          payload: { at: Date.now(), source: 'web', message },
        });
      return;
    }
    const { id, channel, input } = call.data;
    try {
      const output = await this.services.dispatch(channel, input, caller);
      this.send(socket, { type: 'result', id, ok: true, output });
    } catch (error) {
      const apiError = error instanceof ApiError ? error : new ApiError('internal', (error as Error).message);
      this.send(socket, {
        type: 'result',
        id,
        ok: false,
        error: { code: apiError.code, message: apiError.message },
      });
    }
  }

  close(): void {
    this.closing = true;
    this.unsubscribe();
    for (const socket of this.wss.clients) socket.close(1001, 'web host stopping');
    this.wss.close();
  }

  /** Cuts the sockets that have not finished their close handshake yet. */
  terminate(): void {
    for (const socket of this.wss.clients) socket.terminate();
  }
}
