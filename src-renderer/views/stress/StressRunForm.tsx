// The Stress run's settings. Every field is a row of FIELDS: what it edits, its label and
// hint, its control, and for which load model it shows; the form renders the table.
import type { ReactNode } from 'react';
import { STRESS_MODES } from '../../../src-shared/stress/config.js';
import { Field } from '../../components/Field.js';
import { ERROR_KEY, isSecureUrl, type LoadModel, type StressForm } from './form-model.js';

type TextKey = Exclude<keyof StressForm, 'loadModel' | 'mode' | 'insecure'>;

type FieldSpec =
  | {
      kind: 'input';
      name: TextKey;
      label: string;
      hint?: string;
      type: 'text' | 'number';
      min?: number;
      step?: string;
      placeholder?: string;
      /** A short number box rather than the column's width. */
      short?: boolean;
      /** Shown only for this load model. */
      loadModel?: LoadModel;
      /** Shown only when this holds (TLS settings for a wss:// URL). */
      when?: (form: StressForm) => boolean;
    }
  | { kind: 'textarea'; name: 'thresholds'; label: string; hint: ReactNode; placeholder: string }
  | {
      kind: 'checkbox';
      name: 'insecure';
      label: string;
      /** Said beside the box while it is ticked. */
      warning: string;
      when: (form: StressForm) => boolean;
    }
  | { kind: 'select'; name: 'mode'; label: string; options: readonly StressForm['mode'][] }
  | {
      kind: 'radio';
      name: 'loadModel';
      legend: string;
      hint: string;
      options: readonly { value: LoadModel; label: string }[];
    };

const FIELDS: readonly FieldSpec[] = [
  {
    kind: 'input',
    name: 'url',
    label: 'Gateway URL',
    hint: 'Empty = the gateway on this computer. Any ws:// or wss:// gateway; load on a remote one goes over the network.',
    type: 'text',
    placeholder: 'ws://127.0.0.1:8081/ws/asr',
  },
  {
    kind: 'input',
    name: 'caFile',
    label: 'CA file (PEM)',
    hint: "Certificate authorities to trust besides the system's, on the machine running Earshot.",
    type: 'text',
    when: (form) => isSecureUrl(form.url),
  },
  {
    kind: 'checkbox',
    name: 'insecure',
    label: "Don't verify the certificate (insecure)",
    warning:
      'The gateway is not proven to be who it claims; the traffic and token are open to anyone on the path. The report says so.',
    when: (form) => isSecureUrl(form.url),
  },
  {
    kind: 'radio',
    name: 'loadModel',
    legend: 'Load model',
    hint:
      'Closed: a fixed number of users, each starting a new session when one ends (-c). Open: new ' +
      'sessions per second whatever the gateway does (--rate), optionally ramped in stages.',
    options: [
      { value: 'concurrency', label: 'Concurrent users' },
      { value: 'rate', label: 'Sessions/s' },
      { value: 'stages', label: 'Stages' },
    ],
  },
  {
    kind: 'input',
    name: 'concurrency',
    label: 'Concurrent users (-c)',
    type: 'number',
    min: 1,
    loadModel: 'concurrency',
  },
  {
    kind: 'input',
    name: 'rate',
    label: 'New sessions per second',
    type: 'number',
    min: 0.1,
    step: 'any',
    loadModel: 'rate',
  },
  {
    kind: 'input',
    name: 'stages',
    label: 'Stages',
    hint: 'DURATIONs:TARGET, comma-separated; the target is reached at the end of the stage.',
    type: 'text',
    loadModel: 'stages',
  },
  {
    kind: 'input',
    name: 'durationSec',
    label: 'Duration (s)',
    hint: 'With sessions/s, the run makes rate × duration sessions.',
    type: 'number',
    min: 1,
    short: true,
  },
  { kind: 'select', name: 'mode', label: 'Mode', options: STRESS_MODES },
  {
    kind: 'input',
    name: 'audioFile',
    label: 'Audio file',
    hint: 'A 16 kHz mono WAV on the machine running Earshot; empty = the bundled sample.',
    type: 'text',
  },
  {
    kind: 'textarea',
    name: 'thresholds',
    label: 'Thresholds',
    hint: (
      <>
        One per line, checked when the run ends, e.g. <code>p99_session_ms&lt;60000</code>,{' '}
        <code>error_rate&lt;0.01</code>, <code>peak_connections&gt;=500</code>.
      </>
    ),
    placeholder: 'p99_final_ms<5000\nerror_rate<0.01',
  },
];

export interface StressRunFormProps {
  form: StressForm;
  errors: Record<string, string>;
  /** A run is in progress: the fields are locked and the button stops it. */
  active: boolean;
  stopping: boolean;
  edit(change: Partial<StressForm>): void;
  onStart(): void;
  onStop(): void;
}

export function StressRunForm({ form, errors, active, stopping, edit, onStart, onStop }: StressRunFormProps) {
  const render = (spec: FieldSpec): ReactNode => {
    switch (spec.kind) {
      case 'input':
        if (spec.loadModel && spec.loadModel !== form.loadModel) return null;
        if (spec.when && !spec.when(form)) return null;
        return (
          <Field
            key={spec.name}
            label={spec.label}
            hint={spec.hint}
            error={errors[ERROR_KEY[spec.name] ?? spec.name]}
          >
            {(p) => (
              <input
                {...p}
                type={spec.type}
                name={spec.name}
                min={spec.min}
                step={spec.step}
                placeholder={spec.placeholder}
                className={spec.short ? 'input-short' : undefined}
                value={form[spec.name]}
                onChange={(e) => edit({ [spec.name]: e.target.value })}
                disabled={active}
              />
            )}
          </Field>
        );
      case 'textarea':
        return (
          <Field key={spec.name} label={spec.label} hint={spec.hint} error={errors[spec.name]}>
            {(p) => (
              <textarea
                {...p}
                name={spec.name}
                rows={3}
                className="mono"
                spellCheck={false}
                placeholder={spec.placeholder}
                value={form[spec.name]}
                onChange={(e) => edit({ [spec.name]: e.target.value })}
                disabled={active}
              />
            )}
          </Field>
        );
      case 'checkbox':
        if (!spec.when(form)) return null;
        return (
          <div key={spec.name} className="field">
            <label className="checkbox">
              <input
                type="checkbox"
                name={spec.name}
                checked={form[spec.name]}
                onChange={(e) => edit({ [spec.name]: e.target.checked })}
                disabled={active}
              />
              {spec.label}
            </label>
            {form[spec.name] && (
              <div className="field-warning small" role="status" data-testid="stress-insecure-warning">
                {spec.warning}
              </div>
            )}
            {errors[spec.name] && <div className="field-error">{errors[spec.name]}</div>}
          </div>
        );
      case 'select':
        return (
          <Field key={spec.name} label={spec.label} error={errors[ERROR_KEY[spec.name] ?? spec.name]}>
            {(p) => (
              <select
                {...p}
                name={spec.name}
                value={form[spec.name]}
                onChange={(e) => edit({ [spec.name]: e.target.value as StressForm['mode'] })}
                disabled={active}
              >
                {spec.options.map((option) => (
                  <option key={option} value={option}>
                    {option}
                  </option>
                ))}
              </select>
            )}
          </Field>
        );
      case 'radio':
        return (
          <fieldset key={spec.name} className="field choice-group" disabled={active}>
            <legend>{spec.legend}</legend>
            <div className="row">
              {spec.options.map((option) => (
                <label key={option.value} className="checkbox">
                  <input
                    type="radio"
                    name={spec.name}
                    value={option.value}
                    checked={form[spec.name] === option.value}
                    onChange={() => edit({ [spec.name]: option.value })}
                  />
                  {option.label}
                </label>
              ))}
            </div>
            <div className="hint">{spec.hint}</div>
          </fieldset>
        );
    }
  };

  return (
    <form
      className="card"
      aria-label="Stress run settings"
      onSubmit={(event) => {
        event.preventDefault();
        onStart();
      }}
    >
      <h2>Run</h2>
      {FIELDS.map(render)}
      {errors.form && <div className="field-error">{errors.form}</div>}
      <div className="row">
        {active ? (
          <button
            type="button"
            className="btn btn-danger"
            onClick={onStop}
            data-testid="stress-stop"
            disabled={stopping}
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
  );
}
