// The events main sends the renderer, in one place: every service gets `emit` from the
// bus built first (no service waits for another to exist), and every payload is checked
// against the contract before it goes out, so neither transport can carry a malformed one.
import { EventEmitter } from 'node:events';
import { apiEvents, type EventName, type EventPayload } from '../../src-shared/api/contract.js';
import { describeZodError } from '../../src-shared/zod-error.js';

export type Emit = <E extends EventName>(event: E, payload: EventPayload<E>) => void;
export type EventListener = <E extends EventName>(event: E, payload: EventPayload<E>) => void;

export class EventBus {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(100);
  }

  readonly emit: Emit = (event, payload) => {
    // A malformed event is a bug here, not the renderer's problem: say so and drop it.
    const parsed = apiEvents[event].safeParse(payload);
    if (!parsed.success) {
      process.stderr.write(`earshot: dropped malformed ${event} event: ${describeZodError(parsed.error)}\n`);
      return;
    }
    this.emitter.emit('event', event, parsed.data);
  };

  on(listener: EventListener): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }

  close(): void {
    this.emitter.removeAllListeners();
  }
}

/**
 * A state main owns and the renderer mirrors (the dictation, the stress run): every change
 * is emitted as `event`, so the two cannot drift apart.
 */
export class MirroredState<E extends EventName> {
  constructor(
    private readonly emit: Emit,
    private readonly event: E,
    private value: EventPayload<E>,
  ) {}

  get current(): EventPayload<E> {
    return this.value;
  }

  set(value: EventPayload<E>): void {
    this.value = value;
    this.emit(this.event, value);
  }

  /** Changes it without an event: a detail the next emitted change carries along. */
  setQuietly(value: EventPayload<E>): void {
    this.value = value;
  }
}
