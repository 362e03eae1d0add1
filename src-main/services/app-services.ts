// The composition root of the app's main side: opens the durable parts (outbox, settings),
// wires dictation, history, delivery, status and stress together, and exposes them as
// one `dispatch(channel, input)` that both transports (Electron IPC, web WebSocket) call.
// Every input is validated against the contract here, and every output too, so neither
// transport can let an unchecked value through.
import { EventEmitter } from 'node:events';
import { platform } from 'node:os';
import {
  ApiError,
  apiCalls,
  apiEvents,
  audioBatchSchema,
  isCallChannel,
  parseCallInput,
  type AudioBatch,
  type CallChannel,
  type CallOutput,
  type CallParsedInput,
  type EventName,
  type EventPayload,
} from '../../src-shared/api/contract.js';
import { describeZodError } from '../../src-shared/zod-error.js';
import type { AppInfo } from '../../src-shared/api/models.js';
import { applySettingsPatch } from '../../src-shared/api/settings-validation.js';
import { readFile } from 'node:fs/promises';
import { toProtocolPcm } from '../../src-shared/audio/wav.js';
import { loadSpeechDetectors } from '../audio/speech-detector.js';
import { lookupSessionOnGateways } from '../connection/session-lookup.js';
import { finishOrphans } from '../outbox/file-intake.js';
import { acquireOwnerLock, type OwnerLock } from '../outbox/owner-lock.js';
import { OutboxStore } from '../outbox/store.js';
import { DeliveryService } from './delivery-service.js';
import { DictationService, type PasteIntoFocusedApp } from './dictation-service.js';
import { GatewayService, type GatewayServiceOptions } from './gateway-service.js';
import { HistoryService, outboxId, fromOutboxError } from './history-service.js';
import { SettingsStore, type TokenVault } from './settings-store.js';
import { StatusService, hostOf } from './status-service.js';
import { StressService } from './stress-service.js';

export interface Capability {
  supported: boolean;
  reason?: string;
}

export interface AppServicesOptions {
  dataDir: string;
  mode: 'electron' | 'web';
  version?: string;
  /** Electron safeStorage; absent in web mode (the token stays in the 0600 settings file). */
  vault?: TokenVault;
  paste?: PasteIntoFocusedApp;
  pasteSupport?: Capability;
  globalShortcutSupport?: Capability;
  /**
   * `--url`: the only gateway URL for this run. Not saved: the next start without --url
   * uses the settings again. Saving gateway URLs in Settings replaces it for the rest of the run.
   */
  gatewayUrl?: string;
  embedded?: GatewayServiceOptions;
}

type Handlers = { [C in CallChannel]: (input: CallParsedInput<C>) => CallOutput<C> | Promise<CallOutput<C>> };
export type EventListener = <E extends EventName>(event: E, payload: EventPayload<E>) => void;

export class AppServices {
  private readonly bus = new EventEmitter();
  private readonly handlers: Handlers;
  private closing: Promise<void> | undefined;

  private constructor(
    readonly options: AppServicesOptions,
    readonly settings: SettingsStore,
    readonly outbox: OutboxStore,
    readonly gateway: GatewayService,
    readonly status: StatusService,
    readonly dictation: DictationService,
    readonly history: HistoryService,
    readonly stress: StressService,
    readonly delivery: DeliveryService,
    /** The gateway URLs of `--url` while they apply (cleared when Settings saves gateway URLs). */
    private readonly runUrls: { urls?: string[] } = {},
  ) {
    this.bus.setMaxListeners(100);
    this.handlers = this.buildHandlers();
    settings.onChange((pub) => {
      this.emit('settings.changed', pub);
      void this.gateway.reconcile().then(() => this.delivery.reconfigure());
    });
    gateway.onChange(() => status.changed());
    outbox.on('change', (recordingId, what) => {
      if (what === 'discarded') delivery.forget(recordingId);
      status.changed();
      let item = null;
      try {
        item = what === 'discarded' ? null : this.history.item(String(recordingId));
      } catch {
        /* closed during shutdown */
      }
      this.emit('history.changed', { recordingId: String(recordingId), item });
    });
  }

  /**
   * Opens everything. Like `earshot dictate`, the app takes the data folder's uploader
   * lock (one process drains an outbox), then finishes what a previous run left behind:
   * a microphone recording cut off by a crash is sealed with the audio it has, so it is
   * delivered instead of waiting forever for its next chunk. The embedded gateway and
   * delivery start in the background (see `ready`).
   */
  static async open(options: AppServicesOptions): Promise<AppServices> {
    const settings = new SettingsStore(options.dataDir, options.vault);
    const runUrls: { urls?: string[] } = {};
    if (options.gatewayUrl !== undefined) {
      // Validated like the setting, held for this run only.
      const result = applySettingsPatch(settings.get(), { gatewayUrls: [options.gatewayUrl] });
      if (!result.ok) throw new ApiError('bad_input', `--url: ${Object.values(result.errors).join('; ')}`);
      runUrls.urls = result.settings.gatewayUrls;
    }
    // The outbox follows the dataDir setting (a change applies at the next start).
    const outbox = OutboxStore.open(settings.activeDataDir);
    let lock: OwnerLock;
    let orphans: Awaited<ReturnType<typeof finishOrphans>>;
    try {
      lock = acquireOwnerLock(outbox.dataDir, options.mode === 'web' ? 'earshot web' : 'Earshot app');
    } catch (error) {
      outbox.close();
      throw error;
    }
    try {
      orphans = await finishOrphans(outbox, async (path) => toProtocolPcm(await readFile(path)));
    } catch (error) {
      outbox.close();
      lock.release();
      throw error;
    }
    // Services emit through the instance built last; events before that have no listener anyway.
    const holder: { services?: AppServices } = {};
    const emit = <E extends EventName>(event: E, payload: EventPayload<E>) =>
      holder.services?.emit(event, payload);
    const gateway = new GatewayService(
      () => runUrls.urls ?? settings.get().gatewayUrls,
      () => settings.get().useEmbeddedGateway,
      options.embedded,
    );
    const status = new StatusService(outbox, gateway, emit);
    const reportError = (source: string, message: string) => status.recordError(source, message);
    // Silero VAD where its model loads; otherwise the energy gate, and the Status view says why.
    const detectors = await loadSpeechDetectors();
    if (detectors.fallbackReason) reportError('chunker', detectors.fallbackReason);
    const dictation = new DictationService(
      outbox,
      () => settings.get(),
      emit,
      reportError,
      detectors,
      options.paste,
    );
    const history = new HistoryService(outbox);
    const stress = new StressService(
      () => gateway.activeUrl(),
      () => settings.get().token,
      emit,
      reportError,
      () => ({ url: gateway.embeddedStatus().url, pid: gateway.embeddedPid }),
    );
    const delivery = new DeliveryService(outbox, gateway, () => settings.get(), status, reportError);
    const services = new AppServices(
      options,
      settings,
      outbox,
      gateway,
      status,
      dictation,
      history,
      stress,
      delivery,
      runUrls,
    );
    holder.services = services;
    services.ownerLock = lock;
    if (outbox.recovery) reportError('outbox', outbox.recovery.message);
    if (outbox.permissionsNotice) reportError('outbox', outbox.permissionsNotice);
    for (const orphan of orphans)
      if (orphan.note)
        reportError('outbox', `recording ${orphan.recording.id} from an earlier run: ${orphan.note}`);
    services.ready = gateway.reconcile().then(() => delivery.reconfigure());
    return services;
  }

  /** Resolves once the embedded gateway has started (or failed to) and delivery runs. */
  ready: Promise<void> = Promise.resolve();
  private ownerLock: OwnerLock | undefined;

  private emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    // Validate what goes out too: a malformed event is a bug here, not the renderer's problem.
    const parsed = apiEvents[event].safeParse(payload);
    if (!parsed.success) {
      process.stderr.write(`earshot: dropped malformed ${event} event: ${describeZodError(parsed.error)}\n`);
      return;
    }
    this.bus.emit('event', event, parsed.data);
  }

  onEvent(listener: EventListener): () => void {
    this.bus.on('event', listener);
    return () => this.bus.off('event', listener);
  }

  /** Validates the channel and input, runs the call, validates the output. Rejects with ApiError. */
  async dispatch(channel: unknown, input: unknown): Promise<unknown> {
    if (!isCallChannel(channel))
      throw new ApiError('unknown_channel', `unknown call: ${String(channel).slice(0, 100)}`);
    const parsed = parseCallInput(channel, input);
    let output: unknown;
    try {
      output = await (this.handlers[channel] as (input: unknown) => unknown)(parsed);
    } catch (error) {
      if (error instanceof ApiError) throw error;
      throw new ApiError('internal', `${channel}: ${(error as Error).message}`);
    }
    const checked = apiCalls[channel].output.safeParse(output);
    if (!checked.success)
      throw new ApiError(
        'internal',
        `${channel}: reply does not match the contract: ${describeZodError(checked.error)}`,
      );
    return checked.data;
  }

  /** Audio batches from either transport; invalid ones are reported, never thrown. */
  pushAudio(batch: AudioBatch): void {
    const parsed = audioBatchSchema.safeParse(batch);
    if (!parsed.success) {
      this.status.recordError('dictation', `invalid audio batch: ${describeZodError(parsed.error)}`);
      return;
    }
    this.dictation.pushAudio(parsed.data);
  }

  info(): AppInfo {
    return {
      version: this.options.version ?? '0.1.0',
      mode: this.options.mode,
      platform: platform(),
      dataDir: this.settings.activeDataDir,
      paste: this.options.pasteSupport ?? {
        supported: false,
        reason: 'pasting into another application needs the desktop app',
      },
      globalShortcut: this.options.globalShortcutSupport ?? {
        supported: false,
        reason: 'global shortcuts need the desktop app; in the browser use the page shortcut',
      },
      ...(this.runUrls.urls ? { gatewayUrlsForThisRun: [...this.runUrls.urls] } : {}),
    };
  }

  private buildHandlers(): Handlers {
    const { dictation, history, status, stress, settings, outbox, delivery } = this;
    return {
      'app.info': () => this.info(),
      'dictation.start': (input) => dictation.start(input),
      'dictation.stop': (input) => dictation.stop(input.dictationId),
      'dictation.cancel': (input) => ({ cancelled: dictation.cancel(input.dictationId) }),
      'dictation.status': () => dictation.current(),
      'history.list': (input) => ({ items: history.list(input) }),
      'history.get': (input) => history.get(input.recordingId),
      'history.audio': (input) => ({ wav: history.audio(input.recordingId) }),
      'history.chunks': (input) => ({ chunks: history.chunks(input.recordingId) }),
      'history.export': (input) => history.export(input.recordingId, input.format),
      'history.retranscribe': (input) => {
        const recordingId = history.retranscribe(input.recordingId);
        delivery.wake();
        return { recordingId };
      },
      'history.delete': (input) => ({ deleted: history.delete(input.recordingId) }),
      'status.get': () => status.snapshot(),
      'status.retryNow': (input) => {
        const id = outboxId(input.recordingId);
        try {
          outbox.retry(id);
        } catch (error) {
          fromOutboxError(error);
        }
        return { ok: delivery.retryNow(id) };
      },
      'status.discard': (input) => ({ ok: history.delete(input.recordingId) }),
      'status.diagnostics': () =>
        status.diagnostics(
          {
            app: this.info(),
            settings: settings.public(),
            node: process.versions.node,
            electron: process.versions.electron ?? null,
            connections: delivery.connectionDiagnostics(),
          },
          [settings.get().token],
        ),
      'status.errors': () => ({ errors: status.recentErrors() }),
      'status.lookupSession': (input) => {
        const embeddedUrl = this.gateway.embeddedStatus().url;
        const gateways = this.gateway
          .urls()
          .map((url) => ({ url, label: url === embeddedUrl ? 'This computer' : hostOf(url) }));
        return lookupSessionOnGateways(gateways, input.sessionId, {
          token: settings.get().token || undefined,
        });
      },
      'stress.start': (input) => ({ runId: stress.start(input) }),
      'stress.stop': () => ({ stopped: stress.stop() }),
      'stress.status': () => stress.current(),
      'stress.report': (input) => stress.report(input.runId, input.format),
      'settings.get': () => settings.public(),
      'settings.set': (input) => {
        const result = settings.set(input);
        // The user chose gateway URLs in Settings: from now on they apply, not --url.
        if (result.ok && input.gatewayUrls !== undefined && this.runUrls.urls) {
          this.runUrls.urls = undefined;
          void this.gateway.reconcile().then(() => this.delivery.reconfigure());
        }
        return result;
      },
    };
  }

  /**
   * Orderly shutdown: stop taking audio (a running dictation is flushed and sealed so it
   * is delivered next time), stop stress, let delivery finish its current write, stop the
   * embedded gateway, close the outbox last.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.dictation.close();
      await this.stress.close();
      await this.delivery.close();
      this.status.close();
      await this.gateway.close();
      this.outbox.close();
      this.ownerLock?.release();
      this.bus.removeAllListeners();
    })();
    return this.closing;
  }
}
