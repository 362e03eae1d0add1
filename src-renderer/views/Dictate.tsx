// Dictate: one big record button, elapsed time, level meter, microphone picker, and the
// transcript growing from chunk results until the final text replaces it.
import { useEffect, useState } from 'react';
import { useStore } from 'zustand';
import { useAppContext } from '../context.js';
import { LevelMeter } from '../components/LevelMeter.js';
import { copyText } from '../util/files.js';
import { formatElapsed } from '../util/format.js';

const PHASE_TEXT: Record<string, string> = {
  idle: 'Ready',
  starting: 'Starting…',
  recording: 'Recording',
  finishing: 'Transcribing…',
  done: 'Done',
  failed: 'Failed',
};

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

export function DictateView() {
  const { dictation, microphone, settings, app } = useAppContext();
  const d = useStore(dictation);
  const mic = useStore(microphone);
  const pasteEnabled = useStore(settings, (s) => s.settings?.pasteIntoFocusedApp ?? false);
  const info = useStore(app, (s) => s.info);
  const shortcut = useStore(settings, (s) => s.settings?.shortcut ?? '');
  const running = d.phase === 'starting' || d.phase === 'recording';
  const elapsed = useElapsed(d.startedAt, d.stoppedAt, running);

  useEffect(() => {
    void microphone.getState().ensureOpen();
  }, [microphone]);

  const text = d.finalText ?? d.liveText;
  const copy = async () => {
    const ok = await copyText(text);
    app
      .getState()
      .notify(
        ok ? 'Transcript copied to the clipboard.' : 'Copying is not allowed here.',
        ok ? 'ok' : 'error',
      );
  };

  return (
    <section aria-labelledby="dictate-title">
      <header className="view-header">
        <div>
          <h1 id="dictate-title">Dictate</h1>
          <p>Speak; the transcript streams back while you talk and is saved before it is uploaded.</p>
        </div>
      </header>
      {mic.error && (
        <div className="banner banner-error" role="alert">
          {mic.error}
        </div>
      )}
      {mic.note && (
        <div className="banner banner-warn" role="status">
          {mic.note}
        </div>
      )}
      {d.error && (
        <div className="banner banner-error" role="alert" data-testid="dictation-error">
          {d.error}
        </div>
      )}
      <div className="dictate">
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
          </button>
          <div className="elapsed" aria-live="off" data-testid="elapsed">
            {formatElapsed(elapsed)}
          </div>
          <div className="row" role="status" aria-live="polite">
            <span
              className={`pill ${running ? 'pill-danger' : d.phase === 'done' ? 'pill-ok' : d.phase === 'failed' ? 'pill-danger' : d.phase === 'finishing' ? 'pill-info' : 'pill-muted'}`}
              data-testid="dictation-phase"
            >
              {PHASE_TEXT[d.phase]}
            </span>
          </div>
          <LevelMeter level={mic.level} label="Microphone level" />
          <div className="field" style={{ width: '100%', margin: 0 }}>
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
          <p className="small muted" style={{ margin: 0, textAlign: 'center' }}>
            Space or Enter on the button
            {shortcut ? (
              <>
                {' '}
                · <kbd>{shortcut}</kbd> anywhere
              </>
            ) : null}
          </p>
        </div>
        <div className="card">
          <div className="row" style={{ marginBottom: 10 }}>
            <h2 style={{ margin: 0 }}>Transcript</h2>
            {d.finalText !== undefined && d.partial && (
              <span className="pill pill-warn">Partial: a chunk timed out</span>
            )}
            {d.finalText === undefined && d.liveText && <span className="pill pill-info">Live</span>}
            {d.finalText !== undefined && (
              <span className="pill pill-ok" data-testid="final-badge">
                Final
              </span>
            )}
            <span className="spacer" />
            <button
              type="button"
              className="btn btn-small"
              disabled={!text}
              onClick={() => void copy()}
              data-testid="copy-transcript"
            >
              Copy
            </button>
          </div>
          <div
            className="transcript"
            aria-live="polite"
            data-testid="transcript"
            data-final={d.finalText !== undefined ? 'true' : 'false'}
          >
            {text ? (
              <span className={d.finalText === undefined ? 'live' : undefined}>{text}</span>
            ) : (
              <span className="transcript-empty">
                {running
                  ? 'Listening…'
                  : d.phase === 'finishing'
                    ? 'Waiting for the last chunks…'
                    : 'Press the button and start speaking.'}
              </span>
            )}
          </div>
          <div className="small muted" style={{ marginTop: 12 }}>
            <label className="checkbox" style={{ fontWeight: 500 }}>
              <input
                type="checkbox"
                checked={d.pasteOverride ?? pasteEnabled}
                disabled={running || info?.paste.supported === false}
                onChange={(event) =>
                  dictation
                    .getState()
                    .setPasteOverride(
                      event.target.checked === pasteEnabled ? undefined : event.target.checked,
                    )
                }
                data-testid="paste-toggle"
              />
              Paste the final text into the application that had focus
            </label>
            {info?.paste.supported === false && (
              <div>Not possible here: {info.paste.reason ?? 'unsupported'}.</div>
            )}
            {d.pasteNote && <div data-testid="paste-note">{d.pasteNote}</div>}
          </div>
        </div>
      </div>
    </section>
  );
}
