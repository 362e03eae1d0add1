// Every Redis key Earshot uses, in one place, so gateways, workers and the session store
// agree on the layout. All keys share a prefix so several deployments can share one Redis.
//
//   {p}:tasks                  stream of recognition tasks, consumer group `workers`
//   {p}:results:{gatewayId}    stream of results for the sessions a gateway holds
//   {p}:dead                   dead-letter stream (tasks that failed K deliveries)
//   {p}:stats                  hash of counters (backlog, completed, reclaimed, dead ...)
//   {p}:worker:{id}            heartbeat of a live worker (TTL key, JSON)
//   {p}:workers                set of worker ids ever seen (pruned when the heartbeat is gone)
//   {p}:session:{id}           hash: status, owning gateway, timestamps
//   {p}:session:{id}:chunks    hash: chunk index -> audio seconds (chunks received)
//   {p}:session:{id}:results   hash: chunk index -> result JSON
//   {p}:sessions               sorted set: session id by last activity (for the idle sweep)
//   {p}:history                sorted set: finished session id by finishing time (HTTP API)
//   {p}:history:{id}           finished session as JSON, TTL = --history-max-age-ms
//
// The result routing script builds `{p}:results:{owner}` inside Lua, so the layout needs a
// single Redis primary (not Redis Cluster).

export const DEFAULT_PREFIX = 'earshot';
export const WORKER_GROUP = 'workers';

export class RedisKeys {
  constructor(readonly prefix: string = DEFAULT_PREFIX) {
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(prefix)) {
      throw new RangeError(`redis key prefix must be 1-64 of [A-Za-z0-9_.-], got "${prefix}"`);
    }
  }

  get tasks(): string {
    return `${this.prefix}:tasks`;
  }
  get deadLetters(): string {
    return `${this.prefix}:dead`;
  }
  get stats(): string {
    return `${this.prefix}:stats`;
  }
  get workers(): string {
    return `${this.prefix}:workers`;
  }
  get resultsPrefix(): string {
    return `${this.prefix}:results:`;
  }
  results(gatewayId: string): string {
    return `${this.resultsPrefix}${gatewayId}`;
  }
  worker(workerId: string): string {
    return `${this.prefix}:worker:${workerId}`;
  }
  session(sessionId: string): string {
    return `${this.prefix}:session:${sessionId}`;
  }
  sessionChunks(sessionId: string): string {
    return `${this.prefix}:session:${sessionId}:chunks`;
  }
  sessionResults(sessionId: string): string {
    return `${this.prefix}:session:${sessionId}:results`;
  }
  get sessionsByActivity(): string {
    return `${this.prefix}:sessions`;
  }
  get historyIndex(): string {
    return `${this.prefix}:history`;
  }
  history(sessionId: string): string {
    return `${this.prefix}:history:${sessionId}`;
  }
}

/** Counter fields of `{p}:stats`. Audio is counted in integer milliseconds so counters never drift. */
export const STAT = {
  backlogMs: 'backlog_ms',
  backlogTasks: 'backlog_tasks',
  completed: 'completed',
  completedMs: 'completed_ms',
  failed: 'failed',
  deadLetters: 'dead_letters',
  reclaimed: 'reclaimed',
  enqueued: 'enqueued',
} as const;
