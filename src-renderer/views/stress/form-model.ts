// The Stress form's state and its conversion to a run configuration. The form outlives
// the view: switching to another view and back keeps what was typed.
import { createStore } from 'zustand/vanilla';
import {
  parseDuration,
  parseStages,
  type STRESS_MODES,
  type StressRunRequestInput,
} from '../../../src-shared/stress/config.js';

export type LoadModel = 'concurrency' | 'rate' | 'stages';

export interface StressForm {
  url: string;
  loadModel: LoadModel;
  concurrency: string;
  rate: string;
  stages: string;
  durationSec: string;
  mode: (typeof STRESS_MODES)[number];
  audioFile: string;
  /** wss:// only: a PEM file of CAs to trust, on the machine running Earshot. */
  caFile: string;
  /** wss:// only: skip certificate verification (self-signed staging gateways). */
  insecure: boolean;
  /** One k6-style expression per line, e.g. p99_final_ms<5000. */
  thresholds: string;
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
  caFile: '',
  insecure: false,
  thresholds: '',
};

export const formStore = createStore<StressForm>()(() => INITIAL_FORM);

/** Form fields whose errors come back under the schema's name for them. */
export const ERROR_KEY: Partial<Record<keyof StressForm, string>> = {
  rate: 'ratePerSecond',
  durationSec: 'durationMs',
  audioFile: 'audioPath',
};

/** TLS settings apply to a wss:// URL only (the schema refuses them otherwise). */
export const isSecureUrl = (url: string) => /^wss:\/\//i.test(url.trim());

/** The thresholds box: one expression per line (commas separate too); blank lines ignored. */
export function thresholdLines(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((line) => line.trim())
    .filter(Boolean);
}

/** The form as the request `stress.start` takes; errors are keyed like the schema's fields. */
export function toConfig(form: StressForm): {
  config?: StressRunRequestInput;
  errors: Record<string, string>;
} {
  const errors: Record<string, string> = {};
  const num = (field: string, text: string) => {
    const value = Number(text.trim());
    if (text.trim() === '' || !Number.isFinite(value)) errors[field] = 'must be a number';
    return value;
  };
  // Stages and the duration read like `earshot stress --stage 2m:100 -d 30s` (a bare number is seconds).
  const parsed = <T>(field: string, parse: () => T): T | undefined => {
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
    thresholds: thresholdLines(form.thresholds),
  };
  // Hidden unless the URL is wss://: values typed for an earlier URL are not sent.
  if (isSecureUrl(form.url)) {
    config.caFile = form.caFile.trim();
    config.insecure = form.insecure;
  }
  if (form.loadModel === 'concurrency') config.concurrency = num('concurrency', form.concurrency);
  if (form.loadModel === 'rate') config.ratePerSecond = num('ratePerSecond', form.rate);
  if (form.loadModel === 'stages') config.stages = parsed('stages', () => parseStages(form.stages));
  else config.durationMs = parsed('durationMs', () => parseDuration(form.durationSec, 'duration'));
  return Object.keys(errors).length ? { errors } : { config, errors };
}
