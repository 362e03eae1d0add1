// History in the API: the outbox's recordings as the History view lists, plays and exports them.
import { z } from 'zod';
import { bytesSchema, idSchema, recordingRef, textFileSchema, timestampSchema } from './common.js';

/** Lifecycle of a recording in the outbox, as the History view names it. */
export const HISTORY_STATES = ['recording', 'queued', 'uploading', 'waiting', 'done', 'failed'] as const;
export const historyStateSchema = z.enum(HISTORY_STATES);
export type HistoryState = z.infer<typeof historyStateSchema>;

export const historyItemSchema = z.object({
  recordingId: idSchema,
  createdAt: timestampSchema,
  durationMs: z.number().nonnegative(),
  state: historyStateSchema,
  /** The final text when done, otherwise the chunk texts known so far. */
  text: z.string(),
  /** Set when state is `failed`. */
  failureReason: z.string().optional(),
  /** Gateway URL the recording goes (or went) to. */
  gatewayUrl: z.string().optional(),
  chunkCount: z.number().int().nonnegative(),
});
export type HistoryItem = z.infer<typeof historyItemSchema>;

export const CHUNK_STATES = ['pending', 'sent', 'acked', 'done', 'failed'] as const;
export const chunkInfoSchema = z.object({
  index: z.number().int().nonnegative(),
  /** Position of the chunk inside the recording's audio, for waveform regions. */
  startMs: z.number().nonnegative(),
  endMs: z.number().nonnegative(),
  state: z.enum(CHUNK_STATES),
  text: z.string().optional(),
});
export type ChunkInfo = z.infer<typeof chunkInfoSchema>;

export const historyDetailSchema = historyItemSchema.extend({
  chunks: z.array(chunkInfoSchema),
  sessionId: z.string().optional(),
  /** true when the gateway's merge timed out and the final text may miss a chunk. */
  partial: z.boolean().optional(),
});
export type HistoryDetail = z.infer<typeof historyDetailSchema>;

export const EXPORT_FORMATS = ['txt', 'srt', 'json'] as const;
export const exportFormatSchema = z.enum(EXPORT_FORMATS);
export type ExportFormat = z.infer<typeof exportFormatSchema>;

export const historyCalls = {
  // History: newest first.
  'history.list': {
    input: z
      .object({
        search: z.string().max(200).optional(),
        limit: z.number().int().min(1).max(500).default(50),
        /** Cursor: only items created strictly before this time. */
        before: timestampSchema.optional(),
      })
      .strict(),
    output: z.object({ items: z.array(historyItemSchema) }),
  },
  'history.get': { input: recordingRef, output: historyDetailSchema },
  /** The whole recording as a 16 kHz mono WAV, for waveform and playback. */
  'history.audio': { input: recordingRef, output: z.object({ wav: bytesSchema }) },
  'history.chunks': { input: recordingRef, output: z.object({ chunks: z.array(chunkInfoSchema) }) },
  'history.export': {
    input: z.object({ recordingId: idSchema, format: z.enum(EXPORT_FORMATS) }).strict(),
    output: textFileSchema,
  },
  /** Uploads the stored audio again as a new gateway session. */
  'history.retranscribe': { input: recordingRef, output: z.object({ recordingId: idSchema }) },
  /** Deletes audio and text. */
  'history.delete': { input: recordingRef, output: z.object({ deleted: z.boolean() }) },
} as const;

export const historyEvents = {
  /** A history entry changed state or text (upload progress, final result, deletion). */
  'history.changed': z.object({ recordingId: idSchema, item: historyItemSchema.nullable() }),
} as const;
