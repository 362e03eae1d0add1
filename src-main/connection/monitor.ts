// What support staff read: one state machine per gateway URL, fed by whoever connects
// (the uploader's connectors, `earshot status`). It keeps the current state, the last
// round-trip time, the last health answer, and a bounded ring of recent events, and
// renders all of it as a diagnostics snapshot with every secret redacted.
//
//   idle --connecting()--> connecting --connected()--> connected
//   connecting --failed()--> backing_off (next attempt at, attempt n) | offline (breaker open)
//   offline --probing()--> offline (a health probe is not a connect; no flicker)
//   any --unauthorized()--> unauthorized          connected --disconnected()--> idle
import { EventEmitter } from 'node:events';
import type { ConnectionState, GatewayHealth } from '../../src-shared/api/status.js';
import type { ProtocolClient } from '../protocol-client/client.js';
import { redactUrl } from '../protocol-client/urls.js';
import { checkHealth, type HealthCheck } from './health.js';
import { RingBuffer } from './ring-buffer.js';

/** Times are milliseconds since the Unix epoch, like everywhere in the app API. */
export interface ConnectionEvent {
  at: number;
  kind: string;
  detail?: string;
}

export interface ConnectionSnapshot {
  url: string;
  state: ConnectionState;
  since: number;
  /** Consecutive failed attempts (0 once connected). */
  attempt: number;
  nextAttemptAt: number | null;
  openConnections: number;
  rttMs: number | null;
  lastError: string | null;
  health: GatewayHealth | null;
  counters: { attempts: number; connects: number; failures: number; disconnects: number };
  events: ConnectionEvent[];
  droppedEvents: number;
}

export interface MonitorOptions {
  /** Ping the open connection this often (ms). Default 10 s. */
  pingIntervalMs?: number;
  /** Poll /api/v1/health this often while connected (ms). Default 15 s. */
  healthIntervalMs?: number;
  /** Recent events kept. Default 200. */
  eventCapacity?: number;
  /** Recent health answers kept, for the diagnostics bundle. Default 100. */
  healthCapacity?: number;
}

function scrub(text: string): string {
  // Messages can quote URLs or headers; tokens must never reach a snapshot.
  return redactUrlsIn(text).replace(/(bearer\s+)[^\s,;]+/gi, '$1REDACTED');
}

function redactUrlsIn(text: string): string {
  return text.replace(/\b(wss?|https?):\/\/[^\s)"']+/g, (url) => redactUrl(url));
}

export class ConnectionMonitor extends EventEmitter<{
  state: [ConnectionState];
  event: [ConnectionEvent];
  rtt: [number];
}> {
  readonly url: string;
  private currentState: ConnectionState = 'idle';
  private stateSince = Date.now();
  private attempt = 0;
  private nextAttemptAt: number | null = null;
  private lastError: string | null = null;
  private rttMs: number | null = null;
  private health: ConnectionSnapshot['health'] = null;
  private readonly events: RingBuffer<ConnectionEvent>;
  private readonly healthChecks: RingBuffer<GatewayHealth>;
  private readonly clients = new Set<ProtocolClient>();
  private readonly counters = { attempts: 0, connects: 0, failures: 0, disconnects: 0 };
  private pingTimer: NodeJS.Timeout | undefined;
  private healthTimer: NodeJS.Timeout | undefined;
  private readonly pingIntervalMs: number;
  private readonly healthIntervalMs: number;

  constructor(url: string, options: MonitorOptions = {}) {
    super();
    this.url = url;
    this.pingIntervalMs = options.pingIntervalMs ?? 10_000;
    this.healthIntervalMs = options.healthIntervalMs ?? 15_000;
    this.events = new RingBuffer(options.eventCapacity ?? 200);
    this.healthChecks = new RingBuffer(options.healthCapacity ?? 100);
  }

  get state(): ConnectionState {
    return this.currentState;
  }

  get lastRttMs(): number | null {
    return this.rttMs;
  }

  connecting(): void {
    this.counters.attempts++;
    if (this.currentState !== 'connected') this.setState('connecting');
    this.record('connecting', `attempt ${this.attempt + 1}`);
  }

  /**
   * The circuit breaker probes health before the next connect. No state change: an offline
   * gateway stays offline until a probe succeeds and a real connect starts.
   */
  probing(): void {
    this.counters.attempts++;
    this.record('probing', `attempt ${this.attempt + 1}: health probe`);
  }

  /** A connection opened; the monitor pings it and polls health while any is open. */
  connected(client: ProtocolClient): void {
    this.counters.connects++;
    this.attempt = 0;
    this.nextAttemptAt = null;
    this.lastError = null;
    this.clients.add(client);
    client.once('close', ({ code, reason }) =>
      this.disconnected(client, `closed ${code}${reason ? ` ${reason}` : ''}`),
    );
    this.setState('connected');
    this.record('connected');
    this.startTimers();
    void this.measureRtt(client);
  }

  /** A connect attempt failed; `offline` when the caller's circuit breaker is open. */
  failed(reason: string, delayMs: number, options: { offline?: boolean } = {}): void {
    this.counters.failures++;
    this.attempt++;
    this.lastError = scrub(reason);
    this.nextAttemptAt = Date.now() + delayMs;
    if (this.clients.size === 0) this.setState(options.offline ? 'offline' : 'backing_off');
    this.record('failed', `${this.lastError}; next attempt in ${delayMs} ms`);
  }

  unauthorized(reason: string): void {
    this.lastError = scrub(reason);
    this.nextAttemptAt = null;
    this.setState('unauthorized');
    this.record('unauthorized', this.lastError);
  }

  /** The result of a health probe made by someone else (the breaker). */
  healthChecked(check: HealthCheck): void {
    this.health = {
      ...(check.ok ? check.health : (check.health ?? { status: 'unreachable' })),
      checkedAt: Date.now(),
      ok: check.ok,
      ...(check.ok ? {} : { reason: check.reason }),
    };
    this.healthChecks.push(this.health);
    this.record('health', check.ok ? `ready (${check.ms} ms)` : `not ready: ${check.reason}`);
  }

  /** A round trip measured by the caller (e.g. the best of several pings). */
  recordRtt(ms: number): void {
    this.rttMs = ms;
  }

  /** Records an event without changing state (resume, final result, busy...). */
  note(kind: string, detail?: string): void {
    this.record(kind, detail);
  }

  private disconnected(client: ProtocolClient, reason: string): void {
    if (!this.clients.delete(client)) return;
    this.counters.disconnects++;
    this.record('disconnected', reason);
    if (this.clients.size === 0) {
      this.stopTimers();
      if (this.currentState === 'connected') this.setState('idle');
    }
  }

  async probeHealth(timeoutMs = 3000): Promise<HealthCheck> {
    const check = await checkHealth(this.url, timeoutMs);
    this.healthChecked(check);
    return check;
  }

  snapshot(): ConnectionSnapshot {
    return {
      url: redactUrl(this.url),
      state: this.currentState,
      since: this.stateSince,
      attempt: this.attempt,
      nextAttemptAt: this.nextAttemptAt,
      openConnections: this.clients.size,
      rttMs: this.rttMs === null ? null : Math.round(this.rttMs * 100) / 100,
      lastError: this.lastError,
      health: this.health,
      counters: { ...this.counters },
      events: this.events.toArray(),
      droppedEvents: this.events.droppedCount,
    };
  }

  /** The recent health answers, oldest first, and how many older ones were dropped. */
  healthHistory(): { checks: GatewayHealth[]; dropped: number } {
    return { checks: this.healthChecks.toArray(), dropped: this.healthChecks.droppedCount };
  }

  /** Stops timers (the monitor can still record). */
  dispose(): void {
    this.stopTimers();
  }

  private async measureRtt(client: ProtocolClient): Promise<void> {
    try {
      const rtt = await client.ping(5000);
      this.rttMs = rtt;
      this.emit('rtt', rtt);
    } catch {
      // A lost pong shows up as a disconnect soon enough.
    }
  }

  private startTimers(): void {
    if (!this.pingTimer) {
      this.pingTimer = setInterval(() => {
        const client = [...this.clients].find((c) => c.isOpen);
        if (client) void this.measureRtt(client);
      }, this.pingIntervalMs);
      this.pingTimer.unref();
    }
    if (!this.healthTimer) {
      void this.probeHealth();
      this.healthTimer = setInterval(() => void this.probeHealth(), this.healthIntervalMs);
      this.healthTimer.unref();
    }
  }

  private stopTimers(): void {
    clearInterval(this.pingTimer);
    clearInterval(this.healthTimer);
    this.pingTimer = undefined;
    this.healthTimer = undefined;
  }

  private setState(state: ConnectionState): void {
    if (state === this.currentState) return;
    this.currentState = state;
    this.stateSince = Date.now();
    this.emit('state', state);
  }

  private record(kind: string, detail?: string): void {
    const event: ConnectionEvent = {
      at: Date.now(),
      kind,
      ...(detail ? { detail: scrub(detail) } : {}),
    };
    this.events.push(event);
    this.emit('event', event);
  }
}

/** One monitor per URL, created on first use. */
export class ConnectionMonitors {
  private readonly byUrl = new Map<string, ConnectionMonitor>();
  constructor(private readonly options: MonitorOptions = {}) {}

  for(url: string): ConnectionMonitor {
    let monitor = this.byUrl.get(url);
    if (!monitor) {
      monitor = new ConnectionMonitor(url, this.options);
      this.byUrl.set(url, monitor);
    }
    return monitor;
  }

  all(): ConnectionMonitor[] {
    return [...this.byUrl.values()];
  }

  snapshot(): ConnectionSnapshot[] {
    return this.all().map((monitor) => monitor.snapshot());
  }

  dispose(): void {
    for (const monitor of this.byUrl.values()) monitor.dispose();
  }
}
