/**
 * Seeded randomness. Nothing in scenes calls Math.random: every random choice is a pure function of a
 * seed and integer coordinates (strand, pixel, time slot), so a bridge, a simulator and a browser
 * preview draw the same stars and the same meteors.
 */

/**
 * 32-bit integer hash of up to four integers: each input multiplied by its own odd constant, then
 * two rounds of the lowbias32 finalizer. Cheap enough for per-pixel noise in the hot loop.
 */
export function hash32(a: number, b = 0, c = 0, d = 0): number {
  let h = Math.imul(a | 0, 0x9e3779b1) ^ Math.imul(b | 0, 0x85ebca77);
  h = mix32(h);
  h ^= Math.imul(c | 0, 0xc2b2ae3d) ^ Math.imul(d | 0, 0x27d4eb2f);
  return mix32(h) >>> 0;
}

/** 1 / 2^30, to map hash30 to [0, 1). */
export const HASH30_UNIT = 1 / 1073741824;

/**
 * hash32 reduced to 30 bits. The result is a small integer (a V8 Smi), so a per-pixel call that is not
 * inlined returns it without allocating, where a double or a full 32-bit value would be boxed on the
 * heap for every pixel. Use `hash30(…) * HASH30_UNIT` for a value in [0, 1) in hot loops. The mixing is
 * written out rather than calling hash32, whose 32-bit result would itself be boxed.
 */
export function hash30(a: number, b = 0, c = 0, d = 0): number {
  let h = Math.imul(a | 0, 0x9e3779b1) ^ Math.imul(b | 0, 0x85ebca77);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  h ^= Math.imul(c | 0, 0xc2b2ae3d) ^ Math.imul(d | 0, 0x27d4eb2f);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 2;
}

/** A hash mapped to [0, 1). In per-pixel loops use `hash30(…) * HASH30_UNIT`, which does not allocate. */
export function hashUnit(a: number, b = 0, c = 0, d = 0): number {
  return hash32(a, b, c, d) / 4294967296;
}

function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x;
}

/** mulberry32: a small seeded PRNG for generating things (test scenes, palettes), not for per-pixel noise. */
export function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Derives the seed of a sub-part (layer, cue) from a parent seed. */
export function deriveSeed(seed: number, part: number): number {
  return hash32(seed, part, 0x5eed);
}
