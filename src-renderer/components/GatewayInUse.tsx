// Which gateway recordings go to now, and where that choice comes from, as main reports it
// in the status snapshot: `earshot web --url`, Settings, or the gateway on this computer.
import { useStore } from 'zustand';
import { useAppContext } from '../context.js';

const SOURCE = {
  'url-flag': 'from --url, for this run only',
  settings: 'from Settings',
  embedded: 'the gateway on this computer',
  none: '',
} as const;

export function GatewayInUse() {
  const { status } = useAppContext();
  const gateway = useStore(status, (s) => s.snapshot?.gateway);
  if (!gateway) return null;
  return (
    <div className="small gateway-in-use" data-testid="gateway-in-use" data-source={gateway.source}>
      <span className="muted">Gateway: </span>
      {gateway.url ? (
        <>
          <span className="mono">{gateway.url}</span>{' '}
          <span className="muted">({SOURCE[gateway.source]})</span>
        </>
      ) : (
        <span>none yet (no URL set and the gateway on this computer is not running)</span>
      )}
    </div>
  );
}
