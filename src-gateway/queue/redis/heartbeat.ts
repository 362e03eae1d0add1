// A worker's heartbeat: a TTL key rewritten every second or so. A worker whose key has
// expired is dead; its pending tasks are reclaimed by the live ones.
import { z } from 'zod';
import { modelInfoSchema } from '../../../src-shared/protocol/messages.js';

export const workerHeartbeatSchema = z.object({
  id: z.string(),
  engine: z.string(),
  model: modelInfoSchema.optional(),
  host: z.string(),
  pid: z.number(),
  concurrency: z.number(),
  busy: z.number(),
  /** Chunks this worker finished (results routed), since it started. */
  completed: z.number(),
  /** Deliveries that failed (engine error) or went to the dead-letter stream. */
  failed: z.number(),
  /** Audio milliseconds recognised. */
  audioMs: z.number(),
  /** Milliseconds spent recognising that audio (absent from workers before it was added). */
  processingMs: z.number().optional(),
  reclaimed: z.number(),
  startedAt: z.number(),
  at: z.number(),
});
export type WorkerHeartbeat = z.infer<typeof workerHeartbeatSchema>;

export function parseHeartbeat(raw: string | null): WorkerHeartbeat | undefined {
  if (raw === null) return undefined;
  try {
    const parsed = workerHeartbeatSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
