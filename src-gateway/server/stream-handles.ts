// Extension `binary_audio`: the stream handles of one connection. A session started with
// `binary_audio: true` gets a small integer on its start ack; its binary frames carry that
// integer instead of the session id (docs/protocol.md, "binary_audio"). Handles are local
// to the connection and never reused on it, so a stale one can only miss, never name
// another session.
import { BINARY_MAX_U32 } from '../../src-shared/protocol/binary-frame.js';

export class StreamHandles {
  private next = 1;
  private readonly byHandle = new Map<number, string>();
  private readonly bySession = new Map<string, number>();

  /** Whether this connection was ever given a handle: before that, a binary frame is premature. */
  get negotiated(): boolean {
    return this.next > 1;
  }

  /** The session's handle on this connection (the same one again on a repeated start). */
  assign(sessionId: string): number | undefined {
    const known = this.bySession.get(sessionId);
    if (known !== undefined) return known;
    // 4 billion sessions on one connection: past that its sessions send JSON.
    if (this.next > BINARY_MAX_U32) return undefined;
    const handle = this.next++;
    this.byHandle.set(handle, sessionId);
    this.bySession.set(sessionId, handle);
    return handle;
  }

  sessionOf(handle: number): string | undefined {
    return this.byHandle.get(handle);
  }

  /**
   * The session ended (final result), moved to another connection or was forgotten: its
   * handle misses from now on, and the table stays as small as the open sessions.
   */
  release(sessionId: string): void {
    const handle = this.bySession.get(sessionId);
    if (handle === undefined) return;
    this.bySession.delete(sessionId);
    this.byHandle.delete(handle);
  }

  get size(): number {
    return this.byHandle.size;
  }
}
