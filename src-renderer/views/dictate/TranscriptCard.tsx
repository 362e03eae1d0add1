// The transcript card: the text growing from chunk results until the final text replaces
// it, its state, copying it, and whether the final text is pasted into the focused app.
import { useStore } from 'zustand';
import { useAppContext } from '../../context.js';
import { StatePill } from '../../components/StatePill.js';
import { copyText } from '../../util/files.js';
import { gatewayReachable } from '../../stores/status.js';

export function TranscriptCard() {
  const { dictation, settings, app, status } = useAppContext();
  const d = useStore(dictation);
  const pasteEnabled = useStore(settings, (s) => s.settings?.pasteIntoFocusedApp ?? false);
  const info = useStore(app, (s) => s.info);
  // Nothing streams back while no gateway answers: no "Live" badge then.
  const connected = useStore(status, (s) => gatewayReachable(s.snapshot));
  const running = d.phase === 'starting' || d.phase === 'recording';
  const text = d.finalText ?? d.liveText;
  // Live text of the chunk still being spoken: disposable, after the real texts, until replaced.
  const provisional = d.finalText === undefined ? d.provisional?.text.trim() : undefined;
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
    <div className="card">
      <div className="row card-title-row">
        <h2>Transcript</h2>
        {d.finalText !== undefined && d.partial && (
          <StatePill tone="warn">Partial: a chunk timed out</StatePill>
        )}
        {d.finalText === undefined && (d.liveText || provisional) && connected && (
          <StatePill tone="info">Live</StatePill>
        )}
        {d.finalText !== undefined && (
          <StatePill tone="ok" testId="final-badge">
            Final
          </StatePill>
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
        {text || provisional ? (
          <>
            {text && <span className={d.finalText === undefined ? 'live' : undefined}>{text}</span>}
            {provisional && (
              <span
                className="provisional"
                data-testid="provisional-text"
                data-chunk-index={d.provisional?.chunkIndex}
                title="Provisional: replaced by the recognised text after the pause"
              >
                {text ? ' ' : ''}
                {provisional}
              </span>
            )}
          </>
        ) : (
          <span className="transcript-empty" data-testid="transcript-empty">
            {running
              ? 'Listening…'
              : d.phase === 'finishing'
                ? connected
                  ? 'Waiting for the last chunks…'
                  : 'Saved; waiting for the gateway to transcribe it.'
                : (d.note ?? 'Press the button and start speaking.')}
          </span>
        )}
      </div>
      <div className="small muted paste-option">
        <label className="checkbox">
          <input
            type="checkbox"
            checked={d.pasteOverride ?? pasteEnabled}
            disabled={running || info?.paste.supported === false}
            onChange={(event) =>
              dictation
                .getState()
                .setPasteOverride(event.target.checked === pasteEnabled ? undefined : event.target.checked)
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
  );
}
