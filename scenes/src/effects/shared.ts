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
