// Picks the transport for the page the renderer runs in: the Electron preload's
// `window.earshot` when present, otherwise web mode over a WebSocket to the host that
// served the page (token from the page URL). DOM-free: it reads globals by name only.
import { API_ERROR_CODES, ApiError, type ApiErrorCode } from './common.js';
import type { EarshotApi } from './contract.js';
import {
  createWebSocketApi,
  webApiUrlFromPage,
  type WebSocketApi,
  type WebSocketConstructor,
} from './ws-client.js';

interface PageGlobals {
  earshot?: EarshotApi;
  WebSocket?: WebSocketConstructor;
  location?: { href: string };
}

export function connectEarshotApi(
  globals: PageGlobals = globalThis as PageGlobals,
): EarshotApi | WebSocketApi {
  if (globals.earshot) return withApiErrors(globals.earshot);
  if (!globals.WebSocket || !globals.location)
    throw new Error('no Electron preload and no WebSocket: cannot reach Earshot main');
  return createWebSocketApi({ url: webApiUrlFromPage(globals.location.href), WebSocket: globals.WebSocket });
}

/**
 * Errors lose their fields crossing Electron's context bridge, so the preload rejects
 * with "code: message"; this turns them back into ApiError for the renderer.
 */
export function withApiErrors(raw: EarshotApi): EarshotApi {
  return {
    call: (channel, input) =>
      raw.call(channel, input).catch((error: unknown) => {
        const text = error instanceof Error ? error.message : String(error);
        const match = /^(?:Error invoking remote method '[^']*': )?(?:Error: )?([a-z_]+): ([\s\S]*)$/.exec(
          text,
        );
        if (match && (API_ERROR_CODES as readonly string[]).includes(match[1]))
          throw new ApiError(match[1] as ApiErrorCode, match[2]);
        throw new ApiError('internal', text);
      }),
    on: (event, listener) => raw.on(event, listener),
    sendAudio: (batch) => raw.sendAudio(batch),
  };
}
