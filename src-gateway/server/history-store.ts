// Finished sessions, kept for the HTTP API support staff use to look a user's session up
// (GET /api/v1/history, /api/v1/session/:id; docs/interop.md). Retention is bounded by
// count and by age (--history-max-sessions, --history-max-age-ms): the oldest go first.
// In memory here; in Redis, with a TTL, when the gateway runs with --redis
// (queue/redis/history-store.ts), so every gateway of a deployment sees the same history.

export interface FinishedSession {
  sessionId: string;
  userId?: string;
  text: string;
  /** Wall-clock seconds from start to final_result (the protocol's `duration`). */
  duration: number;
  /** The final_result's chunk_count. */
  chunkCount: number;
  audioSeconds: number;
  partial: boolean;
  /** Epoch ms. */
  createdAt: number;
  completedAt: number;
  /** chunk_index -> text ('' for a chunk that failed). */
  results: Record<number, string>;
}

export interface HistoryLimits {
  /** Sessions kept at most; 0 keeps none. */
  maxSessions: number;
  /** A session is forgotten this long after it finished. */
  maxAgeMs: number;
}

export interface HistoryStore {
  add(session: FinishedSession): Promise<void>;
  /** Newest first, at most `limit`. */
  list(limit: number): Promise<FinishedSession[]>;
  get(sessionId: string): Promise<FinishedSession | undefined>;
  /** False when there was no such session. */
  delete(sessionId: string): Promise<boolean>;
  /** Sessions held and the bytes their records take (JSON), for /api/v1/stats. */
  usage(): Promise<{ sessions: number; bytes: number }>;
  close?(): void;
}

export class MemoryHistoryStore implements HistoryStore {
  /** Insertion order is finishing order: the first entry is the oldest. */
  private readonly sessions = new Map<string, { session: FinishedSession; bytes: number }>();

  constructor(private readonly limits: HistoryLimits) {}

  async add(session: FinishedSession): Promise<void> {
    if (this.limits.maxSessions === 0) return;
    this.sessions.delete(session.sessionId);
    this.sessions.set(session.sessionId, { session, bytes: Buffer.byteLength(JSON.stringify(session)) });
    this.prune();
  }

  async list(limit: number): Promise<FinishedSession[]> {
    this.prune();
    return [...this.sessions.values()]
      .reverse()
      .slice(0, limit)
      .map((entry) => entry.session);
  }

  async get(sessionId: string): Promise<FinishedSession | undefined> {
    this.prune();
    return this.sessions.get(sessionId)?.session;
  }

  async delete(sessionId: string): Promise<boolean> {
    return this.sessions.delete(sessionId);
  }

  async usage(): Promise<{ sessions: number; bytes: number }> {
    this.prune();
    let bytes = 0;
    for (const entry of this.sessions.values()) bytes += entry.bytes;
    return { sessions: this.sessions.size, bytes };
  }

  private prune(): void {
    const oldestKept = Date.now() - this.limits.maxAgeMs;
    for (const [id, entry] of this.sessions) {
      if (this.sessions.size <= this.limits.maxSessions && entry.session.completedAt >= oldestKept) break;
      this.sessions.delete(id);
    }
  }
}
