/**
 * Seeded pseudo-random numbers for the device models. Nothing in a simulated device calls Math.random, so a
 * run with the same seed produces the same telemetry noise and the same kiosk presses.
 */

/** A generator of floats in [0, 1). */
export type Random = () => number;

/** mulberry32: 32-bit state, fast, good enough for noise and Poisson timing (not for cryptography). */
export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a hash of a string, to derive a per-device seed from the fleet seed and the device's username. */
export function hashString(value: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) {
    h ^= value.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Seed of one device: the same fleet seed gives each device its own, stable stream. */
export function deviceSeed(fleetSeed: number, username: string): number {
  return (hashString(username) ^ Math.imul(fleetSeed >>> 0, 0x9e3779b1)) >>> 0;
}

/** Exponentially distributed delay with the given mean: the gap between events of a Poisson process. */
export function exponential(random: Random, mean: number): number {
  // 1 - random() is in (0, 1], so the log is finite.
  return -Math.log(1 - random()) * mean;
}

/** Picks an item with probability proportional to its weight. */
export function weightedPick<T>(random: Random, items: ReadonlyArray<readonly [T, number]>): T {
  let total = 0;
  for (const [, w] of items) total += w;
  let r = random() * total;
  for (const [item, w] of items) {
    r -= w;
    if (r < 0) return item;
  }
  const last = items[items.length - 1];
  if (!last) throw new RangeError('weightedPick needs at least one item');
  return last[0];
}
