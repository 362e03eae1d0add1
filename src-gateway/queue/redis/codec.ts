// How a task and a result look inside Redis stream entries. A task entry has two
// fields: `task` (JSON metadata) and `pcm` (raw PCM16 little-endian bytes, binary-safe),
// so audio is never base64-inflated inside Redis. Entries are validated on the way out:
// a Redis shared with something else must not crash a worker.
import { z } from 'zod';
import type { RecognitionResult, RecognitionTask } from '../types.js';

const taskMetaSchema = z.object({
  taskId: z.string().min(1),
  sessionId: z.string().min(1),
  chunkIndex: z.number().int().min(0),
  audioSeconds: z.number().min(0),
  gatewayId: z.string().min(1),
  enqueuedAt: z.number(),
});
export type TaskMeta = z.infer<typeof taskMetaSchema>;

export const resultSchema = z.object({
  taskId: z.string(),
  sessionId: z.string(),
  chunkIndex: z.number().int().min(0),
  text: z.string().optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  workerId: z.string(),
  queuedMs: z.number(),
  processingMs: z.number(),
});

export class TaskDecodeError extends Error {
  override readonly name = 'TaskDecodeError';
}

export function taskMeta(task: RecognitionTask): TaskMeta {
  const { taskId, sessionId, chunkIndex, audioSeconds, gatewayId, enqueuedAt } = task;
  return { taskId, sessionId, chunkIndex, audioSeconds, gatewayId, enqueuedAt };
}

/** Field/value pairs for XADD. */
export function encodeTask(task: RecognitionTask): (string | Buffer)[] {
  const pcm = Buffer.from(task.pcm.buffer, task.pcm.byteOffset, task.pcm.byteLength);
  return ['task', JSON.stringify(taskMeta(task)), 'pcm', pcm];
}

function fieldMap(fields: Buffer[]): Map<string, Buffer> {
  const map = new Map<string, Buffer>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i].toString(), fields[i + 1]);
  return map;
}

/** Reads the metadata only (enough to dead-letter an entry whose audio is broken). */
export function decodeTaskMeta(fields: Buffer[]): TaskMeta {
  const raw = fieldMap(fields).get('task');
  if (raw === undefined) throw new TaskDecodeError('task entry has no "task" field');
  let json: unknown;
  try {
    json = JSON.parse(raw.toString());
  } catch {
    throw new TaskDecodeError('task entry "task" field is not JSON');
  }
  const parsed = taskMetaSchema.safeParse(json);
  if (!parsed.success)
    throw new TaskDecodeError(`task entry metadata is invalid: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

export function decodeTask(fields: Buffer[]): RecognitionTask {
  const meta = decodeTaskMeta(fields);
  const pcmBytes = fieldMap(fields).get('pcm');
  if (pcmBytes === undefined) throw new TaskDecodeError('task entry has no "pcm" field');
  if (pcmBytes.length % 2 !== 0)
    throw new TaskDecodeError(`task pcm has an odd byte length (${pcmBytes.length})`);
  // Copy: the Buffer may sit at an odd offset of a shared pool, which Int16Array cannot view.
  const pcm = new Int16Array(pcmBytes.length / 2);
  Buffer.from(pcm.buffer).set(pcmBytes);
  return { ...meta, pcm };
}

export function decodeResult(json: string): RecognitionResult {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new TaskDecodeError('result entry is not JSON');
  }
  const parsed = resultSchema.safeParse(value);
  if (!parsed.success)
    throw new TaskDecodeError(`result entry is invalid: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}
