// Dictation in the API: its state, its calls (start, push audio batches, stop) and the
// live text events.
import { z } from 'zod';
import { emptyInput, idSchema, timestampSchema } from './common.js';

export const DICTATION_STATES = ['idle', 'recording', 'finishing', 'done', 'failed'] as const;
export const dictationStateSchema = z.enum(DICTATION_STATES);
export type DictationState = z.infer<typeof dictationStateSchema>;

export const dictationStatusSchema = z.object({
  state: dictationStateSchema,
  dictationId: idSchema.optional(),
  /** The history entry the dictation writes to (same id as the outbox recording). */
  recordingId: idSchema.optional(),
  startedAt: timestampSchema.optional(),
  /** Audio received so far, in milliseconds of 16 kHz samples. */
  audioMs: z.number().nonnegative(),
  /** Why the state is `failed`. */
  reason: z.string().optional(),
  /**
   * Set when main stopped the dictation itself because nobody spoke for the Settings'
   * silence (autoStopSilenceSec), on the state that follows the stop.
   */
  autoStopped: z.object({ silenceSec: z.number().positive() }).optional(),
});
export type DictationStatus = z.infer<typeof dictationStatusSchema>;

/** Upper bound of one audio batch: 2 s of samples. Batches are typically 100-250 ms. */
export const MAX_BATCH_SAMPLES = 32_000;

/** A batch of captured samples. Sent as one binary message, never one per sample. */
export interface AudioBatch {
  dictationId: string;
  /** 0-based, +1 per batch of a dictation: main detects gaps and reordering. */
  seq: number;
  /** 16 kHz mono PCM16 samples, at most MAX_BATCH_SAMPLES. */
  pcm: Int16Array;
}

export const audioBatchSchema = z.object({
  dictationId: idSchema,
  seq: z.number().int().nonnegative(),
  pcm: z
    .custom<Int16Array>((v) => v instanceof Int16Array, 'pcm must be an Int16Array of 16 kHz mono samples')
    .refine(
      (a) => a.length > 0 && a.length <= MAX_BATCH_SAMPLES,
      `a batch holds 1..${MAX_BATCH_SAMPLES} samples`,
    ),
});

export const dictationCalls = {
  // Dictation: start, then push audio batches (see AudioBatch), then stop.
  'dictation.start': {
    input: z
      .object({
        /** Label of the microphone, kept with the recording for support. */
        deviceLabel: z.string().max(256).optional(),
        /** Overrides the paste-into-focused-app setting for this dictation. */
        pasteIntoFocusedApp: z.boolean().optional(),
      })
      .strict(),
    output: z.object({ dictationId: idSchema, recordingId: idSchema, startedAt: timestampSchema }),
  },
  'dictation.stop': {
    input: z.object({ dictationId: idSchema }).strict(),
    output: z.object({
      dictationId: idSchema,
      recordingId: idSchema,
      audioMs: z.number().nonnegative(),
      /** false: nothing was captured (no speech, or no audio at all), so no recording was kept. */
      kept: z.boolean().optional(),
    }),
  },
  /** Stops and deletes the recording (nothing is uploaded). */
  'dictation.cancel': {
    input: z.object({ dictationId: idSchema }).strict(),
    output: z.object({ cancelled: z.boolean() }),
  },
  'dictation.status': { input: emptyInput, output: dictationStatusSchema },
} as const;

export const dictationEvents = {
  // No level event: the renderer's level meter reads the microphone it captures (one source,
  // also before and without a dictation).
  'dictation.state': dictationStatusSchema,
  /** One chunk recognised; `text` is the transcript so far (chunks joined in order). */
  'dictation.chunk_result': z.object({
    dictationId: idSchema,
    recordingId: idSchema,
    chunkIndex: z.number().int().nonnegative(),
    chunkText: z.string(),
    text: z.string(),
  }),
  /**
   * Provisional text of the chunk still open (live text while speaking): disposable, shown
   * after the texts of the chunks so far until that chunk's own `dictation.chunk_result`
   * (or the final text) replaces it.
   */
  'dictation.provisional': z.object({
    dictationId: idSchema,
    recordingId: idSchema,
    chunkIndex: z.number().int().nonnegative(),
    text: z.string(),
  }),
  /** The authoritative final text; replaces the live text. */
  'dictation.final': z.object({
    dictationId: idSchema.optional(),
    recordingId: idSchema,
    text: z.string(),
    partial: z.boolean(),
    /** What happened with paste-into-focused-app, when it was asked for. */
    paste: z.object({ pasted: z.boolean(), reason: z.string().optional() }).optional(),
  }),
} as const;
