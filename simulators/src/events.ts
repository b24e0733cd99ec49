import { EventEmitter } from 'node:events';

/**
 * A typed event emitter. Listeners are isolated: one that throws is reported on `listenerError` (or dropped if
 * nobody listens) instead of unwinding into the MQTT client's message loop and taking a device down.
 *
 * No event is called `error`: Node's EventEmitter throws an unhandled `error` event, and a simulated device
 * must never crash its fleet because a test forgot a listener.
 */
export type EventMap = { [event: string]: unknown[] };

export class TypedEmitter<Events extends EventMap> {
  readonly #emitter = new EventEmitter();
  /** Type-level only (never set): the event map, so helpers can infer an emitter's events. */
  declare readonly eventTypes?: Events;

  constructor() {
    // Fleets attach a listener per device to shared emitters; thousands are expected, not a leak.
    this.#emitter.setMaxListeners(0);
  }

  on<E extends keyof Events & string>(event: E, listener: (...args: Events[E]) => void): this {
    this.#emitter.on(event, listener as (...args: unknown[]) => void);
    return this;
  }

  once<E extends keyof Events & string>(event: E, listener: (...args: Events[E]) => void): this {
    this.#emitter.once(event, listener as (...args: unknown[]) => void);
    return this;
  }

  off<E extends keyof Events & string>(event: E, listener: (...args: Events[E]) => void): this {
    this.#emitter.off(event, listener as (...args: unknown[]) => void);
    return this;
  }

  listenerCount<E extends keyof Events & string>(event: E): number {
    return this.#emitter.listenerCount(event);
  }

  protected emit<E extends keyof Events & string>(event: E, ...args: Events[E]): void {
    for (const listener of this.#emitter.rawListeners(event)) {
      try {
        (listener as (...a: unknown[]) => void).apply(this, args);
      } catch (err) {
        if (event !== 'listenerError' && this.#emitter.listenerCount('listenerError') > 0) {
          this.#emitter.emit('listenerError', err, event);
        }
      }
    }
  }
}
