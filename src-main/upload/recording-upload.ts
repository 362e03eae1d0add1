// Delivers ONE recording from the outbox over its own protocol session, until the final
// transcript is stored or a permanent error fails it. Chunks go out as soon as they are
// durable (a live recording streams while the user speaks). When the connection drops,
// the same session_id is started again: an Earshot gateway answers `session_resumed`
// with the chunks it already holds and only the others are resent; a base gateway
// answers `session_started` (it replaced the session), so every chunk is resent. Against a
// base gateway the old connection is let go first, and fully (ProtocolClient.release): it
// must never see one session on two live connections (docs/interop.md).
import type { ServerMessage } from '../../src-shared/protocol/messages.js';
import type { OutboxStore, Recording } from '../outbox/store.js';
import type { ProtocolClient } from '../protocol-client/client.js';
import { ConnectError, ConnectionClosedError, ServerError } from '../protocol-client/errors.js';
import { ResultTracker } from '../protocol-client/result-tracker.js';
import type { Connector } from './connector.js';
import type { LivePreviews } from './live-previews.js';
import { abortableSleep } from '../async/abortable-sleep.js';
import { startWhenAdmitted } from '../protocol-client/admitted-start.js';
import { Backoff, DEFAULT_BACKOFF } from '../../src-shared/backoff.js';

export interface RecordingUploadContext {
  store: OutboxStore;
  connector: Connector;
  signal: AbortSignal;
  ackTimeoutMs: number;
  finalTimeoutMs: number;
  /** How long to wait for every chunk_result before sending `finish` anyway. */
  resultsTimeoutMs: number;
  /** A base gateway gets `finish` once results have stopped coming this long. */
  resultsGraceMs: number;
  /** Chunks awaiting their ack at once on one connection. */
  maxInFlight: number;
  /** Where a live session is offered for previews of the open chunk (docs/protocol.md, "Extensions"). */
  previews?: LivePreviews;
  /** Resolves when the store reports a change to this recording, or after a poll interval. */
  waitForChange(recordingId: number, signal: AbortSignal): Promise<void>;
  onEvent?: (event: UploadEvent) => void;
}

export type UploadEvent =
  | { type: 'session'; recordingId: number; url: string; resumed: boolean; alreadyReceived: number }
  | { type: 'message'; recordingId: number; message: ServerMessage }
  | { type: 'dropped'; recordingId: number; reason: string }
  /** The gateway said busy at `start`: waiting at its door, nothing uploaded meanwhile. */
  | { type: 'waiting'; recordingId: number; waitMs: number; reason: string }
  /** A connect or health probe for this recording failed; the next one is at nextAttemptAt. */
  | {
      type: 'retrying';
      recordingId: number;
      url: string;
      reason: string;
      nextAttemptAt: number;
      offline: boolean;
    }
  | { type: 'done'; recordingId: number; text: string; partial: boolean; missingChunks: number[] }
  | { type: 'failed'; recordingId: number; reason: string };

export type UploadOutcome = 'done' | 'failed' | 'gone';

const isFinished = (recording: Recording | undefined) =>
  !recording || recording.state === 'done' || recording.state === 'failed';

function describe(error: unknown): string {
  if (error instanceof ServerError) return `${error.code ?? 'error'}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

export async function uploadRecording(
  recordingId: number,
  ctx: RecordingUploadContext,
): Promise<UploadOutcome> {
  const { store, connector, signal } = ctx;
  for (;;) {
    signal.throwIfAborted();
    const recording = store.getRecording(recordingId);
    if (isFinished(recording)) return recording?.state === 'done' ? 'done' : 'gone';
    if (!recording!.sealed && recording!.chunkCount === 0 && !ctx.previews?.wanted(recordingId)) {
      // Nothing to send yet: do not hold a connection for a recording that has not spoken
      // (one whose first chunk is open, for live text, has).
      await ctx.waitForChange(recordingId, signal);
      continue;
    }
    let client: ProtocolClient;
    try {
      client = await connector.connect(signal);
    } catch (error) {
      if (error instanceof ConnectError && error.permanent)
        return fail(recordingId, ctx, `unauthorized: ${error.message}`);
      throw error; // aborted
    }
    try {
      await runSession(client, recording!, ctx);
      await client.close();
      return isFinished(store.getRecording(recordingId)) ? 'done' : 'gone';
    } catch (error) {
      if (signal.aborted) await client.close(true);
      else await client.release({ signal });
      signal.throwIfAborted();
      if (
        (error instanceof ServerError && error.permanent) ||
        (error instanceof ConnectError && error.permanent)
      ) {
        return fail(recordingId, ctx, describe(error));
      }
      if (error instanceof ServerError && error.retryAfterMs !== undefined)
        connector.requireDelay(error.retryAfterMs);
      const reason = describe(error);
      ctx.onEvent?.({ type: 'dropped', recordingId, reason });
      if (store.getRecording(recordingId)?.sealed) store.setState(recordingId, 'queued');
      await connector.pauseAfterDrop(reason, signal);
    }
  }
}

function fail(recordingId: number, ctx: RecordingUploadContext, reason: string): UploadOutcome {
  ctx.store.markFailed(recordingId, reason);
  ctx.onEvent?.({ type: 'failed', recordingId, reason });
  return 'failed';
}

/** Rejects when the connection closes or the gateway reports a session-level error. */
function watchSession(client: ProtocolClient): { broken: Promise<never>; dispose(): void } {
  let dispose = () => {};
  const broken = new Promise<never>((_, reject) => {
    const onClose = ({ code, reason }: { code: number; reason: string }) =>
      reject(new ConnectionClosedError(`connection closed (${code}${reason ? ` ${reason}` : ''})`, code));
    const onError = (error: ServerError) => {
      if (
        error.chunkIndex === undefined &&
        (error.code === 'unauthorized' || error.code === 'session_not_found' || error.code === 'internal')
      )
        reject(error);
    };
    client.on('close', onClose);
    client.on('server_error', onError);
    dispose = () => {
      client.off('close', onClose);
      client.off('server_error', onError);
    };
  });
  broken.catch(() => {}); // observed through races below
  return { broken, dispose: () => dispose() };
}

async function runSession(
  client: ProtocolClient,
  recording: Recording,
  ctx: RecordingUploadContext,
): Promise<void> {
  const { store, signal } = ctx;
  const id = recording.id;
  const onMessage = (message: ServerMessage) => ctx.onEvent?.({ type: 'message', recordingId: id, message });
  const onResult = (message: { chunk_index: number; text?: string }) => {
    try {
      store.saveChunkResult(id, message.chunk_index, message.text ?? '');
    } catch {
      // The store could not take it (disk full...): this runs inside the socket's message
      // handler, so never throw here. Drop the connection instead; the resumed session gets
      // every known result sent again.
      void client.close(true);
    }
  };
  client.on('message', onMessage);
  client.on('chunk_result', onResult);
  const tracker = new ResultTracker(client);
  const session = watchSession(client);
  const onAbort = () => void client.close(true);
  signal.addEventListener('abort', onAbort, { once: true });
  let detachPreviews = () => {};
  try {
    const start = await Promise.race([
      // A gateway that admits by expected wait may say busy here: wait at its door rather
      // than upload audio it would refuse. A sealed recording declares what it holds.
      startWhenAdmitted(client, recording.sessionId, {
        timeoutMs: ctx.ackTimeoutMs,
        expectedSeconds: recording.sealed ? recording.audioSeconds : undefined,
        signal,
        onBusy: (waitMs, error) =>
          ctx.onEvent?.({ type: 'waiting', recordingId: id, waitMs, reason: error.message }),
      }),
      session.broken,
    ]);
    ctx.connector.markHealthy();
    // Only a gateway that announced provisional requests is ever sent one.
    if (ctx.previews && !recording.sealed) detachPreviews = ctx.previews.attach(id, client);
    const acked = new Set<number>(start.resumed ? start.received : []);
    ctx.onEvent?.({
      type: 'session',
      recordingId: id,
      url: client.url,
      resumed: start.resumed,
      alreadyReceived: acked.size,
    });
    if (recording.sealed) store.setState(id, 'uploading');

    for (;;) {
      signal.throwIfAborted();
      // Read the recording before its chunks: if it was sealed then, the list is complete.
      const current = store.getRecording(id);
      if (isFinished(current)) return;
      const pending = store.listChunks(id).filter((chunk) => !acked.has(chunk.index));
      if (pending.length > 0) {
        await Promise.race([
          sendAll(
            client,
            id,
            pending.map((c) => c.index),
            acked,
            ctx,
          ),
          session.broken,
        ]);
        continue;
      }
      if (current!.sealed) break;
      await Promise.race([ctx.waitForChange(id, signal), session.broken]);
    }

    detachPreviews(); // sealed: no chunk is open any more
    store.setState(id, 'awaiting_results');
    // `finish` only once every chunk has its result on this session (an Earshot gateway
    // sends the known ones again on resume): a gateway's merge gives up after a while and
    // would send a partial transcript while recognition is merely slow. Bounded, also
    // against a base gateway that never answers a failed chunk.
    const indexes = store.listChunks(id).map((chunk) => chunk.index);
    await Promise.race([
      tracker.waitFor(indexes, { graceMs: ctx.resultsGraceMs, timeoutMs: ctx.resultsTimeoutMs, signal }),
      session.broken,
    ]);
    if (isFinished(store.getRecording(id))) return;
    const final = await Promise.race([client.finish({ timeoutMs: ctx.finalTimeoutMs }), session.broken]);
    const text = final.text ?? '';
    const { partial, missingChunks } = tracker.coverage(final, indexes);
    store.saveFinal(id, { text, partial });
    ctx.onEvent?.({ type: 'done', recordingId: id, text, partial, missingChunks });
  } finally {
    detachPreviews();
    signal.removeEventListener('abort', onAbort);
    tracker.dispose();
    session.dispose();
    client.off('message', onMessage);
    client.off('chunk_result', onResult);
  }
}

/** Sends chunks with at most maxInFlight awaiting acks; a `busy` chunk waits and goes again. */
async function sendAll(
  client: ProtocolClient,
  id: number,
  indexes: number[],
  acked: Set<number>,
  ctx: RecordingUploadContext,
): Promise<void> {
  const queue = [...indexes];
  const worker = async () => {
    for (let index = queue.shift(); index !== undefined; index = queue.shift()) {
      const wav = ctx.store.chunkWav(id, index);
      const busyBackoff = new Backoff(DEFAULT_BACKOFF);
      for (;;) {
        try {
          await client.sendChunk(index, wav, { timeoutMs: ctx.ackTimeoutMs });
          acked.add(index);
          break;
        } catch (error) {
          // Admission said "not now" for this chunk: the connection is fine, wait and resend.
          if (
            error instanceof ServerError &&
            error.code === 'busy' &&
            error.chunkIndex !== undefined &&
            client.isOpen
          ) {
            await abortableSleep(busyBackoff.next(error.retryAfterMs ?? 0), ctx.signal);
            continue;
          }
          throw error;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(ctx.maxInFlight, indexes.length) }, worker));
}
