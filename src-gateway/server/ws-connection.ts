// One client connection: decodes each frame strictly and hands valid messages to the
// SessionManager. A bad frame gets an error with its code and the connection stays
// usable; nothing a client sends can throw out of here.
import type { WebSocket } from 'ws';
import { decodeClientMessage } from '../../src-shared/protocol/codec.js';
import type { RepeatedEvents } from '../logging.js';
import type { Reply } from './replies.js';
import type { ClientLink, SessionManager } from './session-manager.js';

let nextLinkId = 1;

/**
 * A client that stops reading must not make the gateway buffer results for it without
 * end: past this many unsent bytes it is dropped (it can resume on a new connection).
 */
const MAX_BUFFERED_BYTES = 32 * 1024 * 1024;

export function handleConnection(
  socket: WebSocket,
  sessions: SessionManager,
  events: RepeatedEvents,
): ClientLink {
  const link: ClientLink = {
    id: nextLinkId++,
    isOpen: () => socket.readyState === socket.OPEN,
    send: (reply: Reply) => {
      if (socket.readyState !== socket.OPEN) return;
      if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
        events.note('slow_consumers_dropped');
        socket.terminate();
        return;
      }
      socket.send(JSON.stringify(reply));
    },
  };

  socket.on('message', (data, isBinary) => {
    const decoded = decodeClientMessage(data as Uint8Array | ArrayBuffer | ArrayBuffer[], isBinary);
    if (!decoded.ok) {
      const { error } = decoded;
      events.note(`bad_frame_${error.code}`);
      sessions.sendError(link, error.code, error.message, {
        sessionId: error.sessionId,
        chunkIndex: error.chunkIndex,
      });
      return;
    }
    const message = decoded.message;
    switch (message.action) {
      case 'start':
        void sessions.start(link, message);
        break;
      case 'chunk':
        void sessions.chunk(link, message);
        break;
      case 'finish':
        void sessions.finish(link, message);
        break;
    }
  });

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
