// The recorder card: the record button, elapsed time, the dictation's state, the input
// level and the microphone picker.
import { useEffect, useState } from 'react';
import { useStore } from 'zustand';
import { useAppContext } from '../../context.js';
import { LevelMeter } from '../../components/LevelMeter.js';
import { DictationPhasePill, StatePill } from '../../components/StatePill.js';
import { gatewayReachable } from '../../stores/status.js';
import { formatElapsed } from '../../util/format.js';

function useElapsed(startedAt: number | undefined, stoppedAt: number | undefined, running: boolean): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => setNow(Date.now()), 100);
    return () => clearInterval(timer);
  }, [running]);
  if (!startedAt) return 0;
  return (running ? now : (stoppedAt ?? now)) - startedAt;
}

export function Recorder() {
  const { dictation, microphone, settings, app, status } = useAppContext();
  const d = useStore(dictation);
  const mic = useStore(microphone);
  const shortcut = useStore(settings, (s) => s.settings?.shortcut ?? '');
  const autoStopSec = useStore(settings, (s) => s.settings?.autoStopSilenceSec ?? 0);
  const systemWide = useStore(app, (s) => s.info?.globalShortcut.supported === true);
  const reachable = useStore(status, (s) => gatewayReachable(s.snapshot));
  const running = d.phase === 'starting' || d.phase === 'recording';
  const elapsed = useElapsed(d.startedAt, d.stoppedAt, running);
  return (
    <div className="card recorder">
      <button
        type="button"
        className="record-button"
        aria-pressed={running}
        aria-label={running ? 'Stop dictation' : 'Start dictation'}
        data-testid="record"
        data-phase={d.phase}
        // Not `disabled`: that would drop the keyboard focus while the last chunks upload.
        aria-disabled={d.phase === 'finishing'}
        onClick={() => void dictation.getState().toggle()}
        onKeyDown={(event) => {
          // Space and Enter toggle through the native click; a held Enter must not repeat,
          // and a modified key (the shortcut) is handled by the page, not by the button.
          if ((event.key === 'Enter' && event.repeat) || event.ctrlKey || event.metaKey || event.altKey)
            event.preventDefault();
        }}
        onKeyUp={(event) => {
          if (event.ctrlKey || event.metaKey || event.altKey) event.preventDefault();
        }}
      >
        <span className="record-glyph" aria-hidden="true" />
        <span className="record-label" aria-hidden="true">
          {running ? 'Stop' : 'Record'}
        </span>
      </button>
      <div className="elapsed" aria-live="off" data-testid="elapsed">
        {formatElapsed(elapsed)}
      </div>
      <div className="row" role="status" aria-live="polite">
        {d.phase === 'finishing' && !reachable ? (
          <StatePill tone="warn" state="finishing" testId="dictation-phase">
            Saved; waiting for the gateway
          </StatePill>
        ) : (
          <DictationPhasePill phase={d.phase} testId="dictation-phase" />
        )}
        {d.stopNote && !running && (
          <span className="small muted" data-testid="auto-stop-note">
            {d.stopNote}
          </span>
        )}
      </div>
      <LevelMeter level={mic.level} label="Microphone level" />
      <div className="field">
        <label htmlFor="mic-picker">Microphone</label>
        <select
          id="mic-picker"
          value={mic.preferredDeviceId}
          onChange={(event) => void microphone.getState().choose(event.target.value)}
          disabled={running}
        >
          <option value="">System default</option>
          {mic.devices
            .filter((device) => device.deviceId && device.deviceId !== 'default')
            .map((device) => (
              <option key={device.deviceId} value={device.deviceId}>
                {device.label}
              </option>
            ))}
        </select>
      </div>
      <p className="small muted recorder-hint">
        Space or Enter on the button
        {shortcut ? (
          <>
            {' '}
            · <kbd>{shortcut}</kbd>{' '}
            <span data-testid="shortcut-scope">
              {/* A browser page only sees keys while it has focus: no system-wide claim here. */}
              {systemWide ? 'anywhere' : 'while this page has focus'}
            </span>
          </>
        ) : null}
        {autoStopSec > 0 && (
          <span data-testid="auto-stop-hint"> · stops after {autoStopSec} s of silence</span>
        )}
      </p>
    </div>
  );
}
