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
  /**
   * What the recording says: the user's edit where there is one, else the final text when
   * done, else the chunk texts known so far.
   */
  text: z.string(),
  /** Set only when the user edited the text: what the gateway recognised, kept beside the edit. */
  recognisedText: z.string().optional(),
  /** When the user last edited the text (set with recognisedText). */
  editedAt: timestampSchema.optional(),
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

export const EXPORT_FORMATS = ['txt', 'md', 'srt', 'vtt', 'json'] as const;
export const exportFormatSchema = z.enum(EXPORT_FORMATS);
export type ExportFormat = z.infer<typeof exportFormatSchema>;
/**
 * Formats a selection of recordings is exported in, as one file. Subtitles (SRT, VTT) are
 * timed to one recording's audio, so they are exported recording by recording.
 */
export const COMBINED_EXPORT_FORMATS = ['txt', 'md', 'json'] as const;
export type CombinedExportFormat = (typeof COMBINED_EXPORT_FORMATS)[number];
/** The longest edited text: about an hour of speech ten times over. */
export const MAX_EDITED_TEXT = 200_000;
/** The most recordings one combined export takes (the History list's page bound). */
export const MAX_EXPORT_SELECTION = 500;

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
    input: z.object({ recordingId: idSchema, format: exportFormatSchema }).strict(),
    output: textFileSchema,
  },
  /** Several recordings as one file, oldest first (docs/dictation.md, "Export"). */
  'history.exportSelection': {
    input: z
      .object({
        recordingIds: z
          .array(idSchema)
          .min(1, 'select at least one recording')
          .max(MAX_EXPORT_SELECTION, `select at most ${MAX_EXPORT_SELECTION} recordings`)
          .refine((ids) => new Set(ids).size === ids.length, 'a recording is selected twice'),
        format: z.enum(COMBINED_EXPORT_FORMATS, {
          error: 'a selection is exported as txt, md or json; subtitles (srt, vtt) one recording at a time',
        }),
      })
      .strict(),
    output: textFileSchema,
  },
  /**
   * Edits a finished recording's text. The edit is kept beside what was recognised, which
   * is never overwritten; `text: null` (or the recognised text itself) goes back to it.
   */
  'history.edit': {
    input: z
      .object({
        recordingId: idSchema,
        text: z
          .string()
          .max(MAX_EDITED_TEXT, `the text is longer than ${MAX_EDITED_TEXT} characters`)
          .refine(
            (t) => t.trim() !== '',
            'the text must not be empty; revert to the recognised text or delete the recording',
          )
          .nullable(),
      })
      .strict(),
    output: historyItemSchema,
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
