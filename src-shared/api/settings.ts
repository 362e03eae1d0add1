// Settings in the API: what is stored, what the UI may read (no token) and the patch it sends.
import { z } from 'zod';
import { emptyInput } from './common.js';

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

/**
 * Bounds of the silence that stops a dictation: shorter than 2 s would cut the pauses of
 * ordinary speech (the chunker already cuts chunks at 0.5 s); longer than 5 minutes is
 * not "after a silence" any more.
 */
export const MIN_AUTO_STOP_SEC = 2;
export const MAX_AUTO_STOP_SEC = 300;

/** `toggle`: one press starts, the next stops; `push-to-talk`: records while held. */
const shortcutModeSchema = z.enum(['toggle', 'push-to-talk']);
export type ShortcutMode = z.infer<typeof shortcutModeSchema>;

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
    shortcutMode: shortcutModeSchema,
    pasteIntoFocusedApp: z.boolean(),
    /**
     * Live text while speaking: a provisional transcript of the chunk still open, where the
     * gateway offers it (docs/protocol.md, "Extensions"). Settings files from before it read as on.
     */
    liveText: z.boolean().default(true),
    /**
     * Stop a dictation after this many seconds without speech (the chunker's speech
     * detection); 0 = never (the default: a pause to think must not end a dictation unless
     * asked for). Settings files from before it read as 0.
     */
    autoStopSilenceSec: z
      .number()
      .refine(
        (n) => n === 0 || (n >= MIN_AUTO_STOP_SEC && n <= MAX_AUTO_STOP_SEC),
        `must be 0 (off) or from ${MIN_AUTO_STOP_SEC} to ${MAX_AUTO_STOP_SEC} s`,
      )
      .default(0),
    dataDir: z.string().trim().min(1, 'must not be empty').max(4096),
  })
  .refine((s) => s.chunkMinSec <= s.chunkMaxSec, {
    message: 'must not exceed the maximum chunk length',
    path: ['chunkMinSec'],
  });
export type Settings = z.infer<typeof settingsSchema>;

/** The settings' names, in the schema's order: the schema is where a setting is added. */
export type SettingsField = keyof Settings;
export const SETTINGS_FIELDS = Object.keys(settingsSchema.shape) as SettingsField[];

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
  shortcutMode: shortcutModeSchema,
  pasteIntoFocusedApp: z.boolean(),
  liveText: z.boolean(),
  autoStopSilenceSec: z.number(),
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
  .object(
    Object.fromEntries(SETTINGS_FIELDS.map((field) => [field, z.unknown()])) as Record<
      SettingsField,
      z.ZodUnknown
    >,
  )
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

export const settingsCalls = {
  // Settings. `set` never throws on invalid values: it returns one message per field.
  'settings.get': { input: emptyInput, output: publicSettingsSchema },
  'settings.set': { input: settingsPatchSchema, output: settingsSetResultSchema },
} as const;

export const settingsEvents = {
  'settings.changed': publicSettingsSchema,
} as const;
