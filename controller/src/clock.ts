/**
 * The controller's clock. Normally the wall clock; for the demo it can start at another instant and run
 * faster (`--at 2027-02-05T18:30+08:00 --speed 10`), so an evening can be watched at any hour. One clock is
 * shared by the scheduler, the commands' `startAt`, the `time.sync` answers (devices follow the controller's
 * clock, not their own) and `/api/clock`, which tells the dashboard to say that the time is shifted.
 */

export interface ClockOptions {
  /** The instant the clock shows at start, epoch ms; default the wall clock. */
  at?: number;
  /** How many clock milliseconds pass per real millisecond; default 1. */
  speed?: number;
}

export interface ClockView {
  now: number;
  /** now − wall clock, ms. */
  offsetMs: number;
  speed: number;
  /** Whether the clock differs from the wall clock (another start instant or another speed). */
  shifted: boolean;
}

type JumpListener = (at: number) => void;

export class Clock {
  /** The real instant the clock was (last) set at, and what it showed then. */
  protected realOrigin: number;
  protected clockOrigin: number;
  readonly speed: number;
  private readonly listeners = new Set<JumpListener>();

  constructor(options: ClockOptions = {}) {
    const speed = options.speed ?? 1;
    if (!Number.isFinite(speed) || speed <= 0 || speed > 3600) throw new RangeError(`clock speed must be in (0, 3600], got ${speed}`);
    if (options.at !== undefined && !Number.isSafeInteger(options.at)) throw new RangeError('clock start must be epoch milliseconds');
    this.speed = speed;
    this.realOrigin = Date.now();
    this.clockOrigin = options.at ?? this.realOrigin;
  }

  /** The clock's time, epoch ms. */
  now(): number {
    return this.fromReal(Date.now());
  }

  /** The clock time of a wall-clock instant (e.g. when a message was received). */
  fromReal(real: number): number {
    return Math.round(this.clockOrigin + (real - this.realOrigin) * this.speed);
  }

  /** Real milliseconds until the clock shows `at` (0 when it is past). */
  realDelayUntil(at: number): number {
    return Math.max(0, Math.ceil((at - this.now()) / this.speed));
  }

  get shifted(): boolean {
    return this.speed !== 1 || Math.abs(this.clockOrigin - this.realOrigin) > 1000;
  }

  view(): ClockView {
    const now = this.now();
    return { now, offsetMs: now - Date.now(), speed: this.speed, shifted: this.shifted };
  }

  /** Called when the clock is set to another time (not as it runs): timers armed on it must be re-armed. */
  onJump(fn: JumpListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Sets the clock to `at` from now on, at the same speed, and tells the listeners. */
  set(at: number): void {
    this.realOrigin = Date.now();
    this.clockOrigin = at;
    for (const fn of this.listeners) fn(at);
  }

  /** Moves the clock by `ms` (tests: a fake evening in milliseconds). */
  advance(ms: number): void {
    this.set(this.now() + ms);
  }
}

/** Parses `--at`: an ISO 8601 instant (with its offset, e.g. 2027-02-05T18:30+08:00). */
export function parseClockStart(text: string): number {
  const t = Date.parse(text);
  if (!Number.isFinite(t)) throw new RangeError(`--at: not an ISO 8601 instant: '${text}' (e.g. 2027-02-05T18:30+08:00)`);
  return t;
}
