// The uploader's reconnect policy, one instance per upload session: try the current
// gateway URL; on failure wait a capped exponential backoff with full jitter (never less
// than the server's Retry-After), and move to the next URL of the failover list. After
// `breakerThreshold` consecutive failures the circuit opens: each further attempt is a
// cheap GET /api/v1/health first, and only a ready gateway gets a WebSocket again.
// Every attempt (probe or connect) is followed by exactly one backoff delay when it
// fails, so N clients make at most N * attemptSchedule(...) attempts: nobody spins.
import { Backoff, DEFAULT_BACKOFF, type BackoffOptions } from '../../src-shared/backoff.js';
import type { ConnectionMonitors } from '../connection/monitor.js';
import { checkHealth } from '../connection/health.js';
import { ProtocolClient } from '../protocol-client/client.js';
import { ConnectError } from '../protocol-client/errors.js';
import { abortableSleep } from '../async/abortable-sleep.js';

export interface ConnectorOptions {
  /** Failover list, tried in order; at least one. */
  urls: readonly string[];
  token?: string;
  backoff?: BackoffOptions;
  /** Consecutive failures before connects are gated by a health probe. Default 5. */
  breakerThreshold?: number;
  connectTimeoutMs?: number;
  /** Drop a connection whose ping goes unanswered this long (half-open TCP). */
  heartbeatIntervalMs?: number;
  healthTimeoutMs?: number;
  monitors?: ConnectionMonitors;
  /** Told after every failed attempt, before the backoff wait (for per-recording status). */
  onRetry?: (retry: RetryInfo) => void;
}

export interface RetryInfo {
  url: string;
  reason: string;
  /** When the next attempt (connect or probe) will be made (epoch ms). */
  nextAttemptAt: number;
  /** The circuit breaker is open: the next attempt is a health probe. */
  offline: boolean;
}

export class Connector {
  private readonly backoff: Backoff;
  private urlIndex = 0;
  private consecutiveFailures = 0;
  /** A server-imposed minimum wait (Retry-After / retry_after_ms) for the next delay. */
  private floorMs = 0;
  /** Every connect or probe attempt made, for accounting and tests. */
  attempts = 0;

  constructor(private readonly options: ConnectorOptions) {
    if (options.urls.length === 0) throw new RangeError('at least one gateway URL is needed');
    this.backoff = new Backoff(options.backoff ?? DEFAULT_BACKOFF);
  }

  get currentUrl(): string {
    return this.options.urls[this.urlIndex];
  }

  get breakerOpen(): boolean {
    return this.consecutiveFailures >= (this.options.breakerThreshold ?? 5);
  }

  /** The session is established (start acknowledged): later failures start the backoff over. */
  markHealthy(): void {
    this.backoff.reset();
    this.consecutiveFailures = 0;
  }

  /** The server asked us to stay away at least this long (busy error with retry_after_ms). */
  requireDelay(ms: number): void {
    this.floorMs = Math.max(this.floorMs, ms);
  }

  /** Waits the backoff delay owed after a dropped session (jittered, so a restart is no stampede). */
  async pauseAfterDrop(reason: string, signal: AbortSignal): Promise<void> {
    const delay = this.nextDelay();
    this.options.monitors
      ?.for(this.currentUrl)
      .note('session_dropped', `${reason}; reconnecting in ${delay} ms`);
    this.options.onRetry?.({
      url: this.currentUrl,
      reason,
      nextAttemptAt: Date.now() + delay,
      offline: this.breakerOpen,
    });
    await abortableSleep(delay, signal);
  }

  /**
   * Connects, retrying transient failures forever (until `signal` aborts). Throws the
   * ConnectError of a permanent refusal (401), or the abort reason.
   */
  async connect(signal: AbortSignal): Promise<ProtocolClient> {
    for (;;) {
      signal.throwIfAborted();
      const url = this.currentUrl;
      const monitor = this.options.monitors?.for(url);
      this.attempts++;
      if (this.breakerOpen) {
        monitor?.probing();
        const check = await checkHealth(url, this.options.healthTimeoutMs ?? 3000);
        monitor?.healthChecked(check);
        if (!check.ok) {
          if (check.retryAfterMs !== undefined) this.requireDelay(check.retryAfterMs);
          await this.fail(`health probe failed: ${check.reason}`, signal, true);
          continue;
        }
        this.attempts++; // the WebSocket attempt that follows a good probe
      }
      monitor?.connecting();
      try {
        const client = await ProtocolClient.connect(url, {
          token: this.options.token,
          connectTimeoutMs: this.options.connectTimeoutMs,
          heartbeatIntervalMs: this.options.heartbeatIntervalMs,
        });
        monitor?.connected(client);
        return client;
      } catch (error) {
        if (!(error instanceof ConnectError)) throw error;
        if (error.permanent) {
          monitor?.unauthorized(error.message);
          throw error;
        }
        if (error.retryAfterMs !== undefined) this.requireDelay(error.retryAfterMs);
        // A gateway that answers busy is alive: stay with it. Anything else: fail over.
        if (error.kind !== 'busy') this.urlIndex = (this.urlIndex + 1) % this.options.urls.length;
        await this.fail(error.message, signal, false, monitor);
      }
    }
  }

  private nextDelay(): number {
    const delay = this.backoff.next(this.floorMs);
    this.floorMs = 0;
    return delay;
  }

  private async fail(
    reason: string,
    signal: AbortSignal,
    probe: boolean,
    monitor = this.options.monitors?.for(this.currentUrl),
  ): Promise<void> {
    this.consecutiveFailures++;
    const delay = this.nextDelay();
    const offline = probe || this.breakerOpen;
    monitor?.failed(reason, delay, { offline });
    this.options.onRetry?.({
      url: monitor?.url ?? this.currentUrl,
      reason,
      nextAttemptAt: Date.now() + delay,
      offline,
    });
    await abortableSleep(delay, signal);
  }
}
