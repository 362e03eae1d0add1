// The wire protocol of docs/protocol.md as zod schemas and the TypeScript types derived
// from them. Client messages are validated strictly (the gateway must say exactly what
// is wrong); server messages are parsed leniently, because a client must survive a
// base gateway that omits every extension field.
import { z } from 'zod';

/** Stable error codes of the Earshot extension (docs/protocol.md, "Error codes"). */
export const ERROR_CODES = [
  'bad_json',
  'unknown_action',
  'session_not_found',
  'bad_audio',
  'too_large',
  'too_many_sessions',
  'bad_session_id',
  'busy',
  'unauthorized',
  'internal',
  // Extension `provisional`: a provisional request the gateway did not decode (queue
  // backlog, the session's previous one still decoding, the chunk already received).
  'dropped',
  // Extension `binary_audio`: a binary frame that is not one (short header, wrong magic or
  // version, reserved flags set) or that came before the connection negotiated it.
  'bad_frame',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * Printable characters only: no control characters (NUL, newlines, escapes), no format
 * characters such as the bidi overrides that make a log line or a UI show another id
 * than the real one, no lone surrogates, no line or paragraph separators.
 */
const PRINTABLE = /^[^\p{C}\p{Zl}\p{Zp}]*$/u;

export const sessionIdSchema = z
  .string()
  .min(1, 'session_id must not be empty')
  .max(128, 'session_id is longer than 128 characters')
  .regex(PRINTABLE, 'session_id must be printable characters (no control, format or bidi characters)');

// ---- client -> server -------------------------------------------------------

export const startMessageSchema = z.object({
  action: z.literal('start'),
  // Missing, null or empty: the gateway makes one up and echoes it in the ack (the base
  // gateway does the same), so a client that lets the server choose still gets an id.
  session_id: z.preprocess(
    (value) => (value === '' || value === null ? undefined : value),
    sessionIdSchema.optional(),
  ),
  user_id: z.string().max(256).optional(),
  // Extension: the audio seconds the client expects to send, so the gateway can reserve
  // them on admission (docs/gateway.md, "Admission"). Optional; unknown to the base gateway.
  expected_seconds: z
    .number('expected_seconds must be a number')
    .positive('expected_seconds must be > 0')
    .max(86_400, 'expected_seconds must be <= 86400 (one day)')
    .optional(),
  // Extension `binary_audio`: the client asks for a stream handle, to send this session's
  // audio in binary frames (src-shared/protocol/binary-frame.ts). Ignored where not offered.
  binary_audio: z.boolean('binary_audio must be true or false').optional(),
});
export type StartMessage = z.infer<typeof startMessageSchema>;

/** What a chunk of audio carries, in `chunk` and in the `provisional` extension alike. */
const audioFields = {
  session_id: sessionIdSchema,
  chunk_index: z.number().int('chunk_index must be an integer').min(0, 'chunk_index must be >= 0'),
  audio_data: z.string(),
};

export const chunkMessageSchema = z.object({ action: z.literal('chunk'), ...audioFields });
export type ChunkMessage = z.infer<typeof chunkMessageSchema>;

export const finishMessageSchema = z.object({
  action: z.literal('finish'),
  session_id: sessionIdSchema,
});
export type FinishMessage = z.infer<typeof finishMessageSchema>;

/**
 * Extensions a gateway announces in `features` on its start ack (docs/protocol.md,
 * "Extensions"). A client uses one only with a gateway that announced it, so a gateway
 * that does not know it (a base gateway, `--base-protocol`) is never sent one.
 */
export const GATEWAY_FEATURES = ['provisional', 'binary_audio'] as const;
export type GatewayFeature = (typeof GATEWAY_FEATURES)[number];

/** Longest open audio one provisional request may carry: the longest chunk a client cuts. */
export const PROVISIONAL_MAX_SECONDS = 15;

/**
 * Extension `provisional`: the audio of a chunk still open on the client, for a disposable
 * preview transcript. Never recorded, never part of the final, answered only with
 * `provisional_result`.
 */
export const provisionalMessageSchema = z.object({ action: z.literal('provisional'), ...audioFields });
export type ProvisionalMessage = z.infer<typeof provisionalMessageSchema>;

/** The base protocol's messages; `provisional` is accepted only where announced. */
const baseClientMessageSchemas = [startMessageSchema, chunkMessageSchema, finishMessageSchema] as const;
/** The base protocol's actions, as its messages name them. */
export const CLIENT_ACTIONS: readonly string[] = baseClientMessageSchemas.map(
  (schema) => schema.shape.action.value,
);

export const clientMessageSchema = z.discriminatedUnion('action', [
  ...baseClientMessageSchemas,
  provisionalMessageSchema,
]);
export type ClientMessage = z.infer<typeof clientMessageSchema>;

// ---- server -> client -------------------------------------------------------
// Optional fields are the Earshot extensions; a base gateway leaves them out.

export const ackMessageSchema = z.object({
  type: z.literal('ack'),
  status: z.string(), // session_started | session_resumed | received | duplicate (unknown ones tolerated)
  session_id: z.string().optional(),
  chunk_index: z.number().int().optional(),
  received: z.array(z.number().int()).optional(),
  // Extension: what this gateway supports beyond the base protocol, on a start ack. A
  // malformed list reads as none rather than making the ack itself unreadable.
  features: z.array(z.string()).optional().catch(undefined),
  // Extension `binary_audio`: the handle of this session's binary frames on this connection,
  // on a start ack that answers `binary_audio: true`. A malformed one reads as none (JSON then).
  stream: z.number().int().min(1).max(0xffff_ffff).optional().catch(undefined),
});
export type AckMessage = z.infer<typeof ackMessageSchema>;

/** A recognition's answer: its text, or code + message when there is none. */
const recognitionFields = {
  session_id: z.string().optional(),
  text: z.string().optional(), // the base gateway omits empty text
  code: z.string().optional(), // set when the chunk could not be recognised (dead letter)
  message: z.string().optional(),
};

export const chunkResultMessageSchema = z.object({
  type: z.literal('chunk_result'),
  chunk_index: z.number().int(),
  ...recognitionFields,
});
export type ChunkResultMessage = z.infer<typeof chunkResultMessageSchema>;

/** Extension `provisional`: the answer to a provisional request. */
export const provisionalResultMessageSchema = z.object({
  type: z.literal('provisional_result'),
  chunk_index: z.number().int().optional(),
  ...recognitionFields,
});
export type ProvisionalResultMessage = z.infer<typeof provisionalResultMessageSchema>;

export const finalResultMessageSchema = z.object({
  type: z.literal('final_result'),
  session_id: z.string().optional(),
  text: z.string().optional(),
  duration: z.number().optional(),
  chunk_count: z.number().int().optional(),
  audio_seconds: z.number().optional(),
  partial: z.boolean().optional(),
});
export type FinalResultMessage = z.infer<typeof finalResultMessageSchema>;

export const errorMessageSchema = z.object({
  type: z.literal('error'),
  message: z.string(),
  code: z.string().optional(),
  session_id: z.string().optional(),
  chunk_index: z.number().int().optional(),
  retry_after_ms: z.number().optional(),
});
export type ErrorMessage = z.infer<typeof errorMessageSchema>;

export const serverMessageSchema = z.discriminatedUnion('type', [
  ackMessageSchema,
  chunkResultMessageSchema,
  finalResultMessageSchema,
  errorMessageSchema,
  provisionalResultMessageSchema,
]);
export type ServerMessage = z.infer<typeof serverMessageSchema>;

/** Ack statuses the Earshot gateway sends. */
export const ACK_STATUS = {
  sessionStarted: 'session_started',
  sessionResumed: 'session_resumed',
  received: 'received',
  duplicate: 'duplicate',
} as const;

/** Base-protocol error messages, kept verbatim for compatibility. */
export const BASE_ERROR_MESSAGES = {
  badJson: 'Invalid message format',
  unknownAction: (action: string) => `Unknown action: ${action}`,
  sessionNotFound: (id: string) => `Session not found: ${id}`,
  busy: 'System busy',
} as const;

/** HTTP routes of docs/protocol.md ("HTTP API"). */
export const ROUTES = {
  ws: '/ws/asr',
  health: '/api/v1/health',
  queueStatus: '/api/v1/asr/queue/status',
  metrics: '/metrics',
  history: '/api/v1/history',
  /** GET or DELETE `${sessionPrefix}<session id>` */
  sessionPrefix: '/api/v1/session/',
  stats: '/api/v1/stats',
} as const;

/** A recognizer model as health names it (src-shared/models/manifest.ts, ModelInfo). */
export const modelInfoSchema = z.object({
  name: z.string(),
  version: z.string().optional(),
  sha256: z.string().optional(),
});

/** Admission's view (docs/gateway.md, "Admission"), in health and in queue status alike. */
const admissionFields = {
  /** Expected wait of a chunk entering the queue now (admission by expected wait). */
  expected_wait_ms: z.number().optional(),
  /** Audio seconds the recognizers complete per second. */
  throughput_audio_seconds_per_second: z.number().optional(),
};

export const healthResponseSchema = z.object({
  status: z.string(),
  /** Earshot, when not ready: why, in one line for the user (e.g. no recognizer worker is running). */
  reason: z.string().optional(),
  funasr_ready: z.boolean().optional(),
  redis_ready: z.boolean().optional(),
  workers_ready: z.number().optional(),
  engine: z.string().optional(),
  /** The model the workers recognise with (absent: none, or workers on different models). */
  model: modelInfoSchema.optional(),
  queue_depth: z.number().optional(),
  ...admissionFields,
  sessions_active: z.number().optional(),
  connections: z.number().optional(),
  /** The gateway main thread's event-loop lag over its last 5 s window, in ms. */
  event_loop_lag_ms: z
    .object({ p50: z.number(), p99: z.number(), max: z.number() })
    .optional()
    .catch(undefined),
  version: z.string().optional(),
});
export type HealthResponse = z.infer<typeof healthResponseSchema>;

export const queueStatusResponseSchema = z.object({
  queued: z.number(),
  processing: z.number(),
  failed: z.number(),
  workers: z.number(),
  workers_busy: z.number(),
  // Earshot's: the audio backlog and admission; a base gateway leaves them out.
  backlog_seconds: z.number().optional(),
  ...admissionFields,
  reserved_seconds: z.number().optional(),
  sessions_admitted: z.number().optional(),
  sessions_waiting_at_door: z.number().optional(),
});
export type QueueStatusResponse = z.infer<typeof queueStatusResponseSchema>;

/**
 * GET /api/v1/session/:id, in the kikipounamu gateway's shape (the Earshot gateway adds
 * audio_seconds and partial). Lenient like every server answer: a base gateway may leave
 * fields out.
 */
export const sessionDetailSchema = z.object({
  id: z.string(),
  user_id: z.string().optional(),
  status: z.string(),
  chunk_count: z.number().optional(),
  results: z.record(z.string(), z.string()).optional(),
  completed: z.record(z.string(), z.boolean()).optional(),
  final_text: z.string().optional(),
  duration: z.number().optional(),
  created_at: z.string().optional(),
  completed_at: z.string().optional(),
  audio_seconds: z.number().optional(),
  partial: z.boolean().optional(),
});
export type SessionDetail = z.infer<typeof sessionDetailSchema>;
