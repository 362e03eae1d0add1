// Which chunks of a session got a result on one connection, and how long to wait for the
// rest before sending `finish`. An Earshot gateway answers every chunk (a failed one with
// a code), so only the overall timeout bounds the wait. A base gateway sends nothing for
// a chunk whose recognition failed (docs/interop.md), so there the wait also ends once no
// result has come for a grace period: its own merge still waits for chunks in progress.
//
// The same record says whether a final_result covers the whole recording. A base gateway's
// chunk_count counts refused and failed chunks too, so it cannot say that alone: a chunk
// without a text result before the final is a chunk the final does not cover.
import type { ChunkResultMessage, FinalResultMessage } from '../../src-shared/protocol/messages.js';
import type { ProtocolClient } from './client.js';

/** Default pause in results after which a base gateway gets `finish` anyway. */
export const DEFAULT_RESULTS_GRACE_MS = 10_000;

export interface Coverage {
  /** The final leaves something out: merge timeout, failed or unanswered chunks. */
  partial: boolean;
  /** Chunks sent that have no text result in this session, ascending. */
  missingChunks: number[];
}

export interface WaitForResultsOptions {
  /** Base gateways: stop waiting once no result has come for this long. */
  graceMs: number;
  /** Overall bound, whatever the gateway. */
  timeoutMs: number;
  signal?: AbortSignal;
}

export class ResultTracker {
  /** Chunks with a text result (possibly empty). */
  readonly answered = new Set<number>();
  /** Chunks the gateway said it could not recognise (a result with a code). */
  readonly failed = new Set<number>();
  private lastResultAt = 0;
  private readonly onResult = (message: ChunkResultMessage) => {
    if (message.code !== undefined) this.failed.add(message.chunk_index);
    else this.answered.add(message.chunk_index);
    this.lastResultAt = Date.now();
  };

  constructor(private readonly client: ProtocolClient) {
    client.on('chunk_result', this.onResult);
  }

  dispose(): void {
    this.client.off('chunk_result', this.onResult);
  }

  private hasResult(index: number): boolean {
    return this.answered.has(index) || this.failed.has(index);
  }

  /**
   * Resolves once every chunk in `indexes` has a result, the connection closes, the
   * timeout passes or, against a gateway not known to be an Earshot one, results have
   * stopped coming for the grace period. Rejects only with the signal's reason.
   */
  async waitFor(indexes: readonly number[], options: WaitForResultsOptions): Promise<void> {
    const began = Date.now();
    const deadline = began + options.timeoutMs;
    for (;;) {
      options.signal?.throwIfAborted();
      if (indexes.every((index) => this.hasResult(index)) || !this.client.isOpen) return;
      const graceEnds =
        this.client.dialect === 'earshot' ? Infinity : Math.max(began, this.lastResultAt) + options.graceMs;
      const wakeAt = Math.min(deadline, graceEnds);
      if (Date.now() >= wakeAt) return;
      await this.nextEvent(wakeAt - Date.now(), options.signal);
    }
  }

  /** What `final` covers of the chunks sent (see the file comment). */
  coverage(final: FinalResultMessage, sent: readonly number[]): Coverage {
    const missingChunks = [...new Set(sent)]
      .filter((index) => !this.answered.has(index))
      .sort((a, b) => a - b);
    const countShort = final.chunk_count !== undefined && final.chunk_count < new Set(sent).size;
    return { partial: final.partial === true || missingChunks.length > 0 || countShort, missingChunks };
  }

  /** A result, the close, the abort, or `ms` passing: whichever comes first. */
  private nextEvent(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.client.off('chunk_result', done);
        this.client.off('close', done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.client.on('chunk_result', done);
      this.client.on('close', done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}
