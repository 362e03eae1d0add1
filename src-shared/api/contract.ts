// The EarshotApi contract: every call (input + output) and every event, as zod schemas.
// Each feature keeps its own in its file (app, dictation, history, status, stress,
// settings); this file only merges them into the one table both transports (Electron IPC,
// web-mode WebSocket) walk: a channel that is not in it does not exist, and main validates
// every input with it.
import type { z } from 'zod';
import { appCalls, appEvents } from './app.js';
import { ApiError } from './common.js';
import { dictationCalls, dictationEvents, type AudioBatch } from './dictation.js';
import { historyCalls, historyEvents } from './history.js';
import { settingsCalls, settingsEvents } from './settings.js';
import { statusCalls, statusEvents } from './status.js';
import { stressCalls, stressEvents } from './stress.js';
import { describeZodError } from '../zod-error.js';

export const apiCalls = {
  ...appCalls,
  ...dictationCalls,
  ...historyCalls,
  ...statusCalls,
  ...stressCalls,
  ...settingsCalls,
} as const;

export type ApiCalls = typeof apiCalls;
export type CallChannel = keyof ApiCalls;
/** What a caller passes (defaults not yet applied). */
export type CallInput<C extends CallChannel> = z.input<ApiCalls[C]['input']>;
/** What the handler in main receives (validated, defaults applied). */
export type CallParsedInput<C extends CallChannel> = z.output<ApiCalls[C]['input']>;
export type CallOutput<C extends CallChannel> = z.output<ApiCalls[C]['output']>;
export const CALL_CHANNELS = Object.keys(apiCalls) as CallChannel[];
/** What main runs for a call: the validated input in, the output the contract names out. */
export type CallHandler<C extends CallChannel> = (
  input: CallParsedInput<C>,
  /** Which page (connection) called, when the transport tells: dictation follows its page. */
  caller?: string,
) => CallOutput<C> | Promise<CallOutput<C>>;
/** The handlers of one feature's calls, e.g. FeatureHandlers<'history'> for every `history.*` call. */
export type FeatureHandlers<F extends string> = {
  [C in Extract<CallChannel, `${F}.${string}`>]: CallHandler<C>;
};

// Events (main -> renderer).
export const apiEvents = {
  ...appEvents,
  ...dictationEvents,
  ...historyEvents,
  ...statusEvents,
  ...stressEvents,
  ...settingsEvents,
} as const;

export type ApiEvents = typeof apiEvents;
export type EventName = keyof ApiEvents;
export type EventPayload<E extends EventName> = z.output<ApiEvents[E]>;
export const EVENT_NAMES = Object.keys(apiEvents) as EventName[];

export function isCallChannel(name: unknown): name is CallChannel {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(apiCalls, name);
}
export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(apiEvents, name);
}

/** Validates a call's input; throws ApiError('bad_input') with the reason. */
export function parseCallInput<C extends CallChannel>(channel: C, input: unknown): CallParsedInput<C> {
  const result = apiCalls[channel].input.safeParse(input ?? {});
  if (!result.success) throw new ApiError('bad_input', `${channel}: ${describeZodError(result.error)}`);
  return result.data as CallParsedInput<C>;
}

// ---- the interface the renderer programs against ------------------------------------

/**
 * What the renderer sees as `window.earshot` (Electron preload) or gets from
 * `createWebSocketApi` (web mode). Calls reject with ApiError.
 */
export interface EarshotApi {
  call<C extends CallChannel>(channel: C, input: CallInput<C>): Promise<CallOutput<C>>;
  /** Subscribes to an event; returns the unsubscribe function. */
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
  /** Fire-and-forget bulk audio; problems come back as `app.error` / `dictation.state` events. */
  sendAudio(batch: AudioBatch): void;
}
