// Stress (QA): configure a run, start/stop it, watch live charts, export the report.
// The engine runs in main's worker threads; this view only draws what main reports.
import { useMemo, useState } from 'react';
import { useStore } from 'zustand';
import { createStore } from 'zustand/vanilla';
import {
  STRESS_MODES,
  parseDuration,
  parseStages,
  type StressRunRequestInput,
} from '../../src-shared/stress/config.js';
import { useAppContext } from '../context.js';
import { Chart } from '../components/Chart.js';
import { Field } from '../components/Field.js';
import { refusedTotal } from '../stores/stress.js';
import { downloadTextFile } from '../util/files.js';
import { formatCount, formatMs } from '../util/format.js';

type LoadModel = 'concurrency' | 'rate' | 'stages';

interface StressForm {
  url: string;
  loadModel: LoadModel;
  concurrency: string;
  rate: string;
  stages: string;
  durationSec: string;
  mode: (typeof STRESS_MODES)[number];
  audioFile: string;
}

const INITIAL_FORM: StressForm = {
  url: '',
  loadModel: 'concurrency',
  concurrency: '50',
  rate: '20',
  stages: '10s:50, 20s:200, 10s:0',
  durationSec: '30',
  mode: 'short',
  audioFile: '',
};

// The form outlives the view: switching to another view and back keeps what was typed.
const formStore = createStore<StressForm>()(() => INITIAL_FORM);

/** Form fields whose errors come back under the schema's name for them. */
const ERROR_KEY: Partial<Record<keyof StressForm, string>> = {
  rate: 'ratePerSecond',
  durationSec: 'durationMs',
  audioFile: 'audioPath',
};

/** The form as the request `stress.start` takes; errors are keyed like the schema's fields. */
function toConfig(form: StressForm): { config?: StressRunRequestInput; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const num = (field: string, text: string) => {
    const value = Number(text.trim());
    if (text.trim() === '' || !Number.isFinite(value)) errors[field] = 'must be a number';
    return value;
  };
  // Stages and the duration read like `earshot stress --stage 2m:100 -d 30s` (a bare number is seconds).
  const parsed = <T,>(field: string, parse: () => T): T | undefined => {
    try {
      return parse();
    } catch (error) {
      errors[field] = (error as Error).message;
      return undefined;
    }
  };
  const config: StressRunRequestInput = {
    url: form.url.trim(),
    mode: form.mode,
    audioPath: form.audioFile.trim(),
  };
  if (form.loadModel === 'concurrency') config.concurrency = num('concurrency', form.concurrency);
  if (form.loadModel === 'rate') config.ratePerSecond = num('ratePerSecond', form.rate);
  if (form.loadModel === 'stages') config.stages = parsed('stages', () => parseStages(form.stages));
  else config.durationMs = parsed('durationMs', () => parseDuration(form.durationSec, 'duration'));
  return Object.keys(errors).length ? { errors } : { config, errors };
}

const COLORS = {
  blue: 'rgb(76, 110, 245)',
  green: 'rgb(47, 158, 68)',
  orange: 'rgb(240, 140, 0)',
  red: 'rgb(224, 49, 49)',
  purple: 'rgb(174, 62, 201)',
  gray: 'rgb(134, 142, 150)',
};

function Stat({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <div className="stat">
      <span className="stat-value" data-testid={testId}>
        {value}
      </span>
      <span className="stat-label">{label}</span>
    </div>
  );
}

export function StressView() {
  const { stress, app } = useAppContext();
  const { status, latest, series, fieldErrors, error } = useStore(stress);
  const form = useStore(formStore);
  const [localErrors, setLocalErrors] = useState<Record<string, string>>({});
  const errors = { ...fieldErrors, ...localErrors };
  const active = status.state === 'starting' || status.state === 'running' || status.state === 'stopping';

  const edit = (change: Partial<StressForm>) => {
    formStore.setState(change);
    setLocalErrors((e) => {
      const next = { ...e };
      for (const key of Object.keys(change) as (keyof StressForm)[]) delete next[ERROR_KEY[key] ?? key];
      return next;
    });
  };

  const start = async () => {
    const { config, errors: parseErrors } = toConfig(form);
    setLocalErrors(parseErrors);
    if (!config) return;
    await stress.getState().start(config);
  };

  const exportReport = async (format: 'md' | 'json' | 'html') => {
    try {
      downloadTextFile(await stress.getState().report(format));
      app.getState().notify(`Report exported as ${format.toUpperCase()}.`);
    } catch (e) {
      app.getState().notify(`Could not export the report: ${(e as Error).message}`, 'error');
    }
  };

  const charts = useMemo(
    () => ({
      connections: [
        { label: 'Open connections', color: COLORS.blue, values: series.open },
        { label: 'In flight', color: COLORS.gray, values: series.inFlight },
      ],
      rate: [
        { label: 'Started/s', color: COLORS.blue, values: series.sessionsPerSec },
        { label: 'Completed/s', color: COLORS.green, values: series.completedPerSec },
        { label: 'Errors/s', color: COLORS.red, values: series.errorsPerSec },
      ],
      outcomes: [
        { label: 'Completed', color: COLORS.green, values: series.completed },
        { label: 'Refused', color: COLORS.orange, values: series.refused },
        { label: 'Timed out', color: COLORS.purple, values: series.timedOut },
        { label: 'Failed', color: COLORS.red, values: series.failed },
      ],
      latency: [
        { label: 'p50', color: COLORS.green, values: series.p50 },
        { label: 'p90', color: COLORS.orange, values: series.p90 },
        { label: 'p99', color: COLORS.red, values: series.p99 },
      ],
    }),
    [series],
  );

  return (
    <section aria-labelledby="stress-title">
      <header className="view-header">
        <div>
          <h1 id="stress-title">Stress</h1>
          <p>
            Drive simulated dictation sessions at a gateway on this machine and count every outcome honestly.
          </p>
        </div>
        <div className="row">
          {latest && <span className="small muted mono">{latest.elapsedSec.toFixed(0)} s</span>}
          <span
            className={`pill ${status.state === 'running' ? 'pill-info' : status.state === 'failed' ? 'pill-danger' : status.state === 'finished' ? 'pill-ok' : 'pill-muted'}`}
            data-testid="stress-state"
          >
            {status.state}
          </span>
        </div>
      </header>
      {(error || status.error) && (
        <div className="banner banner-error" role="alert" data-testid="stress-error">
          {error ?? status.error}
        </div>
      )}
      <div className="grid stress-layout">
        <form
          className="card"
          aria-label="Stress run settings"
          onSubmit={(event) => {
            event.preventDefault();
            void start();
          }}
        >
          <h2>Run</h2>
          <Field
            label="Gateway URL"
            hint="Empty = the gateway on this computer. Only 127.0.0.1 is allowed."
            error={errors.url}
          >
            {(p) => (
              <input
                {...p}
                type="text"
                name="url"
                value={form.url}
                placeholder="ws://127.0.0.1:8081/ws/asr"
                onChange={(e) => edit({ url: e.target.value })}
                disabled={active}
              />
            )}
          </Field>
          <fieldset className="field" style={{ border: 0, padding: 0, margin: '0 0 14px' }} disabled={active}>
            <legend style={{ fontWeight: 600, fontSize: 13, marginBottom: 4 }}>Load model</legend>
            <div className="row">
              {(['concurrency', 'rate', 'stages'] as const).map((m) => (
                <label key={m} className="checkbox">
                  <input
                    type="radio"
                    name="loadModel"
                    value={m}
                    checked={form.loadModel === m}
                    onChange={() => edit({ loadModel: m })}
                  />
                  {m === 'concurrency' ? 'Concurrent users' : m === 'rate' ? 'Sessions/s' : 'Stages'}
                </label>
              ))}
            </div>
            <div className="hint">
              Closed: a fixed number of users, each starting a new session when one ends (-c). Open: new
              sessions per second whatever the gateway does (--rate), optionally ramped in stages.
            </div>
          </fieldset>
          {form.loadModel === 'concurrency' && (
            <Field label="Concurrent users (-c)" error={errors.concurrency}>
              {(p) => (
                <input
                  {...p}
                  type="number"
                  name="concurrency"
                  min={1}
                  value={form.concurrency}
                  onChange={(e) => edit({ concurrency: e.target.value })}
                  disabled={active}
                />
              )}
            </Field>
          )}
          {form.loadModel === 'rate' && (
            <Field label="New sessions per second" error={errors.ratePerSecond}>
              {(p) => (
                <input
                  {...p}
                  type="number"
                  name="rate"
                  min={0.1}
                  step="any"
                  value={form.rate}
                  onChange={(e) => edit({ rate: e.target.value })}
                  disabled={active}
                />
              )}
            </Field>
          )}
          {form.loadModel === 'stages' && (
            <Field
              label="Stages"
              hint="DURATIONs:TARGET, comma-separated; the target is reached at the end of the stage."
              error={errors.stages}
            >
              {(p) => (
                <input
                  {...p}
                  type="text"
                  name="stages"
                  value={form.stages}
                  onChange={(e) => edit({ stages: e.target.value })}
                  disabled={active}
                />
              )}
            </Field>
          )}
          <Field
            label="Duration (s)"
            hint="With sessions/s, the run makes rate × duration sessions."
            error={errors.durationMs}
          >
            {(p) => (
              <input
                {...p}
                type="number"
                name="durationSec"
                min={1}
                value={form.durationSec}
                onChange={(e) => edit({ durationSec: e.target.value })}
                disabled={active}
                style={{ width: 120 }}
              />
            )}
          </Field>
          <Field label="Mode" error={errors.mode}>
            {(p) => (
              <select
                {...p}
                name="mode"
                value={form.mode}
                onChange={(e) => edit({ mode: e.target.value as StressForm['mode'] })}
                disabled={active}
              >
                {STRESS_MODES.map((m) => (
                  <option key={m} value={m}>
                    {m}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field
            label="Audio file"
            hint="A 16 kHz mono WAV on the machine running Earshot; empty = the bundled sample."
            error={errors.audioPath}
          >
            {(p) => (
              <input
                {...p}
                type="text"
                name="audioFile"
                value={form.audioFile}
                onChange={(e) => edit({ audioFile: e.target.value })}
                disabled={active}
              />
            )}
          </Field>
          {errors.form && <div className="field-error">{errors.form}</div>}
          <div className="row">
            {active ? (
              <button
                type="button"
                className="btn btn-danger"
                onClick={() => void stress.getState().stop()}
                data-testid="stress-stop"
                disabled={status.state === 'stopping'}
              >
                Stop
              </button>
            ) : (
              <button type="submit" className="btn btn-primary" data-testid="stress-start">
                Start run
              </button>
            )}
          </div>
        </form>
        <div className="grid" style={{ gap: 16 }}>
          <div className="card">
            <div className="grid stats-grid">
              <Stat label="Attempted" value={formatCount(latest?.attempted ?? 0)} testId="stat-attempted" />
              <Stat label="Completed" value={formatCount(latest?.completed ?? 0)} testId="stat-completed" />
              <Stat
                label="Refused"
                value={formatCount(latest ? refusedTotal(latest) : 0)}
                testId="stat-refused"
              />
              <Stat label="Timed out" value={formatCount(latest?.timedOut ?? 0)} />
              <Stat label="Failed" value={formatCount(latest?.failed ?? 0)} />
              <Stat
                label="Open / peak conns"
                value={`${formatCount(latest?.openConnections ?? 0)} / ${formatCount(latest?.peakConnections ?? 0)}`}
              />
              <Stat label="Latency p50" value={latest ? formatMs(latest.latencyMs.p50) : '—'} />
              <Stat label="Latency p99" value={latest ? formatMs(latest.latencyMs.p99) : '—'} />
            </div>
            {latest && Object.keys(latest.outcomes).length > 0 && (
              <div className="small muted" style={{ marginTop: 8 }} data-testid="stress-outcomes">
                Outcomes:{' '}
                {Object.entries(latest.outcomes)
                  .map(([outcome, n]) => `${outcome} ${formatCount(n)}`)
                  .join(', ')}
              </div>
            )}
            {latest && Object.keys(latest.refused).length > 0 && (
              <div className="small muted" style={{ marginTop: 4 }}>
                Refused by reason:{' '}
                {Object.entries(latest.refused)
                  .map(([reason, n]) => `${reason} ${formatCount(n)}`)
                  .join(', ')}
              </div>
            )}
            <div className="row" style={{ marginTop: 12 }}>
              <span className="small muted">Report</span>
              {(['md', 'json', 'html'] as const).map((format) => (
                <button
                  key={format}
                  type="button"
                  className="btn btn-small"
                  disabled={!status.reportReady}
                  onClick={() => void exportReport(format)}
                  data-testid={`report-${format}`}
                  aria-label={`Export the report as ${format.toUpperCase()}`}
                >
                  {format.toUpperCase()}
                </button>
              ))}
            </div>
          </div>
          <div className="grid chart-grid">
            <div className="card">
              <Chart
                title="Open connections"
                x={series.t as number[]}
                series={charts.connections}
                testId="chart-connections"
                height={170}
              />
            </div>
            <div className="card">
              <Chart title="Sessions per second" x={series.t as number[]} series={charts.rate} height={170} />
            </div>
            <div className="card">
              <Chart
                title="Outcomes (cumulative)"
                x={series.t as number[]}
                series={charts.outcomes}
                height={170}
              />
            </div>
            <div className="card">
              <Chart
                title="Latency to final result"
                x={series.t as number[]}
                series={charts.latency}
                yLabel="ms"
                height={170}
              />
            </div>
          </div>
        </div>
      </div>
    </section>
  );
}
