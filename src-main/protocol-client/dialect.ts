// Which kind of gateway is on the other end, learnt from one reply (docs/interop.md, "Our
// clients against a base gateway"). Shared by the protocol client and the stress sessions,
// which read replies without it.
import { ACK_STATUS, type ServerMessage } from '../../src-shared/protocol/messages.js';

/**
 * The kind of gateway on the other end, learnt from its replies: 'earshot' once a reply
 * carries an extension (session_id on a chunk ack, a code on an error, a resume...),
 * 'base' once one lacks what an Earshot gateway always sends; 'unknown' until then.
 */
export type GatewayDialect = 'unknown' | 'earshot' | 'base';

/** What this reply says about the dialect, if anything. */
export function dialectOf(message: ServerMessage): 'earshot' | 'base' | undefined {
  switch (message.type) {
    case 'error':
      return message.code !== undefined ? 'earshot' : 'base';
    case 'ack':
      if (message.status === ACK_STATUS.sessionResumed || message.received || message.features)
        return 'earshot';
      if (message.status === ACK_STATUS.received || message.status === ACK_STATUS.duplicate)
        return message.session_id !== undefined ? 'earshot' : 'base';
      // A Go struct writes chunk_index even where it means nothing; an Earshot start ack has none.
      return message.chunk_index !== undefined ? 'base' : undefined;
    case 'final_result':
      return message.audio_seconds !== undefined ? 'earshot' : 'base';
    case 'chunk_result':
      return message.code !== undefined ? 'earshot' : undefined;
    case 'provisional_result':
      return 'earshot';
  }
}
