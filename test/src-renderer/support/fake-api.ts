// An in-memory EarshotApi for store unit tests. It stands in for Earshot main at the API
// boundary so a test can script exactly which events arrive in which order; the e2e tests
// (test/e2e) run the same stores against the real main through web mode.
import {
  parseCallInput,
  apiEvents,
  type CallChannel,
  type CallInput,
  type CallOutput,
  type EarshotApi,
  type EventName,
  type EventPayload,
} from '../../../src-shared/api/contract.js';
import type { AudioBatch } from '../../../src-shared/api/dictation.js';

type Handler<C extends CallChannel> = (input: CallInput<C>) => CallOutput<C> | Promise<CallOutput<C>>;

export class FakeMain implements EarshotApi {
  readonly calls: { channel: CallChannel; input: unknown }[] = [];
  readonly audio: AudioBatch[] = [];
  private readonly handlers = new Map<CallChannel, Handler<never>>();
  private readonly listeners = new Map<EventName, Set<(payload: unknown) => void>>();

  handle<C extends CallChannel>(channel: C, handler: Handler<C>): this {
    this.handlers.set(channel, handler as unknown as Handler<never>);
    return this;
  }

  async call<C extends CallChannel>(channel: C, input: CallInput<C>): Promise<CallOutput<C>> {
    // Inputs are checked against the real contract, as main does.
    parseCallInput(channel, input);
    this.calls.push({ channel, input });
    const handler = this.handlers.get(channel) as Handler<C> | undefined;
    if (!handler) throw new Error(`no handler for ${channel}`);
    return handler(input);
  }

  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as (payload: unknown) => void);
    return () => set.delete(listener as (payload: unknown) => void);
  }

  sendAudio(batch: AudioBatch): void {
    this.audio.push(batch);
  }

  /** Emits an event after validating it against the contract, as the transports do. */
  emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    const parsed = apiEvents[event].parse(payload);
    for (const listener of this.listeners.get(event) ?? []) listener(parsed);
  }

  listenerCount(event: EventName): number {
    return this.listeners.get(event)?.size ?? 0;
  }
}

export function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
