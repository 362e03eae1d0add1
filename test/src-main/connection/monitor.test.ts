// The connection monitor fed by the uploader's connector, against a real gateway process
// (synthetic engine) and a closed loopback port.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayHealthSchema, type ConnectionState } from '../../../src-shared/api/status.js';
import { ConnectionMonitor, ConnectionMonitors } from '../../../src-main/connection/monitor.js';
import { RingBuffer } from '../../../src-main/connection/ring-buffer.js';
import { Connector, type RetryInfo } from '../../../src-main/upload/connector.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { freePort } from '../upload/helpers.js';

let gateway: TestGateway;
let tokenGateway: TestGateway;

beforeAll(async () => {
  [gateway, tokenGateway] = await Promise.all([startGateway([]), startGateway(['--token', 'tok-123456'])]);
});

afterAll(async () => {
  await Promise.all([gateway?.stop(), tokenGateway?.stop()]);
});

describe('ConnectionMonitor', () => {
  it('goes connecting -> connected, measures RTT and polls health while connected, then idle', async () => {
    const monitors = new ConnectionMonitors({ pingIntervalMs: 100, healthIntervalMs: 150 });
    const states: ConnectionState[] = [];
    const monitor = monitors.for(gateway.url);
    monitor.on('state', (state) => states.push(state));
    const connector = new Connector({ urls: [gateway.url], monitors });
    const client = await connector.connect(new AbortController().signal);
    expect(monitor.state).toBe('connected');
    await expect.poll(() => monitor.snapshot().rttMs, { timeout: 5000 }).not.toBeNull();
    await expect
      .poll(() => monitor.snapshot().events.filter((e) => e.kind === 'health').length, { timeout: 5000 })
      .toBeGreaterThanOrEqual(2);
    const snapshot = monitor.snapshot();
    expect(snapshot.health).toMatchObject({ ok: true, status: 'ready', engine: 'synthetic' });
    expect(snapshot.openConnections).toBe(1);
    await client.close();
    await expect.poll(() => monitor.state).toBe('idle');
    expect(states).toEqual(['connecting', 'connected', 'idle']);
    const kinds = monitor.snapshot().events.map((e) => e.kind);
    expect(kinds.slice(0, 2)).toEqual(['connecting', 'connected']);
    expect(kinds).toContain('disconnected');
    // Polling stops with the last connection.
    const healthChecks = kinds.filter((k) => k === 'health').length;
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(monitor.snapshot().events.filter((e) => e.kind === 'health').length).toBe(healthChecks);
    monitors.dispose();
  });

  it('reports backing_off with the next attempt, then offline once the breaker opens', async () => {
    const url = `ws://127.0.0.1:${await freePort()}/ws/asr`;
    const monitors = new ConnectionMonitors();
    const monitor = monitors.for(url);
    const states: ConnectionState[] = [];
    monitor.on('state', (state) => states.push(state));
    const retries: RetryInfo[] = [];
    const connector = new Connector({
      urls: [url],
      monitors,
      backoff: { baseMs: 50, capMs: 200 },
      breakerThreshold: 3,
      onRetry: (r) => retries.push(r),
    });
    const controller = new AbortController();
    const running = connector.connect(controller.signal).catch(() => 'aborted');
    await expect.poll(() => monitor.state, { timeout: 10_000 }).toBe('offline');
    // With the breaker open the next attempt is a health probe, not a WebSocket.
    await expect
      .poll(() => monitor.snapshot().events.filter((e) => e.kind === 'health').length, { timeout: 10_000 })
      .toBeGreaterThanOrEqual(3);
    controller.abort();
    expect(await running).toBe('aborted');
    expect(states.slice(0, 2)).toEqual(['connecting', 'backing_off']);
    // Probing a dead gateway is no connect: the state stays offline, it does not flicker.
    expect(states.slice(states.indexOf('offline'))).toEqual(['offline']);
    expect(monitor.snapshot().events.filter((e) => e.kind === 'probing').length).toBeGreaterThanOrEqual(3);
    // Every failed attempt told the caller when the next one is due.
    expect(retries.length).toBe(monitor.snapshot().attempt);
    expect(retries.at(-1)).toMatchObject({
      url,
      offline: true,
      reason: expect.stringMatching(/health probe failed/),
    });
    expect(retries.every((r) => r.nextAttemptAt > 0)).toBe(true);
    const snapshot = monitor.snapshot();
    expect(snapshot.attempt).toBeGreaterThanOrEqual(3);
    expect(snapshot.nextAttemptAt).not.toBeNull();
    // Times in epoch milliseconds like the app API, and the health answer in the API's shape.
    const startedAt = Date.now() - 60_000;
    expect(snapshot.nextAttemptAt).toBeGreaterThan(startedAt);
    expect(snapshot.since).toBeGreaterThan(startedAt);
    expect(snapshot.events.every((e) => typeof e.at === 'number' && e.at > startedAt)).toBe(true);
    expect(gatewayHealthSchema.parse(snapshot.health)).toMatchObject({ ok: false, status: 'unreachable' });
    expect(snapshot.health!.checkedAt).toBeGreaterThan(startedAt);
    expect(snapshot.lastError).toMatch(/ECONNREFUSED|health probe failed/);
    expect(snapshot.state).toBe('offline');
  });

  it('says unauthorized for a wrong token and keeps tokens out of the snapshot', async () => {
    const monitors = new ConnectionMonitors();
    const url = `${tokenGateway.url}?token=wrong-secret-777`;
    const connector = new Connector({ urls: [url], monitors, token: 'another-secret-888' });
    const error = await connector.connect(new AbortController().signal).catch((e: unknown) => e);
    expect((error as Error).name).toBe('ConnectError');
    const monitor = monitors.for(url);
    expect(monitor.state).toBe('unauthorized');
    monitor.note(
      'debug',
      'sent Authorization: Bearer another-secret-888 to ws://h/ws/asr?token=wrong-secret-777',
    );
    const json = JSON.stringify(monitors.snapshot());
    expect(json).not.toContain('wrong-secret-777');
    expect(json).not.toContain('another-secret-888');
    expect(json).toContain('REDACTED');
  });

  it('keeps a bounded ring of recent events', () => {
    const monitor = new ConnectionMonitor('ws://127.0.0.1:1/ws/asr', { eventCapacity: 5 });
    for (let i = 0; i < 20; i++) monitor.note('tick', String(i));
    const snapshot = monitor.snapshot();
    expect(snapshot.events.map((e) => e.detail)).toEqual(['15', '16', '17', '18', '19']);
    expect(snapshot.droppedEvents).toBe(15);
    expect(() => new RingBuffer(0)).toThrow(RangeError);
  });
});
