// Which gateway the app talks to: the remote URLs from the settings (or --url), else the
// embedded gateway on this computer (a child process the outbox session starts and stops).
// If the embedded gateway cannot start (e.g. the recognizer engine is missing) the status
// says why and the UI offers a remote gateway instead; nothing pretends to work.
import type { EmbeddedGatewayStatus } from '../../src-shared/api/status.js';
import { DEFAULT_ENGINE, type EngineName } from '../../src-shared/engines.js';
import type { OutboxSession } from '../upload/outbox-session.js';

export interface GatewayServiceOptions {
  /** Engine of the embedded gateway (default moonshine: accurate offline recognition). */
  engine?: EngineName;
  /** Extra flags for the embedded gateway. */
  args?: string[];
  startTimeoutMs?: number;
  /**
   * Environment the gateway child needs beyond ours. Electron sets ELECTRON_RUN_AS_NODE=1
   * so its own binary (process.execPath) runs the gateway as plain Node; it must not stay
   * in our environment, or Chromium's helper processes would inherit it.
   */
  childEnv?: Record<string, string>;
}

export class GatewayService {
  private starting: Promise<void> | undefined;
  private status: EmbeddedGatewayStatus = { state: 'disabled' };
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly session: OutboxSession,
    private readonly remoteUrls: () => string[],
    private readonly useEmbedded: () => boolean,
    private readonly options: GatewayServiceOptions = {},
  ) {}

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private set(status: EmbeddedGatewayStatus): void {
    this.status = status;
    for (const l of this.listeners) l();
  }

  embeddedStatus(): EmbeddedGatewayStatus {
    return this.status;
  }

  /** URLs to deliver to, in order of preference. */
  urls(): string[] {
    const remote = this.remoteUrls();
    if (remote.length) return remote;
    const embedded = this.session.embeddedGateway;
    return embedded ? [embedded.url] : [];
  }

  /** The URL recordings go to now, or undefined when there is none (nothing configured, embedded not running). */
  activeUrl(): string | undefined {
    return this.urls()[0];
  }

  /** Starts or stops the embedded gateway to match the settings. Never throws: failures land in the status. */
  async reconcile(): Promise<void> {
    const wanted = this.remoteUrls().length === 0 && this.useEmbedded();
    const running = this.session.embeddedGateway !== undefined;
    if (wanted && !running) {
      this.starting ??= this.startEmbedded().finally(() => (this.starting = undefined));
      await this.starting;
    } else if (!wanted && running) {
      await this.session.stopEmbeddedGateway();
      this.set({ state: 'disabled' });
    } else if (!wanted && this.status.state !== 'disabled') {
      this.set({ state: 'disabled' });
    }
  }

  private async startEmbedded(): Promise<void> {
    const engine = this.options.engine ?? DEFAULT_ENGINE;
    this.set({ state: 'starting', engine });
    try {
      const embedded = await this.withChildEnv(() =>
        this.session.startEmbeddedGateway({
          engine,
          args: this.options.args,
          startTimeoutMs: this.options.startTimeoutMs,
        }),
      );
      this.set({ state: 'running', url: embedded.url, engine });
    } catch (error) {
      this.set({
        state: 'unavailable',
        engine,
        reason: `${(error as Error).message}. Set a remote gateway URL in Settings to dictate without it.`,
      });
    }
  }

  /** startEmbeddedGateway spawns synchronously, before its first await: the variables are set only for that moment. */
  private withChildEnv<T>(start: () => Promise<T>): Promise<T> {
    const extra = this.options.childEnv ?? {};
    const saved = Object.fromEntries(Object.keys(extra).map((key) => [key, process.env[key]]));
    Object.assign(process.env, extra);
    try {
      return start();
    } finally {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  }

  /** Stops the embedded gateway cleanly (SIGTERM, then SIGKILL after the grace period). */
  async close(): Promise<void> {
    if (this.starting) await this.starting;
    await this.session.stopEmbeddedGateway();
    if (this.status.state !== 'disabled' && this.status.state !== 'unavailable')
      this.set({ ...this.status, state: 'stopped', url: undefined });
  }

  /** The embedded gateway's recent warnings and errors (its stderr tail), when it runs. */
  embeddedLogTail(): string | undefined {
    return this.session.embeddedGateway?.logTail();
  }

  /** pid of the embedded gateway, for stress resource sampling. */
  get embeddedPid(): number | undefined {
    return this.session.embeddedGateway?.pid;
  }
}
