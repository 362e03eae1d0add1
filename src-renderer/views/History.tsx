// History: every recording, newest first, with its state; open one to see its waveform
// (chunks as regions) and play it; edit its text (kept beside what was recognised, which
// can be shown and gone back to); copy, export, re-transcribe, delete; tick several to
// export them as one file.
import { useEffect, useState } from 'react';
import { useStore } from 'zustand';
import {
  COMBINED_EXPORT_FORMATS,
  EXPORT_FORMATS,
  type CombinedExportFormat,
  type ExportFormat,
  type HistoryItem,
} from '../../src-shared/api/history.js';
import { useAppContext } from '../context.js';
import { ErrorBanner } from '../components/Banner.js';
import { FORMAT_LABEL, FormatButtons } from '../components/FormatButtons.js';
import { HistoryStatePill } from '../components/StatePill.js';
import { ViewHeader } from '../components/ViewHeader.js';
import { Waveform } from '../components/Waveform.js';
import { copyText, downloadTextFile } from '../util/files.js';
import { formatDateTime, formatDuration } from '../util/format.js';

/** The text of a recording, or the box that edits it. */
function RecordingText({ item, editing, onDone }: { item: HistoryItem; editing: boolean; onDone(): void }) {
  const { history } = useAppContext();
  const [draft, setDraft] = useState(item.text);
  const [error, setError] = useState<string>();
  const [showOriginal, setShowOriginal] = useState(false);
  const [saving, setSaving] = useState(false);
  useEffect(() => {
    if (editing) {
      setDraft(item.text);
      setError(undefined);
    }
    // Only when editing starts: the text may change meanwhile, the draft is the user's.
  }, [editing]);
  const save = async (text: string | null) => {
    setSaving(true);
    try {
      await history.getState().edit(item.recordingId, text);
      setError(undefined);
      onDone();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setSaving(false);
    }
  };
  const edited = item.recognisedText !== undefined;
  if (editing)
    return (
      <div className="field edit-text">
        <label htmlFor={`edit-${item.recordingId}`} className="small muted">
          Edit the text (what was recognised is kept)
        </label>
        <textarea
          id={`edit-${item.recordingId}`}
          value={draft}
          rows={Math.min(10, Math.max(3, Math.ceil(draft.length / 90)))}
          onChange={(event) => setDraft(event.target.value)}
          data-testid="edit-text"
          aria-invalid={error ? true : undefined}
        />
        {error && (
          <div className="field-error" role="alert" data-testid="edit-error">
            {error}
          </div>
        )}
        <div className="row">
          <button
            type="button"
            className="btn btn-small btn-primary"
            disabled={saving}
            onClick={() => void save(draft)}
          >
            Save text
          </button>
          <button type="button" className="btn btn-small" disabled={saving} onClick={onDone}>
            Cancel
          </button>
        </div>
      </div>
    );
  return (
    <>
      <div className="recording-text" data-testid="history-text" data-edited={edited}>
        {item.text || (
          <span className="muted">{item.state === 'done' ? '(no speech recognised)' : 'No text yet.'}</span>
        )}
      </div>
      {edited && (
        <div className="edited-note small" data-testid="edited-note">
          <span className="muted">
            Edited{item.editedAt ? ` ${formatDateTime(item.editedAt)}` : ''} · exports use this text
          </span>
          <button
            type="button"
            className="btn-link"
            aria-expanded={showOriginal}
            onClick={() => setShowOriginal(!showOriginal)}
          >
            {showOriginal ? 'Hide the recognised text' : 'Show the recognised text'}
          </button>
          <button
            type="button"
            className="btn-link"
            disabled={saving}
            onClick={() => void save(null)}
            data-testid="revert-edit"
          >
            Revert to the recognised text
          </button>
          {showOriginal && (
            <div className="recognised-text" data-testid="recognised-text">
              {item.recognisedText || <span className="muted">(no speech recognised)</span>}
            </div>
          )}
          {error && <div className="field-error">{error}</div>}
        </div>
      )}
    </>
  );
}

function RecordingCard({ item }: { item: HistoryItem }) {
  const { history, api, app } = useAppContext();
  const [open, setOpen] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [editing, setEditing] = useState(false);
  const editable = item.state === 'done' || item.state === 'failed';
  const detail = useStore(history, (s) => s.details[item.recordingId]);
  const again = useStore(history, (s) => s.retranscribing[item.recordingId]);
  const againBusy = again !== undefined && again.state !== 'done' && again.state !== 'failed';
  const selected = useStore(history, (s) => s.selected.includes(item.recordingId));

  useEffect(() => {
    if (open && !detail) void history.getState().loadDetail(item.recordingId);
  }, [open, detail, history, item.recordingId]);

  const exportAs = async (format: ExportFormat) => {
    try {
      downloadTextFile(await history.getState().exportRecording(item.recordingId, format));
      app.getState().notify(`Exported as ${FORMAT_LABEL[format]}.`);
    } catch (error) {
      app.getState().notify(`Export failed: ${(error as Error).message}`, 'error');
    }
  };

  return (
    <article
      className="card recording"
      data-testid="history-item"
      data-recording-id={item.recordingId}
      data-state={item.state}
      aria-label={`Recording of ${formatDateTime(item.createdAt)}`}
    >
      <div className="recording-head">
        <input
          type="checkbox"
          checked={selected}
          onChange={(event) => history.getState().toggleSelected(item.recordingId, event.target.checked)}
          aria-label={`Select the recording of ${formatDateTime(item.createdAt)}`}
          data-testid="select-recording"
        />
        <HistoryStatePill state={item.state} />
        <span className="muted small">{formatDateTime(item.createdAt)}</span>
        <span className="muted small" data-testid="history-duration">
          · {formatDuration(item.durationMs)}
        </span>
        <span className="muted small">
          · {item.chunkCount} chunk{item.chunkCount === 1 ? '' : 's'}
        </span>
        <span className="spacer" />
        <button
          type="button"
          className="btn btn-small"
          aria-expanded={open}
          onClick={() => setOpen(!open)}
          data-testid="toggle-waveform"
        >
          {open ? 'Hide audio' : 'Waveform'}
        </button>
      </div>
      {item.state === 'failed' && item.failureReason && (
        <div className="field-error" data-testid="failure-reason">
          {item.failureReason}
        </div>
      )}
      <RecordingText item={item} editing={editing} onDone={() => setEditing(false)} />
      {again && (
        <div className="retranscript small" data-testid="retranscript" data-state={again.state} role="status">
          {again.state === 'done' ? (
            <>
              <span className="muted">Re-transcribed: </span>
              <span data-testid="retranscript-text">{again.text || '(no speech recognised)'}</span>
            </>
          ) : again.state === 'failed' ? (
            <span className="field-error">Re-transcription failed: {again.error ?? 'unknown reason'}</span>
          ) : (
            <span className="muted">
              <span className="spinner" aria-hidden="true" /> Re-transcribing…{' '}
              {again.state === 'starting' || again.state === 'queued'
                ? 'waiting for the gateway'
                : again.state === 'uploading'
                  ? 'sending the audio'
                  : 'waiting for the text'}
            </span>
          )}
        </div>
      )}
      {open && (
        <Waveform
          recordingId={item.recordingId}
          chunks={detail?.chunks ?? []}
          loadAudio={async () => (await api.call('history.audio', { recordingId: item.recordingId })).wav}
        />
      )}
      <div className="row">
        <button
          type="button"
          className="btn btn-small"
          disabled={!item.text}
          onClick={async () =>
            app.getState().notify((await copyText(item.text)) ? 'Copied.' : 'Copying is not allowed here.')
          }
        >
          Copy
        </button>
        <button
          type="button"
          className="btn btn-small"
          disabled={!editable || editing}
          title={editable ? undefined : 'The text can be edited once the recording is transcribed'}
          onClick={() => setEditing(true)}
          data-testid="edit"
        >
          Edit
        </button>
        <FormatButtons label="Export" formats={EXPORT_FORMATS} onExport={(format) => void exportAs(format)} />
        <button
          type="button"
          className="btn btn-small"
          onClick={() => void history.getState().retranscribe(item.recordingId)}
          disabled={item.state === 'recording' || againBusy}
          data-testid="retranscribe"
        >
          {againBusy ? 'Re-transcribing…' : 'Re-transcribe'}
        </button>
        <span className="spacer" />
        {confirmDelete ? (
          <>
            <span className="small">Delete audio and text?</span>
            <button
              type="button"
              className="btn btn-small btn-danger"
              onClick={() => void history.getState().remove(item.recordingId)}
              data-testid="confirm-delete"
            >
              Delete
            </button>
            <button type="button" className="btn btn-small" onClick={() => setConfirmDelete(false)}>
              Keep
            </button>
          </>
        ) : (
          <button
            type="button"
            className="btn btn-small btn-danger"
            onClick={() => setConfirmDelete(true)}
            disabled={item.state === 'recording'}
          >
            Delete…
          </button>
        )}
      </div>
    </article>
  );
}

/** What to do with the ticked recordings: export them as one file, or untick them. */
function SelectionBar() {
  const { history, app } = useAppContext();
  const { items, selected } = useStore(history);
  const allShown = items.length > 0 && items.every((i) => selected.includes(i.recordingId));
  const exportAs = async (format: CombinedExportFormat) => {
    try {
      downloadTextFile(await history.getState().exportSelection(format));
      app
        .getState()
        .notify(
          `Exported ${selected.length} recording${selected.length === 1 ? '' : 's'} as one ${FORMAT_LABEL[format]} file.`,
        );
    } catch (error) {
      app.getState().notify(`Export failed: ${(error as Error).message}`, 'error');
    }
  };
  return (
    <div className="card selection-bar row" data-testid="selection-bar" role="region" aria-label="Selection">
      <label className="checkbox">
        <input
          type="checkbox"
          checked={allShown}
          disabled={items.length === 0}
          onChange={(event) => history.getState().selectAll(event.target.checked)}
          data-testid="select-all"
        />
        Select all shown
      </label>
      <span className="small" data-testid="selected-count" aria-live="polite">
        {selected.length} selected
      </span>
      {selected.length > 0 && (
        <>
          <span className="spacer" />
          <FormatButtons
            label="Export as one file"
            formats={COMBINED_EXPORT_FORMATS}
            what="the selection"
            onExport={(format) => void exportAs(format)}
          />
          <button type="button" className="btn btn-small" onClick={() => history.getState().selectAll(false)}>
            Clear
          </button>
        </>
      )}
    </div>
  );
}

export function HistoryView() {
  const { history } = useAppContext();
  const { items, search, loading, error, hasMore } = useStore(history);
  return (
    <section aria-labelledby="history-title">
      <ViewHeader
        id="history-title"
        title="History"
        description="Every recording is kept on this computer, with its audio, until you delete it."
      >
        <label className="sr-only" htmlFor="history-search">
          Search transcripts
        </label>
        <input
          id="history-search"
          type="search"
          placeholder="Search transcripts"
          value={search}
          onChange={(event) => history.getState().setSearch(event.target.value)}
          className="search-input"
        />
      </ViewHeader>
      {error && <ErrorBanner>{error}</ErrorBanner>}
      <div className="history-list" data-testid="history-list" aria-busy={loading}>
        {items.length > 0 && <SelectionBar />}
        {items.length === 0 && !loading && (
          <div className="card muted">
            {search
              ? `No recording matches “${search}”.`
              : 'No recordings yet. Dictate something and it appears here.'}
          </div>
        )}
        {items.map((item) => (
          <RecordingCard key={item.recordingId} item={item} />
        ))}
        {hasMore && (
          <div className="row row-center">
            <button
              type="button"
              className="btn"
              disabled={loading}
              onClick={() => void history.getState().loadMore()}
            >
              Load older recordings
            </button>
          </div>
        )}
      </div>
    </section>
  );
}
