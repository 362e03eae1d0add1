// Delivery: engineer C's uploader (src-main/upload/) and connection monitor
// (src-main/connection/) sending the outbox to the active gateway. Until those modules
// exist nothing is delivered, and the status says so instead of pretending.
import type { OutboxStore } from '../outbox/store.js';
import type { GatewayService } from './gateway-service.js';
import type { StatusService } from './status-service.js';

export interface DeliverySettings {
  token: string;
  userId: string;
}

export class DeliveryService {
  private reported = false;

  constructor(
    private readonly outbox: OutboxStore,
    private readonly gateway: GatewayService,
    private readonly settings: () => DeliverySettings,
    private readonly status: StatusService,
    private readonly reportError: (source: string, message: string) => void,
  ) {}

  private unavailable(): void {
    if (this.reported) return;
    this.reported = true;
    this.reportError('delivery', 'the uploader (src-main/upload/) is not part of this build: recordings stay queued in the outbox');
  }

  /** Settings or the gateway changed: point delivery at the active URL. */
  reconfigure(): void {
    this.unavailable();
  }

  /** New work in the outbox. */
  wake(): void {
    this.unavailable();
  }

  retryNow(_recordingId: number): boolean {
    this.unavailable();
    return false;
  }

  async close(): Promise<void> {}
}
