/**
 * A scenario's clock: simulated time that runs `speed` times faster than the wall clock, and can be slowed
 * or sped up on the way (re-anchored, so it never jumps). Devices get `now` as their clock.
 */
export class ScenarioClock {
  #realAnchor: number;
  #simAnchor: number;
  #speed: number;

  constructor(
    start: number,
    speed: number,
    private readonly real: () => number = Date.now,
  ) {
    if (!(speed > 0)) throw new RangeError(`speed must be > 0, got ${speed}`);
    this.#realAnchor = real();
    this.#simAnchor = start;
    this.#speed = speed;
  }

  get speed(): number {
    return this.#speed;
  }

  readonly now = (): number => Math.round(this.#simAnchor + (this.real() - this.#realAnchor) * this.#speed);

  setSpeed(speed: number): void {
    if (!(speed > 0)) throw new RangeError(`speed must be > 0, got ${speed}`);
    const sim = this.now();
    this.#realAnchor = this.real();
    this.#simAnchor = sim;
    this.#speed = speed;
  }

  /** Wall-clock ms until simulated time `at` at the current speed (0 if it has passed). */
  realMsUntil(at: number): number {
    return Math.max(0, (at - this.now()) / this.#speed);
  }
}
