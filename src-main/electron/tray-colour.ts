// The tray icon's colour for a connection state (pure, so it is tested without Electron).
import type { ConnectionState } from '../../src-shared/api/status.js';

export type TrayColour = 'green' | 'amber' | 'red' | 'grey';

/** Green when connected, or idle (the uploader closes its connections) with a healthy gateway. */
export function trayColour(
  state: ConnectionState | undefined,
  healthy: boolean,
  embeddedUnavailable: boolean,
): TrayColour {
  if (state === 'connected' || (state === 'idle' && healthy)) return 'green';
  if (state === 'connecting' || state === 'backing_off') return 'amber';
  if (state === 'offline' || state === 'unauthorized' || embeddedUnavailable) return 'red';
  return 'grey';
}
