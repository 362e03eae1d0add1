// The uploader's reconnect policy against servers that refuse: it must never come back
// sooner than told, and a crowd of clients must stay within what the backoff formula
// allows. Both servers here are small loopback servers written in this file (a plain
// node:http one that answers 503 + Retry-After, and a TCP one that accepts and drops
// every connection, the way a crashed gateway behind a live port does); they count every
// attempt from the server side, so the client cannot under-report.
import { setMaxListeners } from 'node:events';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Connector, Uploader } from '../../../src-main/upload/index.js';
import { DEFAULT_BACKOFF, attemptSchedule, createRng } from '../../../src-shared/backoff.js';
import { addRecording, freePort, tempStore } from './helpers.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function listen(server: HttpServer | ReturnType<typeof createTcpServer>): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as AddressInfo).port;
}

describe('reconnect policy', () => {
  it('makes no attempt before the 2 s a 503 Retry-After asks for, and then probes health', async () => {
    const requests: Array<{ at: number; url: string }> = [];
    const server = createHttpServer((req, res) => {
      requests.push({ at: performance.now(), url: req.url ?? '' });
      res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '2' });
      res.end(JSON.stringify({ error: 'over capacity', code: 'busy' }));
    });
    // Without the header this backoff would retry within 50 ms.
    server.on('upgrade', (req, socket) => {
      requests.push({ at: performance.now(), url: req.url ?? '' });
      socket.end(
        'HTTP/1.1 503 Service Unavailable\r\nRetry-After: 2\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
      );
    });
    const port = await listen(server);
    const { store, cleanup } = tempStore();
    cleanups.push(cleanup);
    const { id } = addRecording(store, 'short-01-rms.wav');
    const uploader = new Uploader({
      store,
      urls: [`ws://127.0.0.1:${port}/ws/asr`],
      backoff: { baseMs: 10, capMs: 50 },
      breakerThreshold: 2,
      pollIntervalMs: 100,
    });
    cleanups.push(() => uploader.stop());
    uploader.start();
    await new Promise((resolve) => setTimeout(resolve, 7000));
    await uploader.stop();

    expect(requests.length).toBeGreaterThanOrEqual(3);
    expect(requests.length).toBeLessThanOrEqual(4); // 7 s / 2 s, first one at once
    for (let i = 1; i < requests.length; i++) {
      const gap = requests[i].at - requests[i - 1].at;
      expect(gap, `attempt ${i + 1} came ${gap.toFixed(0)} ms after the previous one`).toBeGreaterThanOrEqual(
        1990,
      );
    }
    // Two refused upgrades open the breaker: from then on it asks /api/v1/health first.
    expect(requests.slice(0, 2).every((r) => r.url === '/ws/asr')).toBe(true);
    expect(requests.slice(2).every((r) => r.url === '/api/v1/health')).toBe(true);
    expect(store.getRecording(id)!.state).toBe('queued'); // still waiting, nothing lost
    expect(uploader.monitors.for(`ws://127.0.0.1:${port}/ws/asr`).state).toBe('offline');
  });

  it('200 clients against a dead port and 200 against a dead gateway for 10 s stay within the backoff schedule', async () => {
    // Dead gateway: a live port whose server accepts and drops every connection, counted here.
    let accepted = 0;
    const server = createTcpServer((socket) => {
      accepted++;
      socket.destroy();
    });
    const droppingUrl = `ws://127.0.0.1:${await listen(server)}/ws/asr`;
    // Dead port: nothing listens (connection refused); only the client side can count.
    const refusedUrl = `ws://127.0.0.1:${await freePort()}/ws/asr`;

    const clients = 200;
    const windowMs = 10_000;
    const seedOf = (i: number) => 9000 + i;
    const make = (url: string, i: number) =>
      new Connector({
        urls: [url],
        backoff: { ...DEFAULT_BACKOFF, rng: createRng(seedOf(i)) },
        connectTimeoutMs: 5000,
      });
    const dropping = Array.from({ length: clients }, (_, i) => make(droppingUrl, i));
    const refused = Array.from({ length: clients }, (_, i) => make(refusedUrl, i));
    const controller = new AbortController();
    // One signal shared by 400 clients (a few listeners each at most): a leak, listeners
    // piling up on retries, would still pass this bound and warn.
    setMaxListeners(4 * clients, controller.signal);
    const runs = [...dropping, ...refused].map((connector) =>
      connector.connect(controller.signal).then(
        () => 'connected',
        (error: unknown) => (controller.signal.aborted ? 'aborted' : String(error)),
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    controller.abort(new Error('window over'));
    const outcomes = await Promise.all(runs);
    await new Promise((resolve) => setTimeout(resolve, 200)); // let the last accepted sockets be counted

    // Replaying each client's seeded jitter gives the most attempts it may make in the window.
    const bounds = Array.from(
      { length: clients },
      (_, i) => attemptSchedule(windowMs, { ...DEFAULT_BACKOFF, rng: createRng(seedOf(i)) }).length,
    );
    const bound = bounds.reduce((a, b) => a + b, 0);
    const made = (group: Connector[]) => group.reduce((sum, c) => sum + c.attempts, 0);
    console.log(
      `storm, ${clients} clients each for ${windowMs} ms, bound ${bound} attempts (a client retrying every 10 ms without backoff: ~${clients * (windowMs / 10)}): ` +
        `dead gateway ${made(dropping)} attempts made, ${accepted} connections seen by the server; dead port ${made(refused)} attempts made`,
    );

    expect(outcomes.every((o) => o === 'aborted')).toBe(true);
    for (const group of [dropping, refused])
      group.forEach((connector, i) => expect(connector.attempts).toBeLessThanOrEqual(bounds[i]));
    expect(accepted).toBeLessThanOrEqual(bound);
    expect(accepted).toBeGreaterThanOrEqual(clients); // every client really tried
    expect(made(refused)).toBeGreaterThanOrEqual(clients * 5); // the breaker probes count as attempts too
  });
});
