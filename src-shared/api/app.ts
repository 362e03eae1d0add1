// The app itself in the API: what it is and can do here, errors it reports, and what the
// tray menu or global shortcut asks the renderer to do.
import { z } from 'zod';
import { emptyInput } from './common.js';
import { recentErrorSchema } from './status.js';

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

export const appCalls = {
  'app.info': { input: emptyInput, output: appInfoSchema },
} as const;

export const appEvents = {
  'app.error': recentErrorSchema,
  /** Tray menu or global shortcut asks the renderer (which owns the microphone) to act. */
  'app.command': z.object({ command: z.enum(APP_COMMANDS), phase: z.enum(['down', 'up']).optional() }),
} as const;
