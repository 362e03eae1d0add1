// Status (support): the connection state machine with its timeline, RTT, gateway health,
// the local queue with per-item actions, recent errors, "Copy diagnostics", "Save
// diagnostics bundle" (a download in the browser, main's save dialog in the desktop app),
// and a session looked up on the gateway by id. Each card is a component of status/ (the lookup one of
// components/); this view wires them to the store.
import { useState } from 'react';
import { useStore } from 'zustand';
import { useAppContext } from '../context.js';
import { Banner, ErrorBanner } from '../components/Banner.js';
import { GatewayInUse } from '../components/GatewayInUse.js';
import { SessionLookup } from '../components/SessionLookup.js';
import { ViewHeader } from '../components/ViewHeader.js';
import { copyText, downloadBytes, downloadTextFile } from '../util/files.js';
import { EndpointCard } from './status/EndpointCard.js';
import { ErrorsCard } from './status/ErrorsCard.js';
import { QueueCard } from './status/QueueCard.js';

export function StatusView() {
  const { status, app } = useAppContext();
  const { snapshot, error, busy } = useStore(status);
  const mode = useStore(app, (s) => s.info?.mode);
  const [savingBundle, setSavingBundle] = useState(false);

  const copyDiagnostics = async () => {
    try {
      const file = await status.getState().diagnostics();
      if (await copyText(file.content)) app.getState().notify('Diagnostics copied (secrets redacted).');
      else downloadTextFile(file);
    } catch (e) {
      app.getState().notify(`Could not collect diagnostics: ${(e as Error).message}`, 'error');
    }
  };

  const saveBundle = async () => {
    setSavingBundle(true);
    try {
      if (mode === 'electron') {
        const saved = await status.getState().saveBundle();
        if (saved.saved)
          app.getState().notify(`Diagnostics bundle saved to ${saved.path} (secrets redacted).`);
      } else {
        const file = await status.getState().bundle();
        downloadBytes(file);
        app.getState().notify(`Diagnostics bundle downloaded: ${file.filename} (secrets redacted).`);
      }
    } catch (e) {
      app.getState().notify(`Could not make the diagnostics bundle: ${(e as Error).message}`, 'error');
    } finally {
      setSavingBundle(false);
    }
  };

  return (
    <section aria-labelledby="status-title">
      <ViewHeader
        id="status-title"
        title="Status"
        description="What the connection is doing, and what is waiting to be uploaded."
      >
        <button type="button" className="btn" onClick={() => void status.getState().refresh()}>
          Refresh
        </button>
        <button
          type="button"
          className="btn"
          onClick={() => void copyDiagnostics()}
          data-testid="copy-diagnostics"
        >
          Copy diagnostics
        </button>
        <button
          type="button"
          className="btn btn-primary"
          onClick={() => void saveBundle()}
          disabled={savingBundle}
          aria-busy={savingBundle}
          title="A .tar.gz for support: settings, recent logs, timeline, health, outbox summary, versions; secrets redacted, no audio or transcripts"
          data-testid="save-bundle"
        >
          {savingBundle ? 'Saving…' : 'Save diagnostics bundle'}
        </button>
      </ViewHeader>
      {error && <ErrorBanner>{error}</ErrorBanner>}
      {snapshot?.embedded && snapshot.embedded.state === 'unavailable' && (
        <Banner tone="warn" role="alert">
          The gateway on this computer is unavailable
          {snapshot.embedded.reason ? `: ${snapshot.embedded.reason}` : ''}. Add a remote gateway URL in
          Settings.
        </Banner>
      )}
      <GatewayInUse />
      {!snapshot && <div className="card muted">Loading…</div>}
      {snapshot && (
        <>
          {snapshot.endpoints.map((endpoint) => (
            <EndpointCard key={endpoint.url} endpoint={endpoint} />
          ))}
          {snapshot.endpoints.length === 0 && <div className="card muted">No gateway configured.</div>}
          <QueueCard
            snapshot={snapshot}
            busy={busy}
            onRetry={(id) => void status.getState().retryNow(id)}
            onDiscard={(id) => void status.getState().discard(id)}
          />
          <ErrorsCard errors={snapshot.errors} />
        </>
      )}
      <SessionLookup />
    </section>
  );
}
