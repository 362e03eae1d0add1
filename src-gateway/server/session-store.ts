// Where session state lives. The gateway keeps connections and timers itself; the
// durable part of a session (which chunks arrived, their results, whether finish was
// asked) sits behind this interface so a shared store (Redis) can let a client resume
// on another gateway. Every method is async for that reason; the gateway serialises
// the operations of one session, so implementations need no locking of their own
// beyond making each call atomic.

import type { ChunkLedger } from './chunk-ledger.js';

export interface ChunkOutcome {
  text?: string;
  error?: { code: string; message: string };
}

export interface SessionRecord {
  sessionId: string;
  userId?: string;
  /** Epoch ms of the `start` that created the session (duration is measured from it). */
  startedAt: number;
  /** Epoch ms of the last message or result: idle sessions are swept after a while. */
  lastActivityAt: number;
  /** Every chunk accepted: its audio seconds, and its outcome once it has one. */
  chunks: ChunkLedger;
  finishRequested: boolean;
  /** Set once final_result was computed; kept so a reconnecting client can get it again. */
  final?: { text: string; duration: number; chunkCount: number; audioSeconds: number; partial: boolean };
}

export interface SessionStore {
  get(sessionId: string): Promise<SessionRecord | undefined>;
  /** Creates the session, replacing any previous one with this id. */
  create(record: SessionRecord): Promise<void>;
  /** Records an accepted chunk; false when this chunk_index was already there. */
  addChunk(sessionId: string, chunkIndex: number, audioSeconds: number, now: number): Promise<boolean>;
  setResult(sessionId: string, chunkIndex: number, outcome: ChunkOutcome, now: number): Promise<void>;
  markFinishRequested(sessionId: string, now: number): Promise<void>;
  setFinal(sessionId: string, final: NonNullable<SessionRecord['final']>, now: number): Promise<void>;
  touch(sessionId: string, now: number): Promise<void>;
  delete(sessionId: string): Promise<void>;
  /** Ids of sessions whose last activity is before `cutoff` (epoch ms). */
  idleSince(cutoff: number): Promise<string[]>;
  count(): Promise<number>;
}

export class MemorySessionStore implements SessionStore {
  private readonly sessions = new Map<string, SessionRecord>();

  async get(sessionId: string): Promise<SessionRecord | undefined> {
    return this.sessions.get(sessionId);
  }

  async create(record: SessionRecord): Promise<void> {
    this.sessions.set(record.sessionId, record);
  }

  async addChunk(sessionId: string, chunkIndex: number, audioSeconds: number, now: number): Promise<boolean> {
    const session = this.sessions.get(sessionId);
    if (!session) return false;
    session.lastActivityAt = now;
    return session.chunks.add(chunkIndex, audioSeconds);
  }

  async setResult(sessionId: string, chunkIndex: number, outcome: ChunkOutcome, now: number): Promise<void> {
    const session = this.sessions.get(sessionId);
    if (!session) return;
    session.lastActivityAt = now;
    session.chunks.setOutcome(chunkIndex, outcome);
  }

  async markFinishRequested(sessionId: string, now: number): Promise<void> {
    const session = this.sessions.get(sessionId);
    if (!session) return;
    session.lastActivityAt = now;
    session.finishRequested = true;
  }

  async setFinal(sessionId: string, final: NonNullable<SessionRecord['final']>, now: number): Promise<void> {
    const session = this.sessions.get(sessionId);
    if (!session) return;
    session.lastActivityAt = now;
    session.final = final;
  }

  async touch(sessionId: string, now: number): Promise<void> {
    const session = this.sessions.get(sessionId);
    if (session) session.lastActivityAt = now;
  }

  async delete(sessionId: string): Promise<void> {
    this.sessions.delete(sessionId);
  }

  async idleSince(cutoff: number): Promise<string[]> {
    const ids: string[] = [];
    for (const session of this.sessions.values())
      if (session.lastActivityAt < cutoff) ids.push(session.sessionId);
    return ids;
  }

  async count(): Promise<number> {
    return this.sessions.size;
  }
}
