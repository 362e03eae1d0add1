// Settings: edited here, validated and persisted by main. An invalid value is rejected
// with its message at the field, and nothing is saved until every field is valid. Each
// field's label, hint and control are a row of TEXT_FIELDS or CHECKBOXES; the layout
// below only places them.
import type { ReactNode } from 'react';
import { useStore } from 'zustand';
import type { AppInfo } from '../../src-shared/api/app.js';
import type { PublicSettings } from '../../src-shared/api/settings.js';
import { useAppContext } from '../context.js';
import { Banner, ErrorBanner } from '../components/Banner.js';
import { Field } from '../components/Field.js';
import { GatewayInUse } from '../components/GatewayInUse.js';
import { ViewHeader } from '../components/ViewHeader.js';
import type { SettingsDraft } from '../stores/settings.js';

interface HintContext {
  saved: PublicSettings;
  info: AppInfo | undefined;
}

type TextName =
  | 'gatewayUrls'
  | 'token'
  | 'userId'
  | 'chunkMinSec'
  | 'chunkMaxSec'
  | 'autoStopSilenceSec'
  | 'shortcut'
  | 'dataDir';

interface TextFieldSpec {
  label: string;
  hint?: (context: HintContext) => ReactNode;
  control: 'textarea' | 'text' | 'password' | 'decimal';
  placeholder?: string;
  /** A short box rather than the column's width. */
  short?: boolean;
  disabled?: (draft: SettingsDraft) => boolean;
}

const TEXT_FIELDS: Record<TextName, TextFieldSpec> = {
  gatewayUrls: {
    label: 'Gateway URLs',
    hint: () => 'One per line; the first reachable one is used.',
    control: 'textarea',
    placeholder: 'ws://gateway.example:8081/ws/asr',
  },
  token: {
    label: 'Token',
    hint: ({ saved }) =>
      saved.hasToken
        ? `A token is stored (${saved.tokenStorage === 'safe-storage' ? 'in the system keychain' : 'in the settings file'}). Type a new one to replace it.`
        : 'No token stored.',
    control: 'password',
    disabled: (draft) => draft.clearToken,
  },
  userId: { label: 'User id', hint: () => 'Sent with each session (optional).', control: 'text' },
  chunkMinSec: { label: 'Shortest chunk (s)', control: 'decimal', short: true },
  chunkMaxSec: { label: 'Longest chunk (s)', control: 'decimal', short: true },
  autoStopSilenceSec: {
    label: 'Stop after silence (s)',
    hint: () => 'A dictation stops by itself after this long without speech; 0 = never (2 to 300 s).',
    control: 'decimal',
    short: true,
  },
  shortcut: {
    label: 'Shortcut',
    hint: ({ info }) =>
      info?.globalShortcut.supported === false
        ? `Works while Earshot has focus; system-wide shortcuts are not available here (${info.globalShortcut.reason ?? 'unsupported'}).`
        : 'e.g. CommandOrControl+Shift+Space; empty = none.',
    control: 'text',
  },
  dataDir: {
    label: 'Data folder',
    hint: () => 'Recordings, transcripts and the outbox database. Takes effect after a restart.',
    control: 'text',
  },
};

type CheckboxName = 'useEmbeddedGateway' | 'clearToken' | 'pasteIntoFocusedApp' | 'liveText';

const CHECKBOXES: Record<
  CheckboxName,
  { label: string; className: string; change?: (checked: boolean) => Partial<SettingsDraft> }
> = {
  useEmbeddedGateway: {
    label: 'Use the gateway on this computer when no URL is set',
    className: 'checkbox checkbox-field',
  },
  clearToken: {
    label: 'Remove the stored token',
    className: 'checkbox checkbox-field checkbox-under-field',
    change: (checked) => ({ clearToken: checked, token: '' }),
  },
  pasteIntoFocusedApp: {
    label: 'Paste the final text into the application that had focus',
    className: 'checkbox checkbox-with-hint',
  },
  liveText: {
    label: 'Show provisional text while speaking',
    className: 'checkbox checkbox-with-hint',
  },
};

export function SettingsView() {
  const { settings, app } = useAppContext();
  const { settings: saved, draft, fieldErrors, saving, savedAt, error } = useStore(settings);
  const info = useStore(app, (s) => s.info);
  const edit = settings.getState().edit;

  if (!draft || !saved) {
    return (
      <section aria-labelledby="settings-title">
        <ViewHeader id="settings-title" title="Settings" />
        {error ? <ErrorBanner>{error}</ErrorBanner> : <div className="card muted">Loading…</div>}
      </section>
    );
  }

  const text = (name: TextName) => {
    const spec = TEXT_FIELDS[name];
    return (
      <Field
        label={spec.label}
        hint={spec.hint?.({ saved, info })}
        error={fieldErrors[name]}
        testId={`field-${name}`}
      >
        {(p) =>
          spec.control === 'textarea' ? (
            <textarea
              {...p}
              name={name}
              rows={3}
              value={draft[name]}
              placeholder={spec.placeholder}
              onChange={(e) => edit({ [name]: e.target.value })}
            />
          ) : (
            <input
              {...p}
              type={spec.control === 'password' ? 'password' : 'text'}
              inputMode={spec.control === 'decimal' ? 'decimal' : undefined}
              autoComplete={spec.control === 'password' ? 'off' : undefined}
              name={name}
              className={spec.short ? 'input-short' : undefined}
              value={draft[name]}
              placeholder={spec.placeholder}
              disabled={spec.disabled?.(draft)}
              onChange={(e) => edit({ [name]: e.target.value })}
            />
          )
        }
      </Field>
    );
  };

  const checkbox = (name: CheckboxName) => {
    const spec = CHECKBOXES[name];
    return (
      <label className={spec.className}>
        <input
          type="checkbox"
          name={name}
          checked={draft[name]}
          onChange={(e) => edit(spec.change?.(e.target.checked) ?? { [name]: e.target.checked })}
        />
        {spec.label}
      </label>
    );
  };

  const errorCount = Object.keys(fieldErrors).length;
  return (
    <section aria-labelledby="settings-title">
      <ViewHeader
        id="settings-title"
        title="Settings"
        description="Stored by Earshot on this computer; the token is never shown again once saved."
      />
      {error && <ErrorBanner>{error}</ErrorBanner>}
      {errorCount > 0 && (
        <ErrorBanner testId="settings-invalid">
          {errorCount === 1 ? 'One field needs attention' : `${errorCount} fields need attention`}; nothing
          was saved.
        </ErrorBanner>
      )}
      {savedAt && (
        <Banner tone="ok" role="status" testId="settings-saved">
          Saved.{saved.restartRequired ? ' The new data folder is used after a restart.' : ''}
        </Banner>
      )}
      <form
        noValidate
        aria-label="Settings"
        onSubmit={(event) => {
          event.preventDefault();
          void settings.getState().save();
        }}
      >
        <div className="grid grid-2 align-start">
          <div className="card">
            <h2>Gateway</h2>
            <GatewayInUse />
            {info?.gatewayUrlsForThisRun && (
              <Banner tone="warn" testId="run-gateway-urls">
                This run uses {info.gatewayUrlsForThisRun.join(', ')} (from --url, not saved). Saving other
                gateway URLs here replaces it; saving any other field keeps it.
              </Banner>
            )}
            {text('gatewayUrls')}
            {checkbox('useEmbeddedGateway')}
            {text('token')}
            {saved.hasToken && checkbox('clearToken')}
            {text('userId')}
          </div>
          <div className="card">
            <h2>Recording</h2>
            <div className="row align-start">
              {text('chunkMinSec')}
              {text('chunkMaxSec')}
            </div>
            {text('autoStopSilenceSec')}
            {text('shortcut')}
            <Field label="Shortcut mode" error={fieldErrors.shortcutMode}>
              {(p) => (
                <select
                  {...p}
                  name="shortcutMode"
                  value={draft.shortcutMode}
                  onChange={(e) => edit({ shortcutMode: e.target.value as SettingsDraft['shortcutMode'] })}
                >
                  <option value="toggle">Press to start, press again to stop</option>
                  <option value="push-to-talk">Hold to talk</option>
                </select>
              )}
            </Field>
            {checkbox('pasteIntoFocusedApp')}
            <div className="hint small muted hint-after-checkbox">
              {info?.paste.supported === false
                ? `Not possible here: ${info.paste.reason ?? 'unsupported'}.`
                : 'Uses the clipboard and a paste keystroke, then restores the clipboard.'}
            </div>
            {fieldErrors.pasteIntoFocusedApp && (
              <div className="field-error">{fieldErrors.pasteIntoFocusedApp}</div>
            )}
            {checkbox('liveText')}
            <div className="hint small muted hint-after-checkbox">
              The words of the sentence you are still speaking, replaced by the real text after the pause;
              where the gateway offers it. Costs the gateway some recognition time.
            </div>
            {fieldErrors.liveText && <div className="field-error">{fieldErrors.liveText}</div>}
            {text('dataDir')}
          </div>
        </div>
        <div className="row form-actions">
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
