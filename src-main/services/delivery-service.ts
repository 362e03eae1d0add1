// Delivery: the outbox session's Uploader drains the outbox to the active gateway(s), and
// its ConnectionMonitors (one state machine per URL) feed the Status view. This service
// (re)creates the uploader when the URLs or the token change, keeps a per-URL timeline
// of state changes and RTT samples the monitors do not keep, probes health while idle,
// and tracks per-recording attempts for the queue list. Listeners of `onChange` (the
// Status view) hear of every change.
import type { ConnectionTransition, EndpointStatus, GatewayHealth } from '../../src-shared/api/status.js';
import {
  ConnectionMonitors,
  type ConnectionEvent,
  type ConnectionMonitor,
  type ConnectionSnapshot,
} from '../connection/monitor.js';
import { redactUrl } from '../protocol-client/urls.js';
import type { ChangeKind } from '../outbox/store.js';
import type { OutboxSession } from '../upload/outbox-session.js';
import type { LivePreviews, Uploader, UploadEvent } from '../upload/index.js';
import type { ReportError } from './errors.js';
import type { GatewayService } from './gateway-service.js';

export interface DeliverySettings {
  token: string;
}

/** Per-recording delivery state the outbox does not keep (attempts, next retry). */
export interface DeliveryItemState {
  attempts: number;
  nextAttemptAt?: number;
  lastError?: string;
  /** Waiting out a reconnect backoff (the gateway could not be reached), not a wait the gateway asked for. */
  backingOff?: boolean;
}

const TIMELINE_LENGTH = 100;
const RTT_SAMPLES = 120;
const SAMPLE_INTERVAL_MS = 2000;
const IDLE_HEALTH_INTERVAL_MS = 15_000;
/**
 * While recordings wait for an unreachable gateway its health is probed this often, so
 * they are sent as soon as it is back rather than at their next backoff slot (up to 30 s).
 */
const WAITING_HEALTH_INTERVAL_MS = SAMPLE_INTERVAL_MS;

interface EndpointHistory {
  timeline: ConnectionTransition[];
  rtt: { at: number; ms: number }[];
  lastRtt: number | null;
  lastProbe: number;
  subscribed: boolean;
}

export class DeliveryService {
  private uploader: Uploader | undefined;
  private configuredKey = '';
  private readonly monitors = new ConnectionMonitors();
  private readonly history = new Map<string, EndpointHistory>();
  private readonly items = new Map<number, DeliveryItemState>();
  private readonly sampler: NodeJS.Timeout;
  private closed = false;
  private readonly listeners = new Set<() => void>();
  private readonly eventListeners = new Set<(host: string, event: ConnectionEvent) => void>();
  private readonly onOutboxChange = (recordingId: number, what: ChangeKind) => {
    if (what === 'discarded') this.items.delete(recordingId); // nothing to show for it any more
  };

  constructor(
    private readonly session: OutboxSession,
    private readonly gateway: GatewayService,
    private readonly settings: () => DeliverySettings,
    private readonly reportError: ReportError,
    /** Where the uploader offers its live sessions for previews (live text). */
    private readonly previews?: LivePreviews,
  ) {
    session.store.on('change', this.onOutboxChange);
    this.sampler = setInterval(() => this.sample(), SAMPLE_INTERVAL_MS);
    this.sampler.unref();
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }

  /** Attempts, next retry and last error of a recording being delivered. */
  item(recordingId: number): DeliveryItemState | undefined {
    return this.items.get(recordingId);
  }

  private endpointHistory(url: string): EndpointHistory {
    let h = this.history.get(url);
    if (!h)
      this.history.set(url, (h = { timeline: [], rtt: [], lastRtt: null, lastProbe: 0, subscribed: false }));
    return h;
  }

  private watch(monitor: ConnectionMonitor): void {
    const h = this.endpointHistory(monitor.url);
    if (h.subscribed) return;
    h.subscribed = true;
    h.timeline.push({ at: Date.now(), state: monitor.state });
    monitor.on('state', (state) => {
      const snap = monitor.snapshot();
      const retryInMs =
        snap.nextAttemptAt !== null ? Math.max(0, snap.nextAttemptAt - Date.now()) : undefined;
      // A failure's reason belongs to the state it caused, not to the next connect attempt.
      const failedState = state === 'backing_off' || state === 'offline' || state === 'unauthorized';
      h.timeline.push({
        at: Date.now(),
        state,
        ...(snap.lastError && failedState ? { reason: snap.lastError } : {}),
        ...(retryInMs !== undefined && state === 'backing_off' ? { retryInMs } : {}),
      });
      if (h.timeline.length > TIMELINE_LENGTH) h.timeline.shift();
      this.changed();
    });
    monitor.on('event', (event) => {
      for (const listener of this.eventListeners) listener(hostOf(monitor.url), event);
      this.changed();
    });
  }

  /** RTT samples and idle health probes (bounded: one timer, a few URLs). */
  private sample(): void {
    const now = Date.now();
    for (const url of this.gateway.urls()) {
      const monitor = this.monitors.for(url);
      this.watch(monitor);
      const h = this.endpointHistory(url);
      const rtt = monitor.lastRttMs;
      if (rtt !== null && monitor.state === 'connected' && rtt !== h.lastRtt) {
        h.lastRtt = rtt;
        h.rtt.push({ at: now, ms: Math.round(rtt * 100) / 100 });
        if (h.rtt.length > RTT_SAMPLES) h.rtt.shift();
        this.changed();
      }
      // While connected the monitor polls health itself; otherwise support still wants to see
      // it, and recordings waiting for the gateway want to know the moment it is back.
      const interval = this.backingOff().length > 0 ? WAITING_HEALTH_INTERVAL_MS : IDLE_HEALTH_INTERVAL_MS;
      if (monitor.state !== 'connected' && now - h.lastProbe >= interval) {
        h.lastProbe = now;
        void monitor.probeHealth().then(
          (check) => {
            if (check.ok) this.gatewayBack(url);
            this.changed();
          },
          () => {},
        );
      }
    }
  }

  /** Recordings sleeping in a reconnect backoff. */
  private backingOff(): number[] {
    const now = Date.now();
    return [...this.items]
      .filter(([, item]) => item.backingOff && item.nextAttemptAt !== undefined && item.nextAttemptAt > now)
      .map(([id]) => id);
  }

  /**
   * A health probe found the gateway ready again: recordings waiting out a backoff are
   * retried now, each in a fresh session resuming where the outbox says it is.
   */
  private gatewayBack(url: string): void {
    const waiting = this.backingOff();
    if (!this.uploader || waiting.length === 0) return;
    this.monitors
      .for(url)
      .note('gateway_back', `health ready; retrying ${waiting.length} waiting recording(s) now`);
    for (const id of waiting) {
      const item = this.items.get(id)!;
      item.backingOff = false;
      item.nextAttemptAt = undefined;
      this.uploader.retryNow(id);
    }
  }

  endpoints(): EndpointStatus[] {
    const embeddedUrl = this.gateway.embeddedStatus().url;
    return this.gateway.urls().map((url) => {
      const monitor = this.monitors.for(url);
      this.watch(monitor);
      const snap = monitor.snapshot();
      const h = this.endpointHistory(url);
      return {
        url: snap.url,
        label: url === embeddedUrl ? 'This computer' : hostOf(url),
        embedded: url === embeddedUrl,
        state: snap.state,
        since: snap.since,
        timeline: [...h.timeline],
        rtt: [...h.rtt],
        health: snap.health,
        ...((snap.state === 'backing_off' || snap.state === 'offline') && snap.nextAttemptAt
          ? { nextAttemptAt: snap.nextAttemptAt }
          : {}),
      };
    });
  }

  /** The monitors' own snapshots (counters, recent events; already redacted) for diagnostics. */
  connectionDiagnostics(): ConnectionSnapshot[] {
    return this.monitors.snapshot();
  }

  /** Each monitor's recent health answers (the diagnostics bundle's health snapshots). */
  healthHistory(): { url: string; checks: GatewayHealth[]; dropped: number }[] {
    return this.monitors
      .all()
      .map((monitor) => ({ url: redactUrl(monitor.url), ...monitor.healthHistory() }));
  }

  /** Hears every connection monitor event, with the gateway's host (the app's log). */
  onConnectionEvent(listener: (host: string, event: ConnectionEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  private onUpload(event: UploadEvent): void {
    const item = this.items.get(event.recordingId) ?? { attempts: 0 };
    if (event.type === 'session') {
      item.attempts++;
      item.nextAttemptAt = undefined;
      item.backingOff = false;
    } else if (event.type === 'retrying') {
      // Each failed connect or health probe is an attempt for the recording waiting on it.
      item.attempts++;
      item.nextAttemptAt = event.nextAttemptAt;
      item.backingOff = true;
      item.lastError = this.monitors.for(event.url).snapshot().lastError ?? event.reason;
      this.reportError('connection', item.lastError);
    } else if (event.type === 'waiting') {
      // Not a failure: the gateway admits by expected wait and said when to come back.
      item.nextAttemptAt = Date.now() + event.waitMs;
      item.backingOff = false;
      item.lastError = `gateway busy, waiting to start: ${event.reason}`;
    } else if (event.type === 'dropped' || event.type === 'failed') {
      item.lastError = event.reason;
      const next = this.monitors.for(this.gateway.activeUrl() ?? '').snapshot().nextAttemptAt;
      item.nextAttemptAt = next ?? undefined;
      this.reportError(
        'upload',
        event.type === 'failed'
          ? `recording ${event.recordingId} failed: ${event.reason}`
          : `recording ${event.recordingId}: session dropped: ${event.reason}`,
      );
    } else if (event.type === 'done') {
      this.items.delete(event.recordingId);
      this.changed();
      return;
    } else {
      return; // protocol messages: nothing for the queue list
    }
    this.items.set(event.recordingId, item);
    this.changed();
  }

  /** Settings or the gateway changed: (re)start the uploader on the current URLs and token. */
  async reconfigure(): Promise<void> {
    if (this.closed) return;
    const urls = this.gateway.urls();
    const token = this.settings().token;
    const key = JSON.stringify([urls, token]);
    if (key === this.configuredKey && this.uploader) return;
    this.configuredKey = key;
    await this.stopUploader();
    if (urls.length === 0) {
      const embedded = this.gateway.embeddedStatus();
      this.reportError(
        'delivery',
        `no gateway to deliver to${embedded.reason ? `: ${embedded.reason}` : ': set a gateway URL in Settings'}; recordings stay queued`,
      );
      this.changed();
      return;
    }
    const uploader = await this.session.deliver({
      urls,
      token: token || undefined,
      monitors: this.monitors,
      previews: this.previews,
    });
    if (this.closed) {
      await this.session.stopDelivery();
      return;
    }
    uploader.on('upload', (event) => this.onUpload(event));
    uploader.on('problem', (recordingId, error) =>
      this.reportError('upload', `recording ${recordingId}: ${error.message}`),
    );
    this.uploader = uploader;
    for (const url of urls) this.watch(this.monitors.for(url));
    uploader.start();
    this.sample();
    this.changed();
  }

  private async stopUploader(): Promise<void> {
    this.uploader = undefined;
    await this.session.stopDelivery();
  }

  /**
   * "Retry now" for one recording: a failed one was moved back to queued by the caller; a
   * waiting one (backoff, or a pause after a problem) has its wait cut short. The other
   * recordings keep their sessions and their waits.
   */
  retryNow(recordingId: number): boolean {
    if (!this.uploader) return false;
    this.uploader.retryNow(recordingId);
    return true;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sampler);
    this.session.store.off('change', this.onOutboxChange);
    await this.stopUploader();
    this.monitors.dispose();
    this.listeners.clear();
  }
}

/** "This computer" aside, an endpoint is labelled with its URL's host. */
export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
