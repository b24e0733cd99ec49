/**
 * One timer for a whole fleet. Load tests run thousands of devices; a setInterval per device would mean
 * thousands of timers firing in lock-step. Members register a callback and are called on every tick with the
 * current time; each member decides whether it is due (a comparison, so a tick over 10,000 members costs
 * well under a millisecond).
 */

export interface FleetTickerOptions {
  /** Tick period in ms; the time resolution of telemetry and kiosk presses. Default 50. */
  resolutionMs?: number;
  /** Clock, epoch ms. Default Date.now. */
  now?: () => number;
}

export type TickListener = (now: number) => void;

/** 1/φ: successive multiples mod 1 fill [0, 1) evenly, whatever the number of members ends up being. */
const GOLDEN_FRACTION = 0.6180339887498949;

export class FleetTicker {
  readonly resolutionMs: number;
  readonly now: () => number;
  readonly #listeners = new Set<TickListener>();
  #timer: NodeJS.Timeout | null = null;
  #phaseIndex = 0;

  constructor(options: FleetTickerOptions = {}) {
    this.resolutionMs = options.resolutionMs ?? 50;
    this.now = options.now ?? Date.now;
    if (!(this.resolutionMs >= 1)) throw new RangeError(`resolutionMs must be >= 1, got ${this.resolutionMs}`);
  }

  /** Adds a listener; the timer runs while at least one is registered. Returns the function that removes it. */
  add(listener: TickListener): () => void {
    this.#listeners.add(listener);
    if (!this.#timer) {
      this.#timer = setInterval(() => this.#tick(), this.resolutionMs);
    }
    return () => this.remove(listener);
  }

  remove(listener: TickListener): void {
    this.#listeners.delete(listener);
    if (this.#listeners.size === 0 && this.#timer) {
      clearInterval(this.#timer);
      this.#timer = null;
    }
  }

  get size(): number {
    return this.#listeners.size;
  }

  /**
   * A start offset in [0, periodMs) for the next member, so that members with the same period are spread
   * evenly over it instead of all publishing in the same millisecond.
   */
  nextPhase(periodMs: number): number {
    const fraction = (this.#phaseIndex++ * GOLDEN_FRACTION) % 1;
    return Math.floor(fraction * periodMs);
  }

  /** Stops the timer and forgets every listener. */
  stop(): void {
    this.#listeners.clear();
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  #tick(): void {
    const now = this.now();
    for (const listener of this.#listeners) {
      try {
        listener(now);
      } catch {
        // A member's failure is its own (members catch and report); one must not stop the others' ticks.
      }
    }
  }
}
