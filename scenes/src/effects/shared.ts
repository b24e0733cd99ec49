/** What every effect file imports: the contract, the parameter builders and small math helpers. */
export * from './types.js';
export * from './params.js';

export const TAU = Math.PI * 2;

export function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}

/** Smoothstep easing on [0, 1]. */
export function smooth(x: number): number {
  x = clamp01(x);
  return x * x * (3 - 2 * x);
}

/** Position of pixel i in [0, 1) along a strand of n pixels. */
export function along(i: number, n: number): number {
  return n > 0 ? i / n : 0;
}

const COS_STEPS = 2048;
// One entry more than the interpolation needs: for a turns value a hair below an integer, the
// fractional part rounds to exactly 1.0, so i = COS_STEPS and i + 1 must still be in the table. (Reading
// past the end would give NaN and throw the function out of optimized code, boxing a double per pixel.)
const COS_TABLE = new Float64Array(COS_STEPS + 2);
for (let i = 0; i <= COS_STEPS + 1; i++) COS_TABLE[i] = Math.cos((2 * Math.PI * i) / COS_STEPS);

/**
 * cos(2π·turns) from a table with linear interpolation (error < 1.2e-6): several times cheaper than
 * Math.cos in per-pixel loops, and the same on every engine.
 */
export function cosTurns(turns: number): number {
  const x = (turns - Math.floor(turns)) * COS_STEPS;
  const i = x | 0;
  const a = COS_TABLE[i]!;
  return a + (COS_TABLE[i + 1]! - a) * (x - i);
}
