// Settings: edited here, validated and persisted by main. An invalid value is rejected
// with its message at the field, and nothing is saved until every field is valid.
import { useStore } from 'zustand';
import { useAppContext } from '../context.js';
import { Field } from '../components/Field.js';

export function SettingsView() {
  const { settings, app } = useAppContext();
  const { settings: saved, draft, fieldErrors, saving, savedAt, error } = useStore(settings);
  const info = useStore(app, (s) => s.info);
  const edit = settings.getState().edit;

  if (!draft || !saved) {
    return (
      <section aria-labelledby="settings-title">
        <header className="view-header">
          <h1 id="settings-title">Settings</h1>
        </header>
        {error ? (
          <div className="banner banner-error">{error}</div>
        ) : (
          <div className="card muted">Loading…</div>
        )}
      </section>
    );
  }

  const errorCount = Object.keys(fieldErrors).length;
  return (
    <section aria-labelledby="settings-title">
      <header className="view-header">
        <div>
          <h1 id="settings-title">Settings</h1>
          <p>Stored by Earshot on this computer; the token is never shown again once saved.</p>
        </div>
      </header>
      {error && (
        <div className="banner banner-error" role="alert">
          {error}
        </div>
      )}
      {errorCount > 0 && (
        <div className="banner banner-error" role="alert" data-testid="settings-invalid">
          {errorCount === 1 ? 'One field needs attention' : `${errorCount} fields need attention`}; nothing
          was saved.
        </div>
      )}
      {savedAt && (
        <div className="banner banner-ok" role="status" data-testid="settings-saved">
          Saved.{saved.restartRequired ? ' The new data folder is used after a restart.' : ''}
        </div>
      )}
      <form
        noValidate
        aria-label="Settings"
        onSubmit={(event) => {
          event.preventDefault();
          void settings.getState().save();
        }}
      >
        <div className="grid grid-2" style={{ alignItems: 'start' }}>
          <div className="card">
            <h2>Gateway</h2>
            {info?.gatewayUrlsForThisRun && (
              <div className="banner banner-warn" data-testid="run-gateway-urls">
                This run uses {info.gatewayUrlsForThisRun.join(', ')} (from --url, not saved). Saving gateway
                URLs here replaces it.
              </div>
            )}
            <Field
              label="Gateway URLs"
              hint="One per line; the first reachable one is used."
              error={fieldErrors.gatewayUrls}
              testId="field-gatewayUrls"
            >
              {(p) => (
                <textarea
                  {...p}
                  name="gatewayUrls"
                  rows={3}
                  value={draft.gatewayUrls}
                  placeholder="ws://gateway.example:8081/ws/asr"
                  onChange={(e) => edit({ gatewayUrls: e.target.value })}
                />
              )}
            </Field>
            <label className="checkbox" style={{ marginBottom: 14 }}>
              <input
                type="checkbox"
                name="useEmbeddedGateway"
                checked={draft.useEmbeddedGateway}
                onChange={(e) => edit({ useEmbeddedGateway: e.target.checked })}
              />
              Use the gateway on this computer when no URL is set
            </label>
            <Field
              label="Token"
              hint={
                saved.hasToken
                  ? `A token is stored (${saved.tokenStorage === 'safe-storage' ? 'in the system keychain' : 'in the settings file'}). Type a new one to replace it.`
                  : 'No token stored.'
              }
              error={fieldErrors.token}
              testId="field-token"
            >
              {(p) => (
                <input
                  {...p}
                  type="password"
                  name="token"
                  autoComplete="off"
                  value={draft.token}
                  disabled={draft.clearToken}
                  onChange={(e) => edit({ token: e.target.value })}
                />
              )}
            </Field>
            {saved.hasToken && (
              <label className="checkbox" style={{ marginTop: -6, marginBottom: 14 }}>
                <input
                  type="checkbox"
                  name="clearToken"
                  checked={draft.clearToken}
                  onChange={(e) => edit({ clearToken: e.target.checked, token: '' })}
                />
                Remove the stored token
              </label>
            )}
            <Field
              label="User id"
              hint="Sent with each session (optional)."
              error={fieldErrors.userId}
              testId="field-userId"
            >
              {(p) => (
                <input
                  {...p}
                  type="text"
                  name="userId"
                  value={draft.userId}
                  onChange={(e) => edit({ userId: e.target.value })}
                />
              )}
            </Field>
          </div>
          <div className="card">
            <h2>Recording</h2>
            <div className="row" style={{ alignItems: 'start' }}>
              <Field label="Shortest chunk (s)" error={fieldErrors.chunkMinSec} testId="field-chunkMinSec">
                {(p) => (
                  <input
                    {...p}
                    type="text"
                    inputMode="decimal"
                    name="chunkMinSec"
                    value={draft.chunkMinSec}
                    onChange={(e) => edit({ chunkMinSec: e.target.value })}
                    style={{ width: 120 }}
                  />
                )}
              </Field>
              <Field label="Longest chunk (s)" error={fieldErrors.chunkMaxSec} testId="field-chunkMaxSec">
                {(p) => (
                  <input
                    {...p}
                    type="text"
                    inputMode="decimal"
                    name="chunkMaxSec"
                    value={draft.chunkMaxSec}
                    onChange={(e) => edit({ chunkMaxSec: e.target.value })}
                    style={{ width: 120 }}
                  />
                )}
              </Field>
            </div>
            <Field
              label="Shortcut"
              hint={
                info?.globalShortcut.supported === false
                  ? `Works while Earshot has focus; system-wide shortcuts are not available here (${info.globalShortcut.reason ?? 'unsupported'}).`
                  : 'e.g. CommandOrControl+Shift+Space; empty = none.'
              }
              error={fieldErrors.shortcut}
              testId="field-shortcut"
            >
              {(p) => (
                <input
                  {...p}
                  type="text"
                  name="shortcut"
                  value={draft.shortcut}
                  onChange={(e) => edit({ shortcut: e.target.value })}
                />
              )}
            </Field>
            <Field label="Shortcut mode" error={fieldErrors.shortcutMode}>
              {(p) => (
                <select
                  {...p}
                  name="shortcutMode"
                  value={draft.shortcutMode}
                  onChange={(e) => edit({ shortcutMode: e.target.value as 'toggle' | 'push-to-talk' })}
                >
                  <option value="toggle">Press to start, press again to stop</option>
                  <option value="push-to-talk">Hold to talk</option>
                </select>
              )}
            </Field>
            <label className="checkbox" style={{ marginBottom: 4 }}>
              <input
                type="checkbox"
                name="pasteIntoFocusedApp"
                checked={draft.pasteIntoFocusedApp}
                onChange={(e) => edit({ pasteIntoFocusedApp: e.target.checked })}
              />
              Paste the final text into the application that had focus
            </label>
            <div className="hint small muted" style={{ marginBottom: 14 }}>
              {info?.paste.supported === false
                ? `Not possible here: ${info.paste.reason ?? 'unsupported'}.`
                : 'Uses the clipboard and a paste keystroke, then restores the clipboard.'}
            </div>
            {fieldErrors.pasteIntoFocusedApp && (
              <div className="field-error">{fieldErrors.pasteIntoFocusedApp}</div>
            )}
            <Field
              label="Data folder"
              hint="Recordings, transcripts and the outbox database. Takes effect after a restart."
              error={fieldErrors.dataDir}
              testId="field-dataDir"
            >
              {(p) => (
                <input
                  {...p}
                  type="text"
                  name="dataDir"
                  value={draft.dataDir}
                  onChange={(e) => edit({ dataDir: e.target.value })}
                />
              )}
            </Field>
          </div>
        </div>
        <div className="row" style={{ marginTop: 16 }}>
          <button type="submit" className="btn btn-primary" disabled={saving} data-testid="settings-save">
            {saving ? 'Saving…' : 'Save settings'}
          </button>
          <button type="button" className="btn" onClick={() => settings.getState().reset()}>
            Discard changes
          </button>
        </div>
      </form>
    </section>
  );
}
