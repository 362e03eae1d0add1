// What every feature of the app API shares: ids, times, text files, the small call inputs
// and the errors a call rejects with.
import { z } from 'zod';

export const idSchema = z
  .string()
  .min(1, 'id must not be empty')
  .max(128, 'id is longer than 128 characters');
/** Milliseconds since the Unix epoch. */
export const timestampSchema = z.number().int().nonnegative();

/** A downloadable text file produced by main (exports, reports, diagnostics). */
export const textFileSchema = z.object({
  filename: z.string(),
  mimeType: z.string(),
  content: z.string(),
});
export type TextFile = z.infer<typeof textFileSchema>;

/** A call that takes no input. */
export const emptyInput = z.object({}).strict();
export const bytesSchema = z.custom<Uint8Array>(
  (v) => v instanceof Uint8Array,
  'expected bytes (Uint8Array)',
);
/** A call about one recording. */
export const recordingRef = z.object({ recordingId: idSchema }).strict();

export const API_ERROR_CODES = [
  'bad_input',
  'unknown_channel',
  'not_found',
  'conflict',
  'unavailable',
  'disconnected',
  'internal',
] as const;
export type ApiErrorCode = (typeof API_ERROR_CODES)[number];
export const apiErrorSchema = z.object({ code: z.enum(API_ERROR_CODES), message: z.string() });

/** What a call rejects with, on both transports. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
  }
}
