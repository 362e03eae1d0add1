// How CLI commands print a recording for scripts (`outbox ls --json`, `dictate --json`).
import type { Recording } from '../outbox/store.js';

/** The stable JSON shape of a recording for scripts (`ls --json`, `dictate --json`). */
export function recordingJson(r: Recording) {
  return {
    id: r.id,
    sessionId: r.sessionId,
    contentSha256: r.contentSha256,
    source: r.source,
    state: r.state,
    chunks: r.chunkCount,
    chunksWithText: r.resultCount,
    audioSeconds: Math.round(r.audioSeconds * 1000) / 1000,
    sealed: r.sealed,
    // What the recording says (the user's edit, from History, where there is one)...
    text: r.editedText ?? r.text,
    // ...and what was recognised, kept beside it.
    recognisedText: r.text,
    editedAt: r.editedAt === null ? null : new Date(r.editedAt).toISOString(),
    partial: r.partial,
    failureReason: r.failureReason,
    createdAt: new Date(r.createdAt).toISOString(),
    finishedAt: r.finishedAt === null ? null : new Date(r.finishedAt).toISOString(),
  };
}
