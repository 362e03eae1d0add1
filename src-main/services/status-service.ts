// The Status view's data: connection state per gateway URL (from the delivery side),
// the embedded gateway, the outbox queue with per-item retry state, recent errors,
// "Copy diagnostics" with every secret redacted, and the diagnostics bundle
// (src-main/diagnostics/bundle.ts; docs/security.md, "Diagnostics bundle"). Changes are coalesced into at most two
// `status.changed` events per second, however busy the outbox is.
import type { FeatureHandlers } from '../../src-shared/api/contract.js';
import { ApiError, type TextFile } from '../../src-shared/api/common.js';
import type { GatewayInUse, QueueItem, StatusSnapshot } from '../../src-shared/api/status.js';
import type { OutboxStore } from '../outbox/store.js';
import { lookupSessionOnGateways } from '../connection/session-lookup.js';
import { buildBundle, type Bundle, type BundleFile } from '../diagnostics/bundle.js';
import { outboxSummary, versionsFile } from '../diagnostics/contents.js';
import { redact } from '../diagnostics/redact.js';
import { hostOf, type DeliveryService } from './delivery-service.js';
import { fromOutboxError, outboxId, type ErrorLog } from './errors.js';
import type { Emit } from './events.js';
import type { GatewayService } from './gateway-service.js';
import { HISTORY_STATE_OF, type HistoryService } from './history-service.js';

const MIN_EVENT_INTERVAL_MS = 500;

/** What "Copy diagnostics" adds to the snapshot and the secrets it must not contain; the gateway token. */
export interface DiagnosticsContext {
  extra(): Record<string, unknown>;
  /** The gateway recordings go to now and where it comes from (URL redacted). */
  gatewayInUse?(): GatewayInUse;
  secrets(): string[];
  token(): string;
  /** For the bundle: who we are, the settings without the token, the app's recent log, the data folder. */
  bundle?: BundleContext;
}

export interface BundleContext {
  app(): { version: string; mode: 'web' | 'electron' };
  settings(): Record<string, unknown>;
  log(): { lines: string[]; dropped: number };
  dataDir(): string;
  /** The desktop app: asks the user where to save (a native dialog) and writes the file; undefined when cancelled. */
  save?(suggestedName: string, bytes: Uint8Array): Promise<string | undefined>;
}

export class StatusService {
  private pending: ReturnType<typeof setTimeout> | undefined;
  private lastEmit = 0;
  private closed = false;
  private readonly unsubscribe: Array<() => void>;
  private readonly onOutboxChange = () => this.changed();

  constructor(
    private readonly outbox: OutboxStore,
    private readonly gateway: GatewayService,
    private readonly delivery: DeliveryService,
    private readonly history: HistoryService,
    private readonly errors: ErrorLog,
    private readonly emit: Emit,
    private readonly diagnosticsContext: DiagnosticsContext,
  ) {
    outbox.on('change', this.onOutboxChange);
    this.unsubscribe = [
      gateway.onChange(() => this.changed()),
      delivery.onChange(() => this.changed()),
      errors.onChange(() => this.changed()),
      () => outbox.off('change', this.onOutboxChange),
    ];
  }

  handlers(): FeatureHandlers<'status'> {
    return {
      'status.get': () => this.snapshot(),
      'status.retryNow': (input) => {
        const id = outboxId(input.recordingId);
        try {
          this.outbox.retry(id); // a failed recording goes back to the queue; a waiting one stays
        } catch (error) {
          fromOutboxError(error);
        }
        return { ok: this.delivery.retryNow(id) };
      },
      'status.discard': (input) => ({ ok: this.history.delete(input.recordingId) }),
      'status.diagnostics': () =>
        this.diagnostics(this.diagnosticsContext.extra(), this.diagnosticsContext.secrets()),
      'status.bundle': () => {
        const bundle = this.bundle();
        return { filename: bundle.filename, mimeType: bundle.mimeType, bytes: new Uint8Array(bundle.bytes) };
      },
      'status.saveBundle': async () => {
        const save = this.diagnosticsContext.bundle?.save;
        if (!save)
          throw new ApiError(
            'unavailable',
            'saving through a dialog needs the desktop app; in the browser the bundle is downloaded',
          );
        const bundle = this.bundle();
        const path = await save(bundle.filename, bundle.bytes);
        return path === undefined ? { saved: false } : { saved: true, path, bytes: bundle.bytes.length };
      },
      'status.errors': () => ({ errors: this.errors.recent() }),
      'status.lookupSession': (input) => {
        const embeddedUrl = this.gateway.embeddedStatus().url;
        const gateways = this.gateway
          .urls()
          .map((url) => ({ url, label: url === embeddedUrl ? 'This computer' : hostOf(url) }));
        return lookupSessionOnGateways(gateways, input.sessionId, {
          token: this.diagnosticsContext.token() || undefined,
        });
      },
    };
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

  queue(): QueueItem[] {
    return this.outbox.listUploadable().map((r) => {
      const d = this.delivery.item(r.id);
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
    const gateway = this.diagnosticsContext.gatewayInUse?.();
    return {
      at: Date.now(),
      ...(gateway ? { gateway } : {}),
      endpoints: this.delivery.endpoints(),
      embedded: this.gateway.embeddedStatus(),
      queue: { depth: items.length, items },
      errors: this.errors.recent(),
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

  /** The diagnostics bundle: what the Status view shows and more, redacted, as a .tar.gz. */
  bundle(): Bundle {
    const context = this.diagnosticsContext.bundle;
    if (!context) throw new ApiError('unavailable', 'the diagnostics bundle is not available here');
    const app = context.app();
    const endpoints = this.delivery.endpoints();
    const log = context.log();
    const gatewayLog = this.gateway.embeddedLogTail();
    const files: BundleFile[] = [
      {
        name: 'settings.json',
        description:
          'the settings (the token only as set or not, URL secrets redacted) and which gateway is in use and why',
        content: {
          settings: context.settings(),
          gatewayInUse: this.diagnosticsContext.gatewayInUse?.() ?? null,
        },
      },
      {
        name: 'logs/app.log',
        description: `the app keeps no log file: its last ${log.lines.length} log lines from memory (errors, connection events, the embedded gateway, dictations, recordings)${log.dropped ? `; ${log.dropped} older lines dropped` : ''}`,
        content: `${log.lines.join('\n')}\n`,
      },
      ...(gatewayLog !== undefined
        ? [
            {
              name: 'logs/embedded-gateway.log',
              description:
                "the last 16 KiB of the embedded gateway's stderr: its warnings and errors as JSON lines",
              content: gatewayLog || '(nothing logged at warn level or above)\n',
            },
          ]
        : []),
      {
        name: 'timeline.json',
        description:
          "each gateway's state timeline and round trips as the Status view shows them, the connection monitors' counters and events, and recent errors",
        content: {
          endpoints: endpoints.map(({ health: _health, ...rest }) => rest),
          monitors: this.delivery.connectionDiagnostics(),
          errors: this.errors.recent(),
        },
      },
      {
        name: 'health.json',
        description:
          "each gateway's recent /api/v1/health answers, oldest first, and the embedded gateway's state",
        content: { gateways: this.delivery.healthHistory(), embedded: this.gateway.embeddedStatus() },
      },
      {
        name: 'outbox.json',
        description:
          'recordings by state, the waiting ones with their delivery attempts, the recent failures; no audio, no transcript text',
        content: outboxSummary(this.outbox, context.dataDir(), this.queue()),
      },
      {
        name: 'versions.json',
        description:
          "Earshot, Node, Electron, the operating system, and each gateway's version, engine and model from its health answer",
        content: versionsFile(app, endpoints),
      },
    ];
    return buildBundle({ source: app.mode, files, secrets: this.diagnosticsContext.secrets() });
  }

  close(): void {
    this.closed = true;
    for (const unsubscribe of this.unsubscribe) unsubscribe();
    if (this.pending) clearTimeout(this.pending);
  }
}
