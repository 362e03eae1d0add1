// The Status view's data: connection state per gateway URL (from the delivery side),
// the embedded gateway, the outbox queue with per-item retry state, recent errors, and
// "Copy diagnostics" with every secret redacted. Changes are coalesced into at most two
// `status.changed` events per second, however busy the outbox is.
import type {
  EndpointStatus,
  QueueItem,
  RecentError,
  StatusSnapshot,
  TextFile,
} from '../../src-shared/api/models.js';
import type { OutboxStore } from '../outbox/store.js';
import type { Emit } from './dictation-service.js';
import type { GatewayService } from './gateway-service.js';
import { HISTORY_STATE_OF } from './history-service.js';

const MAX_ERRORS = 50;
const MIN_EVENT_INTERVAL_MS = 500;

/** Per-recording delivery state the outbox does not keep (attempts, next retry). */
export interface DeliveryItemState {
  attempts: number;
  nextAttemptAt?: number;
  lastError?: string;
}

/** What the delivery side (uploader + connection monitor) tells the status view. */
export interface DeliveryStatusSource {
  endpoints(): EndpointStatus[];
  item(recordingId: number): DeliveryItemState | undefined;
}

export class StatusService {
  private readonly errors: RecentError[] = [];
  private delivery: DeliveryStatusSource | undefined;
  private pending: ReturnType<typeof setTimeout> | undefined;
  private lastEmit = 0;
  private closed = false;

  constructor(
    private readonly outbox: OutboxStore,
    private readonly gateway: GatewayService,
    private readonly emit: Emit,
  ) {}

  attachDelivery(source: DeliveryStatusSource): void {
    this.delivery = source;
    this.changed();
  }

  recordError(source: string, message: string): void {
    const at = Date.now();
    // A dead gateway fails the same way every few seconds: one line with a count, not a flood.
    const same = this.errors.findIndex((e) => e.source === source && e.message === message);
    const error: RecentError =
      same >= 0
        ? { at, source, message, count: (this.errors[same].count ?? 1) + 1 }
        : { at, source, message };
    if (same >= 0) this.errors.splice(same, 1);
    this.errors.push(error);
    if (this.errors.length > MAX_ERRORS) this.errors.shift();
    if (same < 0) this.emit('app.error', error); // repeats reach the view with the next snapshot, not as new alerts
    this.changed();
  }

  recentErrors(): RecentError[] {
    return [...this.errors].reverse();
  }

  /** Something changed: emit a snapshot now or at the end of the throttle window. */
  changed(): void {
    if (this.closed || this.pending) return;
    const wait = Math.max(0, this.lastEmit + MIN_EVENT_INTERVAL_MS - Date.now());
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.lastEmit = Date.now();
      try {
        this.emit('status.changed', this.snapshot());
      } catch {
        /* the outbox closed under us during shutdown */
      }
    }, wait);
  }

  private endpoints(): EndpointStatus[] {
    if (this.delivery) return this.delivery.endpoints();
    // Nothing delivers yet: list the configured URLs as idle so support sees the configuration.
    const embeddedUrl = this.gateway.embeddedStatus().url;
    return this.gateway.urls().map((url) => ({
      url,
      label: url === embeddedUrl ? 'This computer' : hostOf(url),
      embedded: url === embeddedUrl,
      state: 'idle' as const,
      since: Date.now(),
      timeline: [],
      rtt: [],
      health: null,
    }));
  }

  queue(): QueueItem[] {
    return this.outbox.listUploadable().map((r) => {
      const d = this.delivery?.item(r.id);
      return {
        recordingId: String(r.id),
        createdAt: r.createdAt,
        state: HISTORY_STATE_OF[r.state],
        chunksTotal: r.chunkCount,
        chunksAcked: r.resultCount,
        attempts: d?.attempts ?? 0,
        ...(d?.nextAttemptAt !== undefined ? { nextAttemptAt: d.nextAttemptAt } : {}),
        ...(d?.lastError ? { lastError: d.lastError } : {}),
      };
    });
  }

  snapshot(): StatusSnapshot {
    const items = this.queue();
    return {
      at: Date.now(),
      endpoints: this.endpoints(),
      embedded: this.gateway.embeddedStatus(),
      queue: { depth: items.length, items },
      errors: this.recentErrors(),
    };
  }

  /** JSON for support. Every occurrence of a secret is replaced, wherever it hides. */
  diagnostics(extra: Record<string, unknown>, secrets: string[]): TextFile {
    const body = JSON.stringify(
      { generatedAt: new Date().toISOString(), ...extra, status: this.snapshot() },
      null,
      2,
    );
    return {
      filename: `earshot-diagnostics-${Date.now()}.json`,
      mimeType: 'application/json',
      content: redact(body, secrets) + '\n',
    };
  }

  close(): void {
    this.closed = true;
    if (this.pending) clearTimeout(this.pending);
  }
}

export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** Replaces each secret (and its URL-encoded and JSON-escaped forms) and any `token=` query value. */
export function redact(text: string, secrets: string[]): string {
  let out = text
    .replace(/([?&]token=)[^&"\s]+/gi, '$1<redacted>')
    .replace(/(Bearer\s+)[^\s"]+/gi, '$1<redacted>');
  for (const secret of secrets) {
    if (!secret) continue;
    for (const form of new Set([secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)]))
      out = out.split(form).join('<redacted>');
  }
  return out;
}
