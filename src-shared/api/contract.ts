// The EarshotApi contract: every call (input + output) and every event, as zod schemas
// in one table. Both transports (Electron IPC, web-mode WebSocket) walk this table: a
// channel that is not in it does not exist, and main validates every input with it.
import { z } from 'zod';
import {
  APP_COMMANDS,
  EXPORT_FORMATS,
  REPORT_FORMATS,
  appInfoSchema,
  chunkInfoSchema,
  dictationStatusSchema,
  historyDetailSchema,
  historyItemSchema,
  idSchema,
  lookupSessionIdSchema,
  publicSettingsSchema,
  recentErrorSchema,
  settingsPatchSchema,
  sessionLookupResultSchema,
  settingsSetResultSchema,
  statusSnapshotSchema,
  stressRunStatusSchema,
  stressSnapshotSchema,
  textFileSchema,
  timestampSchema,
} from './models.js';
import { stressRunRequestSchema } from '../stress/config.js';
import { describeZodError } from '../zod-error.js';

const empty = z.object({}).strict();
const bytesSchema = z.custom<Uint8Array>((v) => v instanceof Uint8Array, 'expected bytes (Uint8Array)');
const recordingRef = z.object({ recordingId: idSchema }).strict();

/** Upper bound of one audio batch: 2 s of samples. Batches are typically 100-250 ms. */
export const MAX_BATCH_SAMPLES = 32_000;

// ---- calls --------------------------------------------------------------------

export const apiCalls = {
  'app.info': { input: empty, output: appInfoSchema },

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
    output: z.object({ dictationId: idSchema, recordingId: idSchema, audioMs: z.number().nonnegative() }),
  },
  /** Stops and deletes the recording (nothing is uploaded). */
  'dictation.cancel': {
    input: z.object({ dictationId: idSchema }).strict(),
    output: z.object({ cancelled: z.boolean() }),
  },
  'dictation.status': { input: empty, output: dictationStatusSchema },

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

  // Connection status and the outbox queue (support).
  'status.get': { input: empty, output: statusSnapshotSchema },
  'status.retryNow': { input: recordingRef, output: z.object({ ok: z.boolean() }) },
  'status.discard': { input: recordingRef, output: z.object({ ok: z.boolean() }) },
  /** "Copy diagnostics": JSON text with every secret redacted. */
  'status.diagnostics': { input: empty, output: textFileSchema },
  'status.errors': { input: empty, output: z.object({ errors: z.array(recentErrorSchema) }) },
  /** A session by id from the configured gateways' session lookup API (docs/interop.md). */
  'status.lookupSession': {
    input: z.object({ sessionId: lookupSessionIdSchema }).strict(),
    output: sessionLookupResultSchema,
  },

  // Stress mode (QA). The engine runs in main's worker threads.
  'stress.start': { input: stressRunRequestSchema, output: z.object({ runId: idSchema }) },
  'stress.stop': { input: empty, output: z.object({ stopped: z.boolean() }) },
  'stress.status': { input: empty, output: stressRunStatusSchema },
  'stress.report': {
    input: z.object({ runId: idSchema.optional(), format: z.enum(REPORT_FORMATS) }).strict(),
    output: textFileSchema,
  },

  // Settings. `set` never throws on invalid values: it returns one message per field.
  'settings.get': { input: empty, output: publicSettingsSchema },
  'settings.set': { input: settingsPatchSchema, output: settingsSetResultSchema },
} as const;

export type ApiCalls = typeof apiCalls;
export type CallChannel = keyof ApiCalls;
/** What a caller passes (defaults not yet applied). */
export type CallInput<C extends CallChannel> = z.input<ApiCalls[C]['input']>;
/** What the handler in main receives (validated, defaults applied). */
export type CallParsedInput<C extends CallChannel> = z.output<ApiCalls[C]['input']>;
export type CallOutput<C extends CallChannel> = z.output<ApiCalls[C]['output']>;
export const CALL_CHANNELS = Object.keys(apiCalls) as CallChannel[];
/** What main runs for a call: the validated input in, the output the contract names out. */
export type CallHandler<C extends CallChannel> = (
  input: CallParsedInput<C>,
) => CallOutput<C> | Promise<CallOutput<C>>;
/** The handlers of one feature's calls, e.g. FeatureHandlers<'history'> for every `history.*` call. */
export type FeatureHandlers<F extends string> = {
  [C in Extract<CallChannel, `${F}.${string}`>]: CallHandler<C>;
};

// ---- events (main -> renderer) -------------------------------------------------

export const apiEvents = {
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
  /** The authoritative final text; replaces the live text. */
  'dictation.final': z.object({
    dictationId: idSchema.optional(),
    recordingId: idSchema,
    text: z.string(),
    partial: z.boolean(),
    /** What happened with paste-into-focused-app, when it was asked for. */
    paste: z.object({ pasted: z.boolean(), reason: z.string().optional() }).optional(),
  }),
  /** A history entry changed state or text (upload progress, final result, deletion). */
  'history.changed': z.object({ recordingId: idSchema, item: historyItemSchema.nullable() }),
  /** The status snapshot, at most ~2 per second. */
  'status.changed': statusSnapshotSchema,
  'stress.snapshot': stressSnapshotSchema,
  'stress.state': stressRunStatusSchema,
  'settings.changed': publicSettingsSchema,
  'app.error': recentErrorSchema,
  /** Tray menu or global shortcut asks the renderer (which owns the microphone) to act. */
  'app.command': z.object({ command: z.enum(APP_COMMANDS), phase: z.enum(['down', 'up']).optional() }),
} as const;

export type ApiEvents = typeof apiEvents;
export type EventName = keyof ApiEvents;
export type EventPayload<E extends EventName> = z.output<ApiEvents[E]>;
export const EVENT_NAMES = Object.keys(apiEvents) as EventName[];

// ---- audio batches (renderer -> main, bulk) ---------------------------------------

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

// ---- errors -----------------------------------------------------------------------

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

export function isCallChannel(name: unknown): name is CallChannel {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(apiCalls, name);
}
export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(apiEvents, name);
}

/** Validates a call's input; throws ApiError('bad_input') with the reason. */
export function parseCallInput<C extends CallChannel>(channel: C, input: unknown): CallParsedInput<C> {
  const result = apiCalls[channel].input.safeParse(input ?? {});
  if (!result.success) throw new ApiError('bad_input', `${channel}: ${describeZodError(result.error)}`);
  return result.data as CallParsedInput<C>;
}

// ---- the interface the renderer programs against ------------------------------------

/**
 * What the renderer sees as `window.earshot` (Electron preload) or gets from
 * `createWebSocketApi` (web mode). Calls reject with ApiError.
 */
export interface EarshotApi {
  call<C extends CallChannel>(channel: C, input: CallInput<C>): Promise<CallOutput<C>>;
  /** Subscribes to an event; returns the unsubscribe function. */
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
  /** Fire-and-forget bulk audio; problems come back as `app.error` / `dictation.state` events. */
  sendAudio(batch: AudioBatch): void;
}
