// Picks the transport for the page the renderer runs in: the Electron preload's
// `window.earshot` when present, otherwise web mode over a WebSocket to the host that
// served the page (token from the page URL). DOM-free: it reads globals by name only.
import type { EarshotApi } from './contract.js';
import { createWebSocketApi, webApiUrlFromPage, type WebSocketApi, type WebSocketConstructor } from './ws-client.js';

interface PageGlobals {
  earshot?: EarshotApi;
  WebSocket?: WebSocketConstructor;
  location?: { href: string };
}

export function connectEarshotApi(globals: PageGlobals = globalThis as PageGlobals): EarshotApi | WebSocketApi {
  if (globals.earshot) return globals.earshot;
  if (!globals.WebSocket || !globals.location) throw new Error('no Electron preload and no WebSocket: cannot reach Earshot main');
  return createWebSocketApi({ url: webApiUrlFromPage(globals.location.href), WebSocket: globals.WebSocket });
}
