/**
 * The simulated county's notion of time. A demo may shift the controller's clock to an evening of the festival
 * season and run it faster (`--at 2027-02-05T18:30+08:00 --speed 10`); the simulated devices then keep the same
 * clock, so their telemetry timestamps and the plan they follow while the controller is gone read the same hour.
 * Each device still measures its offset to the controller with `time.sync`.
 */

export interface SimClock {
  /** Epoch ms on this clock. */
  now(): number;
  /** How many clock milliseconds pass per real millisecond (1 = real time). */
  speed: number;
}

/** Real time. */
export const realClock: SimClock = { now: Date.now, speed: 1 };

/** A clock that reads `at` now and then runs `speed` times faster than real time. */
export function shiftedClock(at: number, speed = 1, real: () => number = Date.now): SimClock {
  if (!(speed > 0) || !Number.isFinite(speed)) throw new RangeError(`speed must be a positive number, got ${speed}`);
  const origin = real();
  return { now: () => Math.round(at + (real() - origin) * speed), speed };
}
