// The data shapes the app API carries: what the renderer shows and edits. They are
// projections of the durable state in main (SQLite outbox, settings file, stress runs);
// the renderer never owns any of them.
import { z } from 'zod';
import { healthResponseSchema, sessionIdSchema } from '../protocol/messages.js';
import { stressRunRequestSchema } from '../stress/config.js';

// ---- shared bits --------------------------------------------------------------

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

// ---- dictation ----------------------------------------------------------------

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
});
export type DictationStatus = z.infer<typeof dictationStatusSchema>;

// ---- history ------------------------------------------------------------------

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

// ---- connection status --------------------------------------------------------

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

export const queueItemSchema = z.object({
  recordingId: idSchema,
  createdAt: timestampSchema,
  state: historyStateSchema,
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

export const statusSnapshotSchema = z.object({
  at: timestampSchema,
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

// ---- stress -------------------------------------------------------------------

export const latencySummarySchema = z.object({
  p50: z.number().nonnegative(),
  p99: z.number().nonnegative(),
  p90: z.number().nonnegative().optional(),
  max: z.number().nonnegative().optional(),
});

/** One second of the run, for the live charts; main sends at most a few per second. */
export const stressSnapshotSchema = z.object({
  runId: idSchema,
  elapsedSec: z.number().nonnegative(),
  phase: z.enum(['running', 'draining', 'done']),
  openConnections: z.number().int().nonnegative(),
  peakConnections: z.number().int().nonnegative(),
  inFlight: z.number().int().nonnegative(),
  /** Sessions begun in this second. */
  sessionsPerSec: z.number().nonnegative(),
  completedPerSec: z.number().nonnegative(),
  errorsPerSec: z.number().nonnegative(),
  /** Cumulative totals so far. */
  attempted: z.number().int().nonnegative(),
  accepted: z.number().int().nonnegative(),
  completed: z.number().int().nonnegative(),
  timedOut: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  /** Refusals by reason so far (busy, rejected:503, refused, ...). */
  refused: z.record(z.string(), z.number().int().nonnegative()),
  /** Every outcome class so far (ok, busy, timeout, closed_early, ...). */
  outcomes: z.record(z.string(), z.number().int().nonnegative()),
  /** Time from `finish` to final_result in this second, milliseconds (0 when none). */
  latencyMs: latencySummarySchema,
});
export type StressSnapshot = z.infer<typeof stressSnapshotSchema>;

export const STRESS_RUN_STATES = ['idle', 'starting', 'running', 'stopping', 'finished', 'failed'] as const;
export const stressRunStatusSchema = z.object({
  state: z.enum(STRESS_RUN_STATES),
  runId: idSchema.optional(),
  config: stressRunRequestSchema.optional(),
  startedAt: timestampSchema.optional(),
  last: stressSnapshotSchema.optional(),
  error: z.string().optional(),
  /** true once a report can be exported. */
  reportReady: z.boolean(),
});
export type StressRunStatus = z.infer<typeof stressRunStatusSchema>;

export const REPORT_FORMATS = ['md', 'json', 'html'] as const;

// ---- settings -----------------------------------------------------------------

const gatewayUrlSchema = z
  .string()
  .trim()
  .max(2048)
  .refine(
    (s) => /^wss?:\/\/[^\s/]+(\/\S*)?$/.test(s),
    'must be a ws:// or wss:// URL, e.g. ws://127.0.0.1:8081/ws/asr',
  );

/** Accelerator text as Electron understands it, e.g. "CommandOrControl+Shift+Space". */
const shortcutSchema = z
  .string()
  .trim()
  .max(100)
  .refine(
    (s) =>
      s === '' ||
      /^((CommandOrControl|CmdOrCtrl|Command|Cmd|Control|Ctrl|Alt|Option|AltGr|Shift|Super|Meta)\+)+[A-Za-z0-9]$|^((CommandOrControl|CmdOrCtrl|Command|Cmd|Control|Ctrl|Alt|Option|AltGr|Shift|Super|Meta)\+)*(F([1-9]|1[0-9]|2[0-4])|Space|Tab|Backspace|Delete|Insert|Return|Enter|Up|Down|Left|Right|Home|End|PageUp|PageDown|Escape|Esc)$/.test(
        s,
      ),
    'must be a key with modifiers, e.g. CommandOrControl+Shift+Space (empty = none)',
  );

/** Settings as stored and as the UI edits them (the token is write-only, see `publicSettingsSchema`). */
export const settingsSchema = z
  .object({
    /** Remote gateways; empty = only the embedded gateway ("This computer"). The first reachable is used. */
    gatewayUrls: z.array(gatewayUrlSchema).max(10, 'at most 10 gateway URLs'),
    /** Use the embedded gateway on this computer when no remote URL is set. */
    useEmbeddedGateway: z.boolean(),
    token: z.string().max(4096, 'token is longer than 4096 characters'),
    userId: z.string().trim().max(256, 'user id is longer than 256 characters'),
    chunkMinSec: z.number().min(1, 'must be at least 1 s').max(15, 'must be at most 15 s'),
    chunkMaxSec: z.number().min(1, 'must be at least 1 s').max(15, 'must be at most 15 s'),
    shortcut: shortcutSchema,
    shortcutMode: z.enum(['toggle', 'push-to-talk']),
    pasteIntoFocusedApp: z.boolean(),
    dataDir: z.string().trim().min(1, 'must not be empty').max(4096),
  })
  .refine((s) => s.chunkMinSec <= s.chunkMaxSec, {
    message: 'must not exceed the maximum chunk length',
    path: ['chunkMinSec'],
  });
export type Settings = z.infer<typeof settingsSchema>;

export const SETTINGS_FIELDS = [
  'gatewayUrls',
  'useEmbeddedGateway',
  'token',
  'userId',
  'chunkMinSec',
  'chunkMaxSec',
  'shortcut',
  'shortcutMode',
  'pasteIntoFocusedApp',
  'dataDir',
] as const;
export type SettingsField = (typeof SETTINGS_FIELDS)[number];

/** What `settings.get` returns: everything but the token, which is only reported as set or not. */
export const publicSettingsSchema = z.object({
  gatewayUrls: z.array(z.string()),
  useEmbeddedGateway: z.boolean(),
  hasToken: z.boolean(),
  /** Where the token is kept: the OS keychain (safeStorage) or the 0600 settings file. */
  tokenStorage: z.enum(['safe-storage', 'settings-file', 'none']),
  userId: z.string(),
  chunkMinSec: z.number(),
  chunkMaxSec: z.number(),
  shortcut: z.string(),
  shortcutMode: z.enum(['toggle', 'push-to-talk']),
  pasteIntoFocusedApp: z.boolean(),
  dataDir: z.string(),
  /** Changing dataDir takes effect after a restart. */
  restartRequired: z.boolean(),
});
export type PublicSettings = z.infer<typeof publicSettingsSchema>;

/**
 * A partial update. Fields are checked one by one so every invalid field gets its own
 * message; `token: null` clears the token, an absent token keeps it.
 */
export const settingsPatchSchema = z
  .object({
    gatewayUrls: z.unknown(),
    useEmbeddedGateway: z.unknown(),
    token: z.unknown(),
    userId: z.unknown(),
    chunkMinSec: z.unknown(),
    chunkMaxSec: z.unknown(),
    shortcut: z.unknown(),
    shortcutMode: z.unknown(),
    pasteIntoFocusedApp: z.unknown(),
    dataDir: z.unknown(),
  })
  .partial()
  .strict();
export type SettingsPatch = Partial<Omit<Settings, 'token'>> & { token?: string | null };

export const settingsSetResultSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), settings: publicSettingsSchema }),
  z.object({
    ok: z.literal(false),
    /** One message per invalid field; nothing was saved. */
    errors: z.record(z.string(), z.string()),
  }),
]);
export type SettingsSetResult = z.infer<typeof settingsSetResultSchema>;

// ---- app ----------------------------------------------------------------------

export const appInfoSchema = z.object({
  version: z.string(),
  mode: z.enum(['electron', 'web']),
  platform: z.string(),
  dataDir: z.string(),
  /** Whether paste-into-focused-app can work here, and why not. */
  paste: z.object({ supported: z.boolean(), reason: z.string().optional() }),
  globalShortcut: z.object({ supported: z.boolean(), reason: z.string().optional() }),
  /** Gateway URLs given on the command line (`earshot web --url`): used for this run only, not saved. */
  gatewayUrlsForThisRun: z.array(z.string()).optional(),
});
export type AppInfo = z.infer<typeof appInfoSchema>;

/** Things main asks the renderer to do (tray menu, global shortcut). */
export const APP_COMMANDS = [
  'dictation.toggle',
  'dictation.start',
  'dictation.stop',
  'show.dictate',
  'show.status',
] as const;
