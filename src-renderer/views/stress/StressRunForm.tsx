// The Stress run's settings. Every field is a row of FIELDS: what it edits, its label and
// hint, its control, and for which load model it shows; the form renders the table.
import type { ReactNode } from 'react';
import { STRESS_MODES } from '../../../src-shared/stress/config.js';
import { Field } from '../../components/Field.js';
import { ERROR_KEY, type LoadModel, type StressForm } from './form-model.js';

type TextKey = Exclude<keyof StressForm, 'loadModel' | 'mode'>;

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
    hint: 'Empty = the gateway on this computer. Only 127.0.0.1 is allowed.',
    type: 'text',
    placeholder: 'ws://127.0.0.1:8081/ws/asr',
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
