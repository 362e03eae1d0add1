// One client connection: decodes each frame strictly and hands valid messages to the
// SessionManager. A bad frame gets an error with its code and the connection stays
// usable; nothing a client sends can throw out of here.
import type { WebSocket } from 'ws';
import { Buffer } from 'node:buffer';
import type { Duplex } from 'node:stream';
import { decodeBinaryFrame } from '../../src-shared/protocol/binary-frame.js';
import { decodeClientMessage } from '../../src-shared/protocol/codec.js';
import type { RepeatedEvents } from '../logging.js';
import { GatewaySocket } from './gateway-socket.js';
import type { ReplyCoalescer } from './reply-coalescer.js';
import type { Reply } from './replies.js';
import type { ClientLink, SessionManager } from './session-manager.js';
import { StreamHandles } from './stream-handles.js';

let nextLinkId = 1;

/**
 * A client that stops reading must not make the gateway buffer results for it without
 * end: past this many unsent bytes it is dropped (it can resume on a new connection).
 */
const MAX_BUFFERED_BYTES = 32 * 1024 * 1024;

/** Messages of one connection waiting for their turn before its socket is paused. */
const PAUSE_AT_WAITING = 64;

export interface ConnectionOptions {
  /** --max-payload-bytes, for the too_large error. */
  maxPayloadBytes: number;
  /** Base protocol: an oversized frame only closes the socket, as the base gateway does. */
  baseProtocol: boolean;
  /** The connection's TCP socket and the gateway's coalescer: replies close together share a write. */
  coalesce: { tcp: Duplex; coalescer: ReplyCoalescer };
}

export function handleConnection(
  socket: WebSocket,
  sessions: SessionManager,
  events: RepeatedEvents,
  options: ConnectionOptions,
): ClientLink {
  const binaryOffered = sessions.features.includes('binary_audio');
  const { coalesce } = options;
  const link: ClientLink = {
    id: nextLinkId++,
    ...(binaryOffered ? { streams: new StreamHandles() } : {}),
    isOpen: () => socket.readyState === socket.OPEN,
    send: (reply: Reply) => {
      if (socket.readyState !== socket.OPEN) return;
      if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
        events.note('slow_consumers_dropped');
        socket.terminate();
        return;
      }
      coalesce.coalescer.hold(coalesce.tcp);
      socket.send(JSON.stringify(reply));
    },
  };

  // Replies go out in the order the messages came in: each message is handled once the
  // one before it has been (its ack or error sent), so an error for a later message can
  // never overtake the ack of an earlier one. A client that sends faster than that is
  // paused (TCP backpressure) instead of queueing work without bound.
  let previous: Promise<void> = Promise.resolve();
  let waiting = 0;
  let paused = false;
  const inOrder = (handle: () => Promise<void> | void) => {
    waiting++;
    if (waiting >= PAUSE_AT_WAITING && !paused) {
      paused = true;
      socket.pause();
    }
    previous = previous
      .then(handle)
      .catch(() => undefined) // SessionManager reports its own failures; the chain must go on
      .then(() => {
        waiting--;
        if (paused && waiting <= PAUSE_AT_WAITING / 2) {
          paused = false;
          socket.resume();
        }
      });
  };

  /**
   * Extension `binary_audio` (docs/protocol.md): a chunk, or a provisional request, as a
   * 12-byte header and raw PCM. A bad frame gets its code and changes nothing else: the
   * connection and its sessions go on, as after a bad JSON message.
   */
  const onBinary = (frame: Uint8Array) => {
    const refuse = (code: 'bad_frame' | 'session_not_found', message: string, chunkIndex?: number) => {
      events.note(`bad_frame_${code}`);
      inOrder(() => sessions.sendError(link, code, message, { chunkIndex }));
    };
    const streams = link.streams!;
    if (!streams.negotiated)
      return refuse(
        'bad_frame',
        'binary frame before binary audio was negotiated on this connection: send start with "binary_audio": true and use the "stream" of its ack',
      );
    const decoded = decodeBinaryFrame(frame);
    if (!decoded.ok) return refuse('bad_frame', decoded.message);
    const { stream, chunkIndex, provisional } = decoded.header;
    const sessionId = streams.sessionOf(stream);
    if (sessionId === undefined)
      return refuse(
        'session_not_found',
        `Session not found: stream ${stream} names no open session on this connection (it ended, moved to another connection, or was never assigned)`,
        chunkIndex,
      );
    if (provisional && !sessions.features.includes('provisional'))
      return refuse(
        'bad_frame',
        'binary frame flagged provisional, and this gateway does not offer provisional',
      );
    inOrder(() =>
      sessions.audio(link, { sessionId, chunkIndex, provisional, payload: { pcm: decoded.pcm } }),
    );
  };

  socket.on('message', (data, isBinary) => {
    if (isBinary && binaryOffered) {
      onBinary(binaryBytes(data as Buffer | ArrayBuffer | Buffer[]));
      return;
    }
    const decoded = decodeClientMessage(data as Uint8Array | ArrayBuffer | ArrayBuffer[], isBinary, {
      dialect: sessions.dialect,
      features: sessions.features,
    });
    if (!decoded.ok) {
      const { error } = decoded;
      events.note(`bad_frame_${error.code}`);
      if (error.action === 'provisional') {
        // Its answer must never read as an error about a real chunk of the same index.
        inOrder(() =>
          sessions.provisionalRefused(link, error.code, error.message, error.sessionId, error.chunkIndex),
        );
        return;
      }
      inOrder(() =>
        sessions.sendError(link, error.code, error.message, {
          sessionId: error.sessionId,
          chunkIndex: error.chunkIndex,
        }),
      );
      return;
    }
    const message = decoded.message;
    switch (message.action) {
      case 'start':
        inOrder(() => sessions.start(link, message));
        break;
      case 'finish':
        inOrder(() => sessions.finish(link, message));
        break;
      case 'chunk':
      case 'provisional':
        inOrder(() =>
          sessions.audio(link, {
            sessionId: message.session_id,
            chunkIndex: message.chunk_index,
            provisional: message.action === 'provisional',
            payload: { base64: message.audio_data },
          }),
        );
        break;
    }
  });

  if (socket instanceof GatewaySocket && !options.baseProtocol) {
    // After the replies to every earlier message (see inOrder), before the close.
    socket.beforeOversizeClose = () =>
      new Promise<string>((resolve) =>
        inOrder(() => {
          sessions.sendError(link, 'too_large', tooLargeMessage(options.maxPayloadBytes));
          resolve(`frame larger than ${options.maxPayloadBytes} bytes (--max-payload-bytes)`);
        }),
      );
  }

  socket.on('error', (error: Error & { code?: string }) => {
    // ws reports oversized frames (and closes with 1009) and protocol violations here.
    events.note(`socket_error_${error.code ?? 'other'}`);
  });

  socket.on('close', () => {
    events.note('disconnects');
    sessions.detach(link);
  });

  return link;
}

function binaryBytes(data: Buffer | ArrayBuffer | Buffer[]): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}

/** What a client is told about an oversized frame: the limit, and what it means in audio. */
export function tooLargeMessage(maxPayloadBytes: number): string {
  // base64 of a 16 kHz mono PCM16 WAV: 32,000 bytes per second become 42,667 characters.
  const minutes = (maxPayloadBytes - 1024) / ((32_000 * 4) / 3) / 60;
  return `Frame too large: the limit is ${maxPayloadBytes} bytes (--max-payload-bytes), about ${minutes.toFixed(1)} min of 16 kHz mono audio per chunk; send shorter chunks`;
}
