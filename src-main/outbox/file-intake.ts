// Audio files into the outbox, resumably. A file is cut by the (deterministic) chunker,
// each chunk is appended durably, then the recording is sealed. If the process dies in
// between, the next owner of the outbox finds the recording unsealed and resumes it:
// the file is chunked again, the chunks already stored are checked against the fresh
// ones (appendChunk refuses different audio at an index) and the rest are appended. So
// a recording that was accepted ends up with exactly the chunks of an uninterrupted run.
import { PROTOCOL_SAMPLE_RATE } from '../../src-shared/audio/wav.js';
import { resolve } from 'node:path';
import { abortableSleep } from '../async/abortable-sleep.js';
import { chunkPcm, type ChunkerOptions } from '../audio/chunker.js';
import { OutboxError } from './errors.js';
import type { OutboxStore, Recording } from './store.js';

const SOURCE_PREFIX = 'file:';

export function fileSource(path: string): string {
  return `${SOURCE_PREFIX}${resolve(path)}`;
}

/** The file path of a recording made from a file, else undefined. */
export function sourceFile(source: string): string | undefined {
  return source.startsWith(SOURCE_PREFIX) ? source.slice(SOURCE_PREFIX.length) : undefined;
}

export interface FeedOptions {
  /**
   * Release chunks at `pace` times real time, as a live microphone would (each chunk
   * once its last sample has been "spoken"). Default: as fast as the disk allows.
   */
  pace?: number;
  chunker?: ChunkerOptions;
  signal?: AbortSignal;
  onChunk?: (recordingId: number, index: number, chunkCount: number) => void;
}

/**
 * Appends every chunk of `pcm` that the recording does not hold yet, then seals it.
 * Throws OutboxError('invalid_state') if the stored chunks are not this audio's chunks.
 */
export async function feedRecording(
  store: OutboxStore,
  recordingId: number,
  pcm: Int16Array,
  options: FeedOptions = {},
): Promise<Recording> {
  if (options.pace !== undefined && !(options.pace > 0))
    throw new OutboxError('invalid_input', `pace must be a positive number, got ${String(options.pace)}`);
  const chunks = await chunkPcm(pcm, options.chunker);
  const stored = store.listChunks(recordingId);
  for (const have of stored) {
    const fresh = chunks[have.index];
    if (!fresh || fresh.startSample !== have.startSample || fresh.pcm.length !== have.sampleCount) {
      throw new OutboxError(
        'invalid_state',
        `recording ${recordingId}: stored chunk ${have.index} does not match the audio (the file changed?)`,
      );
    }
  }
  const started = Date.now();
  const resumeAt =
    stored.length > 0 ? stored[stored.length - 1].startSample + stored[stored.length - 1].sampleCount : 0;
  for (const chunk of chunks) {
    if (chunk.index < stored.length) continue;
    if (options.pace !== undefined) {
      // Only the audio after the resume point is "spoken" again.
      const spokenMs =
        ((chunk.startSample + chunk.pcm.length - resumeAt) / PROTOCOL_SAMPLE_RATE / options.pace) * 1000;
      const wait = started + spokenMs - Date.now();
      if (wait > 0) await abortableSleep(wait, options.signal);
    }
    options.signal?.throwIfAborted();
    store.appendChunk(recordingId, chunk);
    options.onChunk?.(recordingId, chunk.index, chunks.length);
  }
  return store.sealRecording(recordingId);
}

export interface OrphanOutcome {
  recording: Recording;
  /** 'resumed': the file's remaining chunks were added; 'sealed': kept what was stored. */
  action: 'resumed' | 'sealed';
  note?: string;
}

/**
 * Unsealed recordings whose producer is gone (the caller holds the owner lock, see
 * owner-lock.ts): file recordings are resumed from their file; any other (a microphone
 * recording of a crashed app) is sealed with the audio it has, since nothing more can
 * come. Without this the uploader would wait forever for their next chunk.
 */
export async function finishOrphans(
  store: OutboxStore,
  readPcm: (path: string) => Promise<Int16Array>,
  options: FeedOptions = {},
): Promise<OrphanOutcome[]> {
  const outcomes: OrphanOutcome[] = [];
  for (const orphan of store.listUploadable().filter((r) => !r.sealed)) {
    const path = sourceFile(orphan.source);
    if (path !== undefined) {
      try {
        const pcm = await readPcm(path);
        outcomes.push({
          recording: await feedRecording(store, orphan.id, pcm, { ...options, pace: undefined }),
          action: 'resumed',
        });
        continue;
      } catch (error) {
        if (error instanceof OutboxError && error.code !== 'invalid_state') throw error; // disk trouble: stop here
        const reason = error instanceof Error ? error.message : String(error);
        outcomes.push({
          recording: store.sealRecording(orphan.id),
          action: 'sealed',
          note: `could not resume from ${path} (${reason}); kept the ${orphan.chunkCount} chunk(s) already stored`,
        });
        continue;
      }
    }
    outcomes.push({
      recording: store.sealRecording(orphan.id),
      action: 'sealed',
      note: `its recorder stopped; kept the ${orphan.chunkCount} chunk(s) stored`,
    });
  }
  return outcomes;
}
