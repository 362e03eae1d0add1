// Starts AppServices + the web host in this process on a temp data folder, and a real
// WebSocket API client (the `ws` package standing in for the browser's WebSocket).
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import {
  createWebSocketApi,
  type WebSocketApi,
  type WebSocketConstructor,
} from '../../../src-shared/api/ws-client.js';
import { WEB_API_PATH } from '../../../src-shared/api/wire.js';
import { AppServices, type AppServicesOptions } from '../../../src-main/services/app-services.js';
import { startWebHost, type WebHost } from '../../../src-main/web/web-host.js';

export interface WebFixture {
  dir: string;
  services: AppServices;
  host: WebHost;
  api: WebSocketApi;
  apiUrl: string;
  close(): Promise<void>;
}

export const NodeWebSocket = WebSocket as unknown as WebSocketConstructor;

export async function startWebFixture(options: Partial<AppServicesOptions> = {}): Promise<WebFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'earshot-web-'));
  const rendererDir = join(dir, 'renderer');
  mkdirSync(join(rendererDir, 'assets'), { recursive: true });
  writeFileSync(
    join(rendererDir, 'index.html'),
    '<!doctype html><title>Earshot test page</title><script type="module" src="/assets/app.js"></script>',
  );
  writeFileSync(join(rendererDir, 'assets', 'app.js'), 'console.log("earshot")');
  const services = await AppServices.open({
    dataDir: join(dir, 'data'),
    mode: 'web',
    embedded: { engine: 'synthetic' },
    ...options,
  });
  await services.ready;
  const host = await startWebHost({ services, port: 0, rendererDir });
  const apiUrl = `ws://127.0.0.1:${host.port}${WEB_API_PATH}?token=${host.token}`;
  const api = createWebSocketApi({ url: apiUrl, WebSocket: NodeWebSocket, maxReconnectAttempts: 0 });
  return {
    dir,
    services,
    host,
    api,
    apiUrl,
    async close() {
      api.close();
      await host.close();
      await services.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Resolves with the first event payload that satisfies `predicate` (rejects after `timeoutMs`). */
export function nextEvent<T>(
  subscribe: (listener: (payload: T) => void) => () => void,
  predicate: (payload: T) => boolean = () => true,
  timeoutMs = 60_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`no matching event within ${timeoutMs} ms`));
    }, timeoutMs);
    const unsubscribe = subscribe((payload) => {
      if (!predicate(payload)) return;
      clearTimeout(timer);
      unsubscribe();
      resolve(payload);
    });
  });
}
