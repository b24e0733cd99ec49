/**
 * Palettes: cyclic colour ramps sampled by gradients, twinkles and the like. Named festival palettes
 * ship with the library; a scene may define its own under `palettes`.
 */
import { parseColor, type Rgb } from './color.js';

export const NAMED_PALETTES = {
  /** 中国红 and gold: the Spring Festival pair. */
  festival: ['china-red', 'gold'],
  /** 荷花: pink petals opening to white. */
  lotus: ['lotus-pink', 'white', 'lotus-pink'],
  /** 麦穗: wheat yellow and gold, with a darker ear. */
  harvest: ['wheat-yellow', 'gold', '#c88a12'],
  /** 夜空: night blue sky. */
  night: ['night-blue', '#1c3a8c'],
  /** 鲤鱼: red, orange and gold scales. */
  carp: ['china-red', 'carp-orange', 'gold', 'carp-orange'],
  /** Star colours for 满天星: warm white, white, icy blue. */
  stars: ['warm-white', 'white', 'ice-blue'],
  rainbow: ['#ff0000', '#ff8000', '#ffff00', '#00ff00', '#0080ff', '#8000ff'],
} as const satisfies Record<string, readonly string[]>;
export type PaletteName = keyof typeof NAMED_PALETTES;
export const PALETTE_NAMES = Object.keys(NAMED_PALETTES) as PaletteName[];

/** Number of entries of a palette lookup table. */
export const PALETTE_SIZE = 256;

/**
 * A palette as a lookup table of PALETTE_SIZE RGB entries (cyclic: the last colour blends back into
 * the first), so sampling in the hot loop is an index and two lerps.
 */
export function paletteTable(colors: readonly string[]): Float32Array {
  const stops: Rgb[] = colors.length > 0 ? colors.map(parseColor) : [[0, 0, 0]];
  const table = new Float32Array(PALETTE_SIZE * 3);
  const n = stops.length;
  for (let i = 0; i < PALETTE_SIZE; i++) {
    const x = (i / PALETTE_SIZE) * n;
    const k = Math.floor(x);
    const f = x - k;
    const a = stops[k % n]!;
    const b = stops[(k + 1) % n]!;
    table[i * 3] = a[0] + (b[0] - a[0]) * f;
    table[i * 3 + 1] = a[1] + (b[1] - a[1]) * f;
    table[i * 3 + 2] = a[2] + (b[2] - a[2]) * f;
  }
  return table;
}

/** Samples a palette table at u (any real; taken modulo 1) into out[o..o+2], interpolating entries. */
export function samplePalette(table: Float32Array, u: number, out: Float32Array, o: number): void {
  const x = (u - Math.floor(u)) * PALETTE_SIZE;
  const k = x | 0;
  const f = x - k;
  const a = (k % PALETTE_SIZE) * 3;
  const b = ((k + 1) % PALETTE_SIZE) * 3;
  out[o] = table[a]! + (table[b]! - table[a]!) * f;
  out[o + 1] = table[a + 1]! + (table[b + 1]! - table[a + 1]!) * f;
  out[o + 2] = table[a + 2]! + (table[b + 2]! - table[a + 2]!) * f;
}

/** Resolves a palette name against the scene's own palettes first, then the named ones. */
export function resolvePalette(name: string, own?: Readonly<Record<string, readonly string[]>>): readonly string[] | undefined {
  return own?.[name] ?? (NAMED_PALETTES as Record<string, readonly string[]>)[name];
}
