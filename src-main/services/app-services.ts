// The composition root of the app's main side: opens the durable parts (outbox, settings),
// wires dictation, history, delivery, status and stress together, and exposes them as
// one `dispatch(channel, input)` that both transports (Electron IPC, web WebSocket) call.
// Every input is validated against the contract here, and every output too, so neither
// transport can let an unchecked value through.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { platform } from 'node:os';
import { ApiError } from '../../src-shared/api/common.js';
import {
  apiCalls,
  isCallChannel,
  parseCallInput,
  type CallChannel,
  type CallHandler,
  type FeatureHandlers,
} from '../../src-shared/api/contract.js';
import { audioBatchSchema, type AudioBatch } from '../../src-shared/api/dictation.js';
import type { AppInfo } from '../../src-shared/api/app.js';
import { applySettingsPatch } from '../../src-shared/api/settings-validation.js';
import { toProtocolPcm } from '../../src-shared/audio/wav.js';
import { describeZodError } from '../../src-shared/zod-error.js';
import { secretsInUrl } from '../diagnostics/redact.js';
import type { ChangeKind } from '../outbox/types.js';
import { redactUrl } from '../protocol-client/urls.js';
import { AppLog } from './app-log.js';
import { loadSpeechDetectors } from '../audio/speech-detector.js';
import { OutboxError, OutboxStore } from '../outbox/store.js';
import { OutboxSession } from '../upload/outbox-session.js';
import { LivePreviews } from '../upload/live-previews.js';
import { DeliveryService } from './delivery-service.js';
import { DictationService, type PasteIntoFocusedApp } from './dictation-service.js';
import { ErrorLog } from './errors.js';
import { EventBus, type EventListener } from './events.js';
import { GatewayService, type GatewayServiceOptions } from './gateway-service.js';
import { HistoryService } from './history-service.js';
import { SettingsError, SettingsStore, type TokenVault } from './settings-store.js';
import { StatusService } from './status-service.js';
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
  /**
   * The desktop app: asks where to save the diagnostics bundle (a native dialog) and writes
   * it; resolves undefined when the user cancels. Web mode has none (the page downloads).
   */
  saveBundle?: (suggestedName: string, bytes: Uint8Array) => Promise<string | undefined>;
}

type Handlers = { [C in CallChannel]: CallHandler<C> };

function appInfo(
  options: AppServicesOptions,
  settings: SettingsStore,
  runUrls: { urls?: string[] },
): AppInfo {
  return {
    version: options.version ?? '0.1.0',
    mode: options.mode,
    platform: platform(),
    dataDir: settings.activeDataDir,
    paste: options.pasteSupport ?? {
      supported: false,
      reason: 'pasting into another application needs the desktop app',
    },
    globalShortcut: options.globalShortcutSupport ?? {
      supported: false,
      reason: 'global shortcuts need the desktop app; in the browser use the page shortcut',
    },
    ...(runUrls.urls ? { gatewayUrlsForThisRun: [...runUrls.urls] } : {}),
  };
}

/**
 * Opens the outbox in the dataDir setting. When that folder came from settings.json (it
 * differs from the folder the settings live in) and cannot be used, the error names the
 * file and the value, since that is where the user fixes it.
 */
function openSettingsDataDir(settings: SettingsStore, settingsDir: string): OutboxStore {
  try {
    return OutboxStore.open(settings.activeDataDir);
  } catch (error) {
    if (!(error instanceof OutboxError) || resolve(settings.activeDataDir) === resolve(settingsDir))
      throw error;
    throw new SettingsError(
      `the data folder in ${settings.path} ("dataDir": ${JSON.stringify(settings.activeDataDir)}) cannot be used: ${error.message}; correct dataDir in that file`,
    );
  }
}

/**
 * What the app's log hears besides errors (which ErrorLog writes): connection events, the
 * embedded gateway's state, dictations starting and stopping, what happens to recordings,
 * and that settings were saved. Names and states only: no values, no audio, no text.
 */
function logActivity(
  log: AppLog,
  bus: EventBus,
  outbox: OutboxStore,
  gateway: GatewayService,
  delivery: DeliveryService,
  settings: SettingsStore,
): void {
  delivery.onConnectionEvent((host, event) =>
    log.write(
      event.kind === 'failed' || event.kind === 'unauthorized' ? 'warn' : 'info',
      `connection ${host}`,
      `${event.kind}${event.detail ? `: ${event.detail}` : ''}`,
      event.at,
    ),
  );
  let embedded = '';
  gateway.onChange(() => {
    const status = gateway.embeddedStatus();
    const line = `${status.state}${status.engine ? ` (engine ${status.engine})` : ''}${status.reason ? `: ${status.reason}` : ''}`;
    if (line === embedded) return;
    embedded = line;
    log.write(status.state === 'unavailable' ? 'warn' : 'info', 'embedded gateway', line);
  });
  outbox.on('change', (recordingId: number, what: ChangeKind) => {
    if (what === 'chunk' || what === 'chunk_result' || what === 'state') return; // one per chunk: too many
    log.write(what === 'failed' ? 'warn' : 'info', 'outbox', `recording ${recordingId}: ${what}`);
  });
  let dictation = 'idle';
  bus.on((event, payload) => {
    if (event !== 'dictation.state') return;
    // Emitted with every batch while recording: only a change of state is a line.
    const { state, recordingId } = payload as { state: string; recordingId?: string };
    if (state === dictation) return;
    dictation = state;
    log.write('info', 'dictation', `${state}${recordingId ? ` (recording ${recordingId})` : ''}`);
  });
  settings.onChange(() => log.write('info', 'settings', 'saved'));
}

export class AppServices {
  private readonly handlers: Handlers;
  private closing: Promise<void> | undefined;
  /** Resolves once the embedded gateway has started (or failed to) and delivery runs. */
  readonly ready: Promise<void>;

  private constructor(
    readonly options: AppServicesOptions,
    private readonly bus: EventBus,
    readonly settings: SettingsStore,
    private readonly session: OutboxSession,
    readonly errors: ErrorLog,
    readonly gateway: GatewayService,
    readonly dictation: DictationService,
    readonly history: HistoryService,
    readonly stress: StressService,
    readonly delivery: DeliveryService,
    readonly status: StatusService,
    /** The gateway URLs of `--url` while they apply (cleared when Settings saves gateway URLs). */
    private readonly runUrls: { urls?: string[] },
  ) {
    this.handlers = {
      ...this.appHandlers(),
      ...dictation.handlers(),
      ...history.handlers(),
      ...status.handlers(),
      ...stress.handlers(),
      ...this.settingsHandlers(),
    };
    settings.onChange((pub) => {
      bus.emit('settings.changed', pub);
      void this.gateway.reconcile().then(() => this.delivery.reconfigure());
    });
    this.ready = gateway.reconcile().then(() => delivery.reconfigure());
  }

  get outbox(): OutboxStore {
    return this.session.store;
  }

  /**
   * Opens everything. Like `earshot dictate`, the app opens an outbox session (the data
   * folder's uploader lock, then what a previous run left behind: a microphone recording
   * cut off by a crash is sealed with the audio it has, so it is delivered instead of
   * waiting forever for its next chunk). The embedded gateway and delivery start in the
   * background (see `ready`).
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
    const outbox = openSettingsDataDir(settings, options.dataDir);
    let session: OutboxSession;
    try {
      session = await OutboxSession.open({
        store: outbox,
        owner: options.mode === 'web' ? 'earshot web' : 'Earshot app',
        readPcm: async (path) => toProtocolPcm(await readFile(path)),
      });
    } catch (error) {
      outbox.close();
      throw error;
    }
    // Built in order, each from what is already there: events, the log and errors first.
    const bus = new EventBus();
    const log = new AppLog();
    log.write(
      'info',
      'app',
      `Earshot ${options.version ?? '0.1.0'} started (${options.mode}), data folder ${settings.activeDataDir}`,
    );
    const errors = new ErrorLog(bus.emit, log);
    const gateway = new GatewayService(
      session,
      () => runUrls.urls ?? settings.get().gatewayUrls,
      () => settings.get().useEmbeddedGateway,
      options.embedded,
    );
    // Silero VAD where its model loads; otherwise the energy gate, and the Status view says why.
    const detectors = await loadSpeechDetectors();
    if (detectors.fallbackReason) errors.report('chunker', detectors.fallbackReason);
    // Live text: the uploader offers its live sessions here, dictation sends previews through them.
    const previews = new LivePreviews();
    const dictation = new DictationService(
      outbox,
      () => settings.get(),
      bus.emit,
      errors.report,
      detectors,
      options.paste,
      { previews },
    );
    const history = new HistoryService(outbox, bus.emit);
    const stress = new StressService(
      () => gateway.activeUrl(),
      () => settings.get().token,
      bus.emit,
      errors.report,
      () => ({ url: gateway.embeddedStatus().url, pid: gateway.embeddedPid }),
    );
    const delivery = new DeliveryService(session, gateway, () => settings.get(), errors.report, previews);
    const status = new StatusService(outbox, gateway, delivery, history, errors, bus.emit, {
      extra: () => ({
        app: appInfo(options, settings, runUrls),
        settings: settings.public(),
        node: process.versions.node,
        electron: process.versions.electron ?? null,
        connections: delivery.connectionDiagnostics(),
      }),
      secrets: () => [
        settings.get().token,
        ...[...settings.get().gatewayUrls, ...(runUrls.urls ?? [])].flatMap(secretsInUrl),
      ],
      token: () => settings.get().token,
      bundle: {
        app: () => ({ version: options.version ?? '0.1.0', mode: options.mode }),
        settings: () => {
          const info = appInfo(options, settings, runUrls);
          const pub = settings.public();
          return {
            ...pub,
            gatewayUrls: pub.gatewayUrls.map(redactUrl),
            ...(info.gatewayUrlsForThisRun
              ? { gatewayUrlsForThisRun: info.gatewayUrlsForThisRun.map(redactUrl) }
              : {}),
            settingsFile: settings.path,
          };
        },
        log: () => log.lines(),
        dataDir: () => settings.activeDataDir,
        ...(options.saveBundle ? { save: options.saveBundle } : {}),
      },
      gatewayInUse: () => {
        const url = gateway.activeUrl();
        if (!url) return { source: 'none' };
        const source = runUrls.urls
          ? 'url-flag'
          : url === gateway.embeddedStatus().url
            ? 'embedded'
            : 'settings';
        return { url: redactUrl(url), source };
      },
    });
    const services = new AppServices(
      options,
      bus,
      settings,
      session,
      errors,
      gateway,
      dictation,
      history,
      stress,
      delivery,
      status,
      runUrls,
    );
    logActivity(log, bus, outbox, gateway, delivery, settings);
    if (outbox.recovery) errors.report('outbox', outbox.recovery.message);
    if (outbox.permissionsNotice) errors.report('outbox', outbox.permissionsNotice);
    for (const orphan of session.orphans)
      if (orphan.note)
        errors.report('outbox', `recording ${orphan.recording.id} from an earlier run: ${orphan.note}`);
    return services;
  }

  onEvent(listener: EventListener): () => void {
    return this.bus.on(listener);
  }

  /** Validates the channel and input, runs the call, validates the output. Rejects with ApiError. */
  async dispatch(channel: unknown, input: unknown, caller?: string): Promise<unknown> {
    if (!isCallChannel(channel))
      throw new ApiError('unknown_channel', `unknown call: ${String(channel).slice(0, 100)}`);
    const parsed = parseCallInput(channel, input);
    let output: unknown;
    try {
      output = await (this.handlers[channel] as (input: unknown, caller?: string) => unknown)(parsed, caller);
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
  pushAudio(batch: AudioBatch, from?: string): void {
    const parsed = audioBatchSchema.safeParse(batch);
    if (!parsed.success) {
      this.errors.report('dictation', `invalid audio batch: ${describeZodError(parsed.error)}`);
      return;
    }
    this.dictation.pushAudio(parsed.data, from);
  }

  /**
   * A page went away (its socket closed, its renderer was replaced or crashed). `goodbye`:
   * it will not come back (closed or reloaded on purpose), so what it was recording stops now.
   */
  callerGone(caller: string, goodbye: boolean): void {
    this.dictation.ownerGone(caller, goodbye);
  }

  info(): AppInfo {
    return appInfo(this.options, this.settings, this.runUrls);
  }

  private appHandlers(): FeatureHandlers<'app'> {
    return { 'app.info': () => this.info() };
  }

  /** Settings are a store, not a service: their calls are answered here. */
  private settingsHandlers(): FeatureHandlers<'settings'> {
    return {
      'settings.get': () => this.settings.public(),
      'settings.set': (input) => {
        // The user chose other gateway URLs in Settings: from now on they apply, not --url.
        // Saving the same list again (or any other field) changes nothing about the gateway.
        const before = JSON.stringify(this.settings.get().gatewayUrls);
        const result = this.settings.set(input);
        if (
          result.ok &&
          input.gatewayUrls !== undefined &&
          this.runUrls.urls &&
          JSON.stringify(result.settings.gatewayUrls) !== before
        ) {
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
      this.history.close();
      await this.gateway.close();
      await this.session.close();
      this.outbox.close();
      this.bus.close();
    })();
    return this.closing;
  }
}
