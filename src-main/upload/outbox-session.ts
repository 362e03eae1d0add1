// One outbox session: what a process needs to drain a data folder's outbox, built in one
// place for `earshot dictate` and the app's services (web and Electron). In order:
//
//   const session = await OutboxSession.open({ store, owner: 'earshot dictate', readPcm });
//   //   the folder's uploader lock is taken (one process drains an outbox), then what an
//   //   earlier run left unsealed is finished (session.orphans)
//   const gateway = await session.startEmbeddedGateway({ engine });   // when no URL is given
//   const uploader = await session.deliver({ urls: [gateway.url] });
//   uploader.start();                                                 // drains the outbox
//   await session.close();   // uploader, then the gateway child, then the lock
//
// The store stays open: whoever opened it closes it.
import {
  startEmbeddedGateway,
  type EmbeddedGateway,
  type EmbeddedGatewayOptions,
} from '../gateway-process/embedded.js';
import { finishOrphans, type OrphanOutcome } from '../outbox/file-intake.js';
import { acquireOwnerLock, type OwnerLock } from '../outbox/owner-lock.js';
import type { OutboxStore } from '../outbox/store.js';
import { Uploader, type UploaderOptions } from './uploader.js';

export interface OutboxSessionOptions {
  store: OutboxStore;
  /** Who holds the uploader lock, as another process reports it (e.g. "earshot dictate"). */
  owner: string;
  /** Reads the file an orphaned file recording came from, as 16 kHz mono PCM. */
  readPcm: (path: string) => Promise<Int16Array>;
}

/**
 * A part the session runs: the uploader, the gateway child. Stopping forgets it first, so
 * a second stop (or close() racing one) finds nothing to stop twice.
 */
class Part<T extends { stop(): Promise<void> }> {
  current: T | undefined;

  async stop(): Promise<void> {
    const running = this.current;
    this.current = undefined;
    if (running) await running.stop();
  }
}

export class OutboxSession {
  private readonly uploader = new Part<Uploader>();
  private readonly embedded = new Part<EmbeddedGateway>();
  private closing: Promise<void> | undefined;

  private constructor(
    readonly store: OutboxStore,
    private readonly lock: OwnerLock,
    /** Recordings an earlier run left unsealed, and what was done with each. */
    readonly orphans: readonly OrphanOutcome[],
  ) {}

  /** Takes the lock, then finishes the orphans. On failure nothing is held. */
  static async open(options: OutboxSessionOptions): Promise<OutboxSession> {
    const lock = acquireOwnerLock(options.store.dataDir, options.owner);
    try {
      const orphans = await finishOrphans(options.store, options.readPcm);
      return new OutboxSession(options.store, lock, orphans);
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  /** The pid of an earlier owner that died holding the lock. */
  get tookOverFrom(): number | undefined {
    return this.lock.tookOverFrom;
  }

  /** Starts a gateway child process on a free loopback port (one at a time). */
  async startEmbeddedGateway(options: EmbeddedGatewayOptions = {}): Promise<EmbeddedGateway> {
    if (this.closing) throw new Error('the outbox session is closed');
    if (this.embedded.current) return this.embedded.current;
    const gateway = await startEmbeddedGateway(options);
    if (this.closing) {
      await gateway.stop();
      throw new Error('the outbox session closed while the gateway started');
    }
    this.embedded.current = gateway;
    return gateway;
  }

  /** Stops the gateway child (SIGTERM, then SIGKILL after the grace period). */
  stopEmbeddedGateway(): Promise<void> {
    return this.embedded.stop();
  }

  get embeddedGateway(): EmbeddedGateway | undefined {
    return this.embedded.current;
  }

  /**
   * The uploader that drains the outbox to these URLs, not yet started (listen first, then
   * `start()`). A previous one is stopped first: its sessions resume on the new one.
   */
  async deliver(options: Omit<UploaderOptions, 'store'>): Promise<Uploader> {
    if (this.closing) throw new Error('the outbox session is closed');
    await this.uploader.stop();
    const uploader = new Uploader({ ...options, store: this.store });
    this.uploader.current = uploader;
    return uploader;
  }

  /** Stops the uploader; recordings stay in the outbox and resume with the next one. */
  stopDelivery(): Promise<void> {
    return this.uploader.stop();
  }

  /** Uploader, then the gateway child, then the lock; safe to call more than once. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.uploader.stop().catch(() => {});
      await this.embedded.stop().catch(() => {});
      this.lock.release();
    })();
    return this.closing;
  }
}
