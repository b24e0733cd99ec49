/**
 * Colours. Inside the renderer a colour is three floats in [0, 1] (red, green, blue) before gamma:
 * "how much of the channel the scene asks for". Gamma and brightness are applied once, at output.
 */
export type Rgb = readonly [number, number, number];

/** Festival colours by name. 中国红 china-red, 金 gold, 荷花粉 lotus-pink, 麦黄 wheat-yellow, 夜蓝 night-blue. */
export const NAMED_COLORS = {
  'china-red': '#e60012',
  gold: '#ffb400',
  'lotus-pink': '#f58cb4',
  'wheat-yellow': '#f5c860',
  'night-blue': '#0a1e5a',
  'warm-white': '#ffd29a',
  'carp-orange': '#ff6a13',
  'jade-green': '#2fa86b',
  silver: '#c8d2dc',
  'ice-blue': '#9fc3ff',
  white: '#ffffff',
  black: '#000000',
} as const satisfies Record<string, string>;
export type ColorName = keyof typeof NAMED_COLORS;

const COLOR_NAMES = Object.keys(NAMED_COLORS) as ColorName[];

/** A colour in a scene: `#rrggbb` or a festival colour name. */
export const COLOR_PATTERN = `^(#[0-9a-fA-F]{6}|${COLOR_NAMES.join('|')})$`;
const COLOR_RE = new RegExp(COLOR_PATTERN);
export const COLOR_HINT = `a colour: "#rrggbb" or one of ${COLOR_NAMES.join(', ')}`;

export function isColor(value: unknown): value is string {
  return typeof value === 'string' && COLOR_RE.test(value);
}

/** Parses a colour; unknown input gives black (validation rejects it before it gets here). */
export function parseColor(value: string): Rgb {
  const hex = (NAMED_COLORS as Record<string, string>)[value] ?? value;
  const m = /^#([0-9a-fA-F]{2})([0-9a-fA-F]{2})([0-9a-fA-F]{2})$/.exec(hex);
  if (!m) return [0, 0, 0];
  return [parseInt(m[1]!, 16) / 255, parseInt(m[2]!, 16) / 255, parseInt(m[3]!, 16) / 255];
}

/** Hue, saturation, value in [0, 1] to RGB, written into out[o..o+2]. */
export function hsvInto(h: number, s: number, v: number, out: Float32Array, o: number): void {
  h = (h - Math.floor(h)) * 6;
  const i = h | 0;
  const f = h - i;
  const p = v * (1 - s);
  const q = v * (1 - s * f);
  const t = v * (1 - s * (1 - f));
  let r = v, g = t, b = p;
  if (i === 1) { r = q; g = v; b = p; }
  else if (i === 2) { r = p; g = v; b = t; }
  else if (i === 3) { r = p; g = q; b = v; }
  else if (i === 4) { r = t; g = p; b = v; }
  else if (i === 5) { r = v; g = p; b = q; }
  out[o] = r;
  out[o + 1] = g;
  out[o + 2] = b;
}

/** Writes a + (b - a) * k into out[o..o+2]. */
export function mixInto(a: Rgb, b: Rgb, k: number, out: Float32Array, o: number): void {
  out[o] = a[0] + (b[0] - a[0]) * k;
  out[o + 1] = a[1] + (b[1] - a[1]) * k;
  out[o + 2] = a[2] + (b[2] - a[2]) * k;
}
