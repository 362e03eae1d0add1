// Live text while speaking (docs/protocol.md, "Extensions": provisional). The uploader
// registers each recording's live session here while its gateway announced provisional
// requests; dictation offers the audio of the chunk still open, and hears back the
// provisional text. Nothing here goes through the outbox: the text is disposable, and
// the same audio reaches the gateway as a real chunk once the chunk closes, so nothing is
// lost when a preview is dropped, times out or finds no live session.
import { EventEmitter } from 'node:events';
import { encodeWav } from '../../src-shared/audio/wav.js';
import { PROTOCOL_SAMPLE_RATE } from '../../src-shared/audio/wav.js';
import { PROVISIONAL_MAX_SECONDS } from '../../src-shared/protocol/messages.js';
import type { ProtocolClient } from '../protocol-client/client.js';

export interface ProvisionalText {
  recordingId: number;
  /** The open chunk the text previews; its real result replaces it. */
  chunkIndex: number;
  text: string;
}

export interface LivePreviewEvents {
  text: [ProvisionalText];
  /** A recording has speech in an open chunk: its session is wanted before its first chunk. */
  wanted: [recordingId: number];
}

/** A preview unanswered this long is given up (the gateway answers every one, but links die). */
const PREVIEW_TIMEOUT_MS = 10_000;

export class LivePreviews extends EventEmitter<LivePreviewEvents> {
  private readonly live = new Map<number, { client: ProtocolClient; pending: boolean }>();
  private readonly wantedIds = new Set<number>();
  /** Previews sent and answered with text, for tests and diagnostics. */
  readonly counts = { sent: 0, texts: 0, dropped: 0 };

  /**
   * The uploader's session for `recordingId` is live on `client`. Registered only when
   * its gateway announced provisional requests; returns the function that unregisters it.
   */
  attach(recordingId: number, client: ProtocolClient): () => void {
    if (!client.supports('provisional')) return () => {};
    const entry = { client, pending: false };
    this.live.set(recordingId, entry);
    return () => {
      if (this.live.get(recordingId) === entry) this.live.delete(recordingId);
    };
  }

  /**
   * Dictation has speech in an open chunk of `recordingId`: the uploader opens its session
   * now rather than at the first chunk, so the first sentence has live text too.
   */
  want(recordingId: number): void {
    if (this.wantedIds.has(recordingId)) return;
    this.wantedIds.add(recordingId);
    this.emit('wanted', recordingId);
  }

  wanted(recordingId: number): boolean {
    return this.wantedIds.has(recordingId);
  }

  /** The recording stopped taking audio: no more previews for it. */
  forget(recordingId: number): void {
    this.wantedIds.delete(recordingId);
  }

  /** Whether a preview of this recording could be sent now (a live session, none pending). */
  ready(recordingId: number): boolean {
    const entry = this.live.get(recordingId);
    return entry !== undefined && !entry.pending && entry.client.isOpen;
  }

  /**
   * Sends the open chunk's audio for a preview; false (nothing sent) without a live
   * session that announced it, while the previous preview is unanswered, or for more
   * audio than a provisional request may carry.
   */
  offer(recordingId: number, chunkIndex: number, pcm: Int16Array): boolean {
    const entry = this.live.get(recordingId);
    if (!entry || entry.pending || !entry.client.isOpen) return false;
    if (pcm.length === 0 || pcm.length > PROVISIONAL_MAX_SECONDS * PROTOCOL_SAMPLE_RATE) return false;
    entry.pending = true;
    this.counts.sent++;
    entry.client
      .sendProvisional(chunkIndex, encodeWav(pcm), { timeoutMs: PREVIEW_TIMEOUT_MS })
      .then(
        (answer) => {
          if (answer.code !== undefined || answer.text === undefined) {
            this.counts.dropped++;
            return;
          }
          this.counts.texts++;
          this.emit('text', { recordingId, chunkIndex, text: answer.text });
        },
        () => {
          this.counts.dropped++; // closed or timed out: the real chunk still carries the audio
        },
      )
      .finally(() => {
        entry.pending = false;
      });
    return true;
  }
}
