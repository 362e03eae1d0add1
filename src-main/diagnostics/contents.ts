// The parts of a diagnostics bundle the CLI and the app share: the outbox summary, the
// versions file and log lines from the connection monitor's events. Nothing here reads
// audio or transcript text (docs/security.md, "Diagnostics bundle", says why).
import { readFileSync } from 'node:fs';
import { arch, platform, release, type } from 'node:os';
import type { GatewayHealth, QueueItem } from '../../src-shared/api/status.js';
import { installPath } from '../../src-node/paths.js';
import { protocolOf } from '../connection/health.js';
import type { ConnectionEvent } from '../connection/monitor.js';
import type { OutboxStore } from '../outbox/store.js';
import { redactUrl } from '../protocol-client/urls.js';

/** Failed recordings listed, newest first. */
const RECENT_FAILURES = 20;

export const OUTBOX_EXCLUDED =
  'Audio, transcript text and source file names are left out: they are what the user said and recorded, and support needs none of it to see why a recording is stuck.';

export interface OutboxSummary {
  dataDir: string;
  total: number;
  byState: Record<string, number>;
  recentFailures: {
    recordingId: number;
    sessionId: string;
    createdAt: string;
    failedAt: string;
    reason: string | null;
    chunks: number;
    chunksRecognised: number;
    audioSeconds: number;
  }[];
  /** The app only: what the uploader is doing with each waiting recording. */
  waiting?: QueueItem[];
  excluded: string;
}

export function outboxSummary(store: OutboxStore, dataDir: string, waiting?: QueueItem[]): OutboxSummary {
  const byState = store.countByState();
  const failures = store.listRecordings({ states: ['failed'], limit: RECENT_FAILURES });
  return {
    dataDir,
    total: Object.values(byState).reduce((sum, n) => sum + n, 0),
    byState,
    recentFailures: failures.map((r) => ({
      recordingId: r.id,
      sessionId: r.sessionId,
      createdAt: new Date(r.createdAt).toISOString(),
      failedAt: new Date(r.finishedAt ?? r.updatedAt).toISOString(),
      reason: r.failureReason,
      chunks: r.chunkCount,
      chunksRecognised: r.resultCount,
      audioSeconds: Math.round(r.audioSeconds * 100) / 100,
    })),
    ...(waiting ? { waiting } : {}),
    excluded: OUTBOX_EXCLUDED,
  };
}

/** package.json's version: the one thing both the CLI and the app are released as. */
export function earshotVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(installPath('package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

export interface GatewayHealthOf {
  url: string;
  health: GatewayHealth | null;
}

/** Versions of everything involved, the gateway's engine and model as its last health answer gave them. */
export function versionsFile(app: { version: string; mode: string }, gateways: GatewayHealthOf[]) {
  return {
    earshot: app.version,
    mode: app.mode,
    node: process.versions.node,
    electron: process.versions.electron ?? null,
    chrome: process.versions.chrome ?? null,
    v8: process.versions.v8,
    os: { platform: platform(), arch: arch(), type: type(), release: release() },
    gateways: gateways.map(({ url, health }) => ({
      url: redactUrl(url),
      checkedAt: health ? new Date(health.checkedAt).toISOString() : null,
      version: health?.version ?? null,
      engine: health?.engine ?? null,
      model: health?.model ?? null,
      protocol: protocolOf(health),
    })),
  };
}

/** One log line per monitor event: `2026-12-03T09:15:00.000Z connection 127.0.0.1:8081 failed: reason`. */
export function connectionLogLine(host: string, event: ConnectionEvent): string {
  return `${new Date(event.at).toISOString()} connection ${host} ${event.kind}${event.detail ? `: ${event.detail}` : ''}`;
}
