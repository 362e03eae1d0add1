// The same file is not dictated twice. `earshot dictate a.wav b.wav` killed halfway and
// run again used to accept every file again (3 files became 6 recordings). A file is
// identified by the SHA-256 of its bytes: one already in the outbox, queued or done, is
// skipped (the queued one is finished as part of the run), and so is a second copy of
// the same content in one command. A failed one is taken again. `--again` takes all.
import type { OutboxStore, Recording } from './store.js';

export interface InputFile {
  file: string;
  sha256: string;
}

export type Skip =
  | { file: string; reason: 'in_outbox'; recording: Recording }
  | { file: string; reason: 'repeated'; sameAs: string };

/** Splits `inputs` into the files to dictate and the ones to skip, in the given order. */
export function skipKnownFiles<T extends InputFile>(
  store: OutboxStore,
  inputs: readonly T[],
  again: boolean,
): { take: T[]; skipped: Skip[] } {
  if (again) return { take: [...inputs], skipped: [] };
  const take: T[] = [];
  const skipped: Skip[] = [];
  const seen = new Map<string, string>();
  for (const input of inputs) {
    const earlier = seen.get(input.sha256);
    if (earlier !== undefined) {
      skipped.push({ file: input.file, reason: 'repeated', sameAs: earlier });
      continue;
    }
    seen.set(input.sha256, input.file);
    const known = store
      .findByContent(input.sha256)
      .filter((r) => r.state !== 'failed')
      .at(-1);
    if (known) skipped.push({ file: input.file, reason: 'in_outbox', recording: known });
    else take.push(input);
  }
  return { take, skipped };
}

/** One line for the user about a skipped file. */
export function describeSkip(skip: Skip): string {
  if (skip.reason === 'repeated') return `skipped ${skip.file}: same audio as ${skip.sameAs}`;
  const { id, state } = skip.recording;
  if (state === 'done')
    return `skipped ${skip.file}: already dictated as recording ${id}; --again dictates it again`;
  return `skipped ${skip.file}: already in the outbox as recording ${id} (${state}), finishing it; --again dictates it again`;
}
