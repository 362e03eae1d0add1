// Validates a --url flag: a ws:// or wss:// gateway URL. An http(s) URL of the same gateway
// is accepted and mapped to its WebSocket route, since that is what people paste.
import { ROUTES } from '../../src-shared/protocol/messages.js';
import { CliError } from './errors.js';

export function parseGatewayUrl(raw: string, flag = '--url'): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CliError(`${flag} is not a URL: "${raw}" (expected e.g. ws://127.0.0.1:8081/ws/asr)`);
  }
  if (url.protocol === 'http:' || url.protocol === 'https:') {
    url.protocol = url.protocol === 'http:' ? 'ws:' : 'wss:';
    if (url.pathname === '/' || url.pathname === '') url.pathname = ROUTES.ws;
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new CliError(`${flag} must be a ws:// or wss:// URL, got "${raw}"`);
  }
  return url.toString();
}
