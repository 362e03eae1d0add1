// The app shell: a sidebar with the five views, the connection summary, and the page
// shortcut (the configured accelerator works while the page has focus, which is all a
// browser allows; Electron adds the system-wide one in main).
import { useEffect } from 'react';
import { useStore } from 'zustand';
import { useAppContext } from './context.js';
import { VIEWS, type View } from './stores/app.js';
import { ConnectionPill, DictationPhasePill, StatePill } from './components/StatePill.js';
import { gatewayReachable } from './stores/status.js';
import { DictateView } from './views/Dictate.js';
import { HistoryView } from './views/History.js';
import { StatusView } from './views/Status.js';
import { StressView } from './views/Stress.js';
import { SettingsView } from './views/Settings.js';
import { matchesAccelerator } from './util/shortcut.js';

const NAV: Record<View, { label: string; icon: string }> = {
  dictate: { label: 'Dictate', icon: '●' },
  history: { label: 'History', icon: '☰' },
  status: { label: 'Status', icon: '◉' },
  stress: { label: 'Stress', icon: '↯' },
  settings: { label: 'Settings', icon: '⚙' },
};

function CurrentView({ view }: { view: View }) {
  switch (view) {
    case 'dictate':
      return <DictateView />;
    case 'history':
      return <HistoryView />;
    case 'status':
      return <StatusView />;
    case 'stress':
      return <StressView />;
    case 'settings':
      return <SettingsView />;
  }
}

export function App() {
  const ctx = useAppContext();
  const { view, transport, transportReason, notice, info } = useStore(ctx.app);
  const queueDepth = useStore(ctx.status, (s) => s.snapshot?.queue.depth ?? 0);
  const endpoint = useStore(ctx.status, (s) => s.snapshot?.endpoints[0]);
  const dictationPhase = useStore(ctx.dictation, (s) => s.phase);
  const recordingElsewhere = useStore(ctx.dictation, (s) => s.elsewhere !== undefined);
  const reachable = useStore(ctx.status, (s) => gatewayReachable(s.snapshot));
  const shortcut = useStore(ctx.settings, (s) => s.settings?.shortcut ?? '');
  const shortcutMode = useStore(ctx.settings, (s) => s.settings?.shortcutMode ?? 'toggle');

  useEffect(() => {
    const onHash = () => {
      const name = window.location.hash.replace(/^#\/?/, '');
      if ((VIEWS as readonly string[]).includes(name)) ctx.app.getState().setView(name as View);
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, [ctx.app]);

  useEffect(() => {
    if (window.location.hash !== `#${view}`) history.replaceState(null, '', `#${view}`);
    document.title = `Earshot · ${NAV[view].label}`;
  }, [view]);

  useEffect(() => {
    // In Electron the global shortcut arrives as app.command from main; don't double-fire.
    if (!shortcut || info?.globalShortcut.supported) return;
    const isMac = navigator.platform.toLowerCase().includes('mac');
    const down = (event: KeyboardEvent) => {
      if (event.repeat || !matchesAccelerator(shortcut, event, isMac)) return;
      event.preventDefault();
      const d = ctx.dictation.getState();
      if (shortcutMode === 'push-to-talk') void d.start();
      else void d.toggle();
    };
    const up = (event: KeyboardEvent) => {
      if (shortcutMode !== 'push-to-talk') return;
      const key = shortcut.split('+').pop()?.toLowerCase();
      if (key && (event.key.toLowerCase() === key || (key === 'space' && event.key === ' ')))
        void ctx.dictation.getState().stop();
    };
    window.addEventListener('keydown', down);
    window.addEventListener('keyup', up);
    return () => {
      window.removeEventListener('keydown', down);
      window.removeEventListener('keyup', up);
    };
  }, [shortcut, shortcutMode, info, ctx.dictation]);

  return (
    <div className="app">
      <nav className="sidebar" aria-label="Views">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">
            ◗
          </span>
          <span className="brand-name">Earshot</span>
        </div>
        {VIEWS.map((v) => (
          <button
            key={v}
            type="button"
            className="nav-item"
            title={NAV[v].label}
            aria-current={view === v ? 'page' : undefined}
            onClick={() => ctx.app.getState().setView(v)}
            data-testid={`nav-${v}`}
          >
            <span className="nav-icon" aria-hidden="true">
              {NAV[v].icon}
            </span>
            <span className="nav-label">{NAV[v].label}</span>
            {v === 'status' && queueDepth > 0 && (
              <span className="nav-badge" aria-label={`${queueDepth} waiting`}>
                {queueDepth}
              </span>
            )}
          </button>
        ))}
        <div className="sidebar-footer">
          {/* While dictating the pill says so: the connection being idle between chunks is not what the user does. */}
          {dictationPhase === 'finishing' && !reachable ? (
            <div className="row" data-testid="sidebar-connection">
              <StatePill tone="warn" state="finishing" testId="sidebar-dictation">
                Saved; waiting for the gateway
              </StatePill>
            </div>
          ) : dictationPhase === 'starting' ||
            dictationPhase === 'recording' ||
            dictationPhase === 'finishing' ? (
            <div className="row" data-testid="sidebar-connection">
              <DictationPhasePill phase={dictationPhase} testId="sidebar-dictation" />
            </div>
          ) : recordingElsewhere ? (
            <div className="row" data-testid="sidebar-connection">
              <DictationPhasePill phase="recording" testId="sidebar-dictation" />
            </div>
          ) : (
            endpoint && (
              <div className="row" data-testid="sidebar-connection">
                <ConnectionPill state={endpoint.state} />
              </div>
            )
          )}
          <div className="sidebar-detail">{endpoint ? endpoint.label : 'No gateway yet'}</div>
          {transport !== 'open' && (
            <div className="field-error" role="status" data-testid="transport-state">
              {transport === 'closed' ? 'Disconnected from Earshot' : 'Reconnecting to Earshot…'}
              {transportReason ? ` (${transportReason})` : ''}
            </div>
          )}
          {info && (
            <div className="sidebar-detail">
              v{info.version} · {info.mode === 'web' ? 'web' : 'desktop'}
            </div>
          )}
        </div>
      </nav>
      <main className="main" id="main">
        <CurrentView view={view} />
        <div className="sr-only" role="status" aria-live="polite">
          {notice?.text}
        </div>
        {notice && (
          <div
            className={`banner notice ${notice.kind === 'error' ? 'banner-error' : 'banner-ok'}`}
            data-testid="notice"
          >
            {notice.text}
          </div>
        )}
      </main>
    </div>
  );
}
