// Connection status in the API: each gateway's state, health and timeline, the embedded
// gateway, the outbox queue, recent errors and the session lookup (the Status view).
import { z } from 'zod';
import { healthResponseSchema, sessionIdSchema } from '../protocol/messages.js';
import { bytesSchema, emptyInput, recordingRef, textFileSchema, timestampSchema } from './common.js';
import { historyItemSchema } from './history.js';

/** The connection monitor's states, per gateway URL. */
export const CONNECTION_STATES = [
  'idle',
  'connecting',
  'connected',
  'backing_off',
  'offline',
  'unauthorized',
] as const;
export const connectionStateSchema = z.enum(CONNECTION_STATES);
export type ConnectionState = z.infer<typeof connectionStateSchema>;

export const connectionTransitionSchema = z.object({
  at: timestampSchema,
  state: connectionStateSchema,
  reason: z.string().optional(),
  /** When backing off: how long until the next attempt. */
  retryInMs: z.number().nonnegative().optional(),
});

export type ConnectionTransition = z.infer<typeof connectionTransitionSchema>;

export const rttSampleSchema = z.object({ at: timestampSchema, ms: z.number().nonnegative() });

/**
 * `/api/v1/health` as the gateway answered it (the wire protocol's own fields, unrenamed),
 * plus when we asked and whether it counts as ready. `status` is `unreachable` when no
 * answer came; `reason` says why a check failed.
 */
export const gatewayHealthSchema = healthResponseSchema.extend({
  checkedAt: timestampSchema,
  ok: z.boolean(),
  reason: z.string().optional(),
});
export type GatewayHealth = z.infer<typeof gatewayHealthSchema>;

export const endpointStatusSchema = z.object({
  url: z.string(),
  /** "This computer" for the embedded gateway, else the URL's host. */
  label: z.string(),
  embedded: z.boolean(),
  state: connectionStateSchema,
  since: timestampSchema,
  timeline: z.array(connectionTransitionSchema),
  rtt: z.array(rttSampleSchema),
  health: gatewayHealthSchema.nullable(),
  /** While backing off or offline: when the next connect or health probe is made. */
  nextAttemptAt: timestampSchema.optional(),
});
export type EndpointStatus = z.infer<typeof endpointStatusSchema>;

export const EMBEDDED_STATES = ['disabled', 'starting', 'running', 'unavailable', 'stopped'] as const;
export const embeddedGatewayStatusSchema = z.object({
  state: z.enum(EMBEDDED_STATES),
  url: z.string().optional(),
  engine: z.string().optional(),
  /** Why it is unavailable (e.g. the recognizer engine could not load); the UI offers a remote gateway. */
  reason: z.string().optional(),
});
export type EmbeddedGatewayStatus = z.infer<typeof embeddedGatewayStatusSchema>;

/** A recording waiting in the outbox, named as History lists it, and how its delivery goes. */
export const queueItemSchema = historyItemSchema
  .pick({ recordingId: true, createdAt: true, state: true })
  .extend({
    chunksTotal: z.number().int().nonnegative(),
    chunksAcked: z.number().int().nonnegative(),
    attempts: z.number().int().nonnegative(),
    nextAttemptAt: timestampSchema.optional(),
    lastError: z.string().optional(),
  });
export type QueueItem = z.infer<typeof queueItemSchema>;

export const recentErrorSchema = z.object({
  at: timestampSchema,
  source: z.string(),
  message: z.string(),
  /** The same error seen this many times in a row (e.g. each probe of a dead gateway); `at` is the latest. */
  count: z.number().int().positive().optional(),
});
export type RecentError = z.infer<typeof recentErrorSchema>;

/** Where recordings go now, and why that gateway: `--url`, Settings, or the one on this computer. */
export const gatewayInUseSchema = z.object({
  url: z.string().optional(),
  source: z.enum(['url-flag', 'settings', 'embedded', 'none']),
});
export type GatewayInUse = z.infer<typeof gatewayInUseSchema>;

export const statusSnapshotSchema = z.object({
  at: timestampSchema,
  gateway: gatewayInUseSchema.optional(),
  endpoints: z.array(endpointStatusSchema),
  embedded: embeddedGatewayStatusSchema,
  queue: z.object({ depth: z.number().int().nonnegative(), items: z.array(queueItemSchema) }),
  errors: z.array(recentErrorSchema),
});
export type StatusSnapshot = z.infer<typeof statusSnapshotSchema>;

// ---- session lookup (support) ----------------------------------------------------

/**
 * A session id as support types it: surrounding spaces dropped, then the protocol's own
 * rule (1..128 printable characters; src-shared/protocol/messages.ts).
 */
export const lookupSessionIdSchema = z.string().trim().pipe(sessionIdSchema);

/** Why a gateway could not show the session. */
export const SESSION_LOOKUP_FAILURES = [
  'not_found',
  'unauthorized',
  'unreachable',
  'http_error',
  'bad_answer',
  'bad_url',
] as const;
export type SessionLookupFailure = (typeof SESSION_LOOKUP_FAILURES)[number];

/** GET /api/v1/session/:id as one gateway answered it (docs/interop.md, "HTTP API"). */
export const gatewaySessionSchema = z.object({
  id: z.string(),
  userId: z.string().optional(),
  /** recording, finishing or done (the gateway's words). */
  status: z.string(),
  /** The gateway's count: a base gateway counts refused and repeated chunk frames too. */
  chunkCount: z.number().int().nonnegative().optional(),
  /** Every chunk the gateway knows, ascending; `text` once it is recognised. */
  chunks: z.array(
    z.object({
      index: z.number().int().nonnegative(),
      recognised: z.boolean(),
      text: z.string().optional(),
    }),
  ),
  finalText: z.string().optional(),
  /** Seconds from start to final. */
  duration: z.number().nonnegative().optional(),
  audioSeconds: z.number().nonnegative().optional(),
  partial: z.boolean().optional(),
  createdAt: z.string().optional(),
  completedAt: z.string().optional(),
});
export type GatewaySession = z.infer<typeof gatewaySessionSchema>;

/** What one configured gateway said (its URL with any secret redacted). */
export const sessionLookupAttemptSchema = z.object({
  gatewayUrl: z.string(),
  /** "This computer" for the embedded gateway, else the URL's host. */
  label: z.string(),
  failure: z.enum(SESSION_LOOKUP_FAILURES).optional(),
  message: z.string(),
});
export type SessionLookupAttempt = z.infer<typeof sessionLookupAttemptSchema>;

/**
 * The session from the first configured gateway that holds it, else one failure per
 * gateway asked (none when no gateway is configured).
 */
export const sessionLookupResultSchema = z.discriminatedUnion('found', [
  z.object({ found: z.literal(true), from: sessionLookupAttemptSchema, session: gatewaySessionSchema }),
  z.object({ found: z.literal(false), attempts: z.array(sessionLookupAttemptSchema) }),
]);
export type SessionLookupResult = z.infer<typeof sessionLookupResultSchema>;

/** The diagnostics bundle as bytes, for the page to download (web mode). */
export const bundleDownloadSchema = z.object({
  filename: z.string(),
  mimeType: z.string(),
  bytes: bytesSchema,
});
export type BundleDownload = z.infer<typeof bundleDownloadSchema>;

/** Where the desktop app saved the bundle; `saved: false` when the user cancelled the dialog. */
export const savedBundleSchema = z.object({
  saved: z.boolean(),
  path: z.string().optional(),
  bytes: z.number().int().nonnegative().optional(),
});
export type SavedBundle = z.infer<typeof savedBundleSchema>;

export const statusCalls = {
  // Connection status and the outbox queue (support).
  'status.get': { input: emptyInput, output: statusSnapshotSchema },
  'status.retryNow': { input: recordingRef, output: z.object({ ok: z.boolean() }) },
  'status.discard': { input: recordingRef, output: z.object({ ok: z.boolean() }) },
  /** "Copy diagnostics": JSON text with every secret redacted. */
  'status.diagnostics': { input: emptyInput, output: textFileSchema },
  /**
   * The diagnostics bundle (.tar.gz: redacted settings, recent logs, timeline, health,
   * outbox summary, versions, manifest; docs/security.md, "Diagnostics bundle").
   */
  'status.bundle': { input: emptyInput, output: bundleDownloadSchema },
  /** The desktop app only: the bundle through main's save dialog, written by main. */
  'status.saveBundle': { input: emptyInput, output: savedBundleSchema },
  'status.errors': { input: emptyInput, output: z.object({ errors: z.array(recentErrorSchema) }) },
  /** A session by id from the configured gateways' session lookup API (docs/interop.md). */
  'status.lookupSession': {
    input: z.object({ sessionId: lookupSessionIdSchema }).strict(),
    output: sessionLookupResultSchema,
  },
} as const;

export const statusEvents = {
  /** The status snapshot, at most ~2 per second. */
  'status.changed': statusSnapshotSchema,
} as const;
