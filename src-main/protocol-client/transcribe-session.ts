// One whole recording over one protocol session, for one-shot callers (`earshot
// transcribe`): connect, start, send every chunk (pipelined, each awaited for its ack),
// finish, and return the final text. A chunk refused as `busy` is sent again after the
// server's retry_after_ms; other failures end the attempt with a clear error. Every wait is
// bounded, also against a base gateway that never answers a failed chunk (docs/interop.md);
// the result says when the final leaves chunks out. The durable, reconnecting path for
// recordings is the Uploader (src-main/upload/).
import { randomUUID } from 'node:crypto';
import { PROTOCOL_SAMPLE_RATE, encodeWav } from '../../src-shared/audio/wav.js';
import { Backoff, DEFAULT_BACKOFF } from '../../src-shared/backoff.js';
import type { FinalResultMessage, ServerMessage } from '../../src-shared/protocol/messages.js';
import type { Chunk } from '../audio/chunker.js';
import { startWhenAdmitted } from './admitted-start.js';
import { ProtocolClient } from './client.js';
import { AckTimeoutError, ConnectError, ServerError } from './errors.js';
import { DEFAULT_RESULTS_GRACE_MS, ResultTracker, type Coverage } from './result-tracker.js';

export interface TranscribeOptions {
  token?: string;
  /** Called with every server message as it arrives. */
  onMessage?: (message: ServerMessage) => void;
  ackTimeoutMs?: number;
  finalTimeoutMs?: number;
  /** How many times one chunk may go unacknowledged before giving up. */
  maxChunkAttempts?: number;
  /** How long one chunk may keep being refused as busy before giving up. Default 10 min. */
  busyTimeoutMs?: number;
  /** Chunks sent but not yet recognised at most; keeps a long file from flooding the gateway's backlog. Default 8. */
  maxAhead?: number;
  /** How many times a 503 at connect is waited out. */
  maxConnectAttempts?: number;
  sessionId?: string;
  /** How long to wait for every chunk_result before sending `finish` anyway. Default 10 min. */
  resultsTimeoutMs?: number;
  /** A base gateway gets `finish` once results have stopped coming this long. Default 10 s. */
  resultsGraceMs?: number;
}

export interface TranscribeResult extends Coverage {
  sessionId: string;
  text: string;
  final: FinalResultMessage;
  /** chunk_result texts by index (what arrived before the final). */
  chunkTexts: Map<number, string>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function connectWithRetry(url: string, options: TranscribeOptions): Promise<ProtocolClient> {
  const backoff = new Backoff(DEFAULT_BACKOFF);
  const attempts = options.maxConnectAttempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    try {
      return await ProtocolClient.connect(url, { token: options.token });
    } catch (error) {
      // Only an explicit "busy" is worth waiting for in a one-shot command.
      if (!(error instanceof ConnectError) || error.kind !== 'busy' || attempt >= attempts) throw error;
      await sleep(backoff.next(error.retryAfterMs ?? 0));
    }
  }
}

async function sendWithRetry(
  client: ProtocolClient,
  chunk: Chunk,
  options: TranscribeOptions,
): Promise<void> {
  const wav = encodeWav(chunk.pcm);
  const backoff = new Backoff(DEFAULT_BACKOFF);
  const attempts = options.maxChunkAttempts ?? 8;
  const busyUntil = Date.now() + (options.busyTimeoutMs ?? 600_000);
  for (let attempt = 1; ; attempt++) {
    try {
      await client.sendChunk(chunk.index, wav, { timeoutMs: options.ackTimeoutMs });
      return;
    } catch (error) {
      const busy = error instanceof ServerError && error.code === 'busy';
      // The gateway said when to come back: that is not a failure, wait as told.
      if (busy && client.isOpen && Date.now() < busyUntil) {
        await sleep(backoff.next(error.retryAfterMs ?? 0));
        attempt--;
        continue;
      }
      if (!(error instanceof AckTimeoutError) || attempt >= attempts || !client.isOpen) throw error;
      await sleep(backoff.next());
    }
  }
}

/**
 * Lets at most `size` chunks be in the gateway (sent, no result yet) at once. A slot is
 * held by its chunk index and given back once, whatever gives it back first.
 */
class ResultWindow {
  private readonly held = new Set<number>();
  private readonly waiting: Array<{ index: number; enter(): void }> = [];
  constructor(private readonly size: number) {}

  acquire(index: number): Promise<void> {
    if (this.held.size < this.size) {
      this.held.add(index);
      return Promise.resolve();
    }
    return new Promise((enter) => this.waiting.push({ index, enter }));
  }

  release(index: number): void {
    if (!this.held.delete(index)) return;
    const next = this.waiting.shift();
    if (!next) return;
    this.held.add(next.index);
    next.enter();
  }

  /** The connection is gone: let every waiter run into the closed connection's error. */
  releaseAll(): void {
    for (const next of this.waiting.splice(0)) next.enter();
  }
}

export async function transcribeChunks(
  url: string,
  chunks: readonly Chunk[],
  options: TranscribeOptions = {},
): Promise<TranscribeResult> {
  const client = await connectWithRetry(url, options);
  const chunkTexts = new Map<number, string>();
  const tracker = new ResultTracker(client);
  client.on('message', (message) => options.onMessage?.(message));
  client.on('chunk_result', (message) => chunkTexts.set(message.chunk_index, message.text ?? ''));
  try {
    const sessionId = options.sessionId ?? randomUUID();
    const expectedSeconds = chunks.reduce((sum, chunk) => sum + chunk.pcm.length, 0) / PROTOCOL_SAMPLE_RATE;
    await startWhenAdmitted(client, sessionId, {
      expectedSeconds,
      giveUpAfterMs: options.busyTimeoutMs ?? 600_000,
    });
    const window = new ResultWindow(options.maxAhead ?? 8);
    client.on('chunk_result', (message) => window.release(message.chunk_index));
    client.on('close', () => window.releaseAll());
    await Promise.all(
      chunks.map(async (chunk) => {
        await window.acquire(chunk.index);
        await sendWithRetry(client, chunk, options);
        // Only an Earshot gateway answers every chunk: a base one says nothing for a failed
        // chunk, so there a slot comes back with the ack (their own clients send everything).
        if (client.dialect !== 'earshot') window.release(chunk.index);
      }),
    );
    // `finish` only once every chunk has its result: a gateway's merge gives up after a
    // while (60 s in the base system) and would send a partial transcript if recognition
    // is slow; waiting here makes the final complete however loaded the gateway is.
    const indexes = chunks.map((chunk) => chunk.index);
    await tracker.waitFor(indexes, {
      graceMs: options.resultsGraceMs ?? DEFAULT_RESULTS_GRACE_MS,
      timeoutMs: options.resultsTimeoutMs ?? 600_000,
    });
    const final = await client.finish({ timeoutMs: options.finalTimeoutMs });
    // The final text is authoritative (a late chunk_result does not change it); a base
    // gateway omits empty text.
    return { sessionId, text: final.text ?? '', final, chunkTexts, ...tracker.coverage(final, indexes) };
  } finally {
    tracker.dispose();
    await client.close();
  }
}
