import { parseColor } from '../color.js';
import { paletteTable, resolvePalette, samplePalette } from '../palettes.js';
import { HASH30_UNIT, hash30 } from '../random.js';
import Type from 'typebox';
import { color, cosTurns, defineEffect, effectSchema, kind, num, withDefaults } from './shared.js';

const schema = effectSchema(
  {
    type: kind('twinkle'),
    color: color('warm-white', 'colour of a star when no palette is given'),
    palette: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,31}$', description: 'stars take random colours from this palette', 'x-kind': 'palette' })),
    background: color('black', 'colour between twinkles'),
    density: num(0, 1, 0.3, 'fraction', 'share of pixels lit at any moment, on average'),
    periodMs: num(100, 60_000, 2500, 'ms', 'average length of one twinkle'),
  },
  'stars that brighten and fade at random, each at its own pace',
);

/**
 * Twinkle (满天星): each pixel runs its own clock (period ±40 %, random phase); in each of its cycles it
 * lights with probability `density`, rising and falling smoothly (sin²). Continuous in time.
 */
export const twinkle = defineEffect({
  type: 'twinkle',
  summary: 'stars brighten and fade at random, each at its own pace (smooth)',
  schema,
  check(p, path, ctx) {
    return p.palette !== undefined && !resolvePalette(p.palette, ctx.palettes) ? [{ path: `${path}/palette`, message: `unknown palette '${p.palette}'` }] : [];
  },
  create(params, ctx) {
    const p = withDefaults(schema, params);
    const fg = parseColor(p.color);
    const bg = parseColor(p.background);
    const pal = params.palette !== undefined ? paletteTable(resolvePalette(params.palette, ctx.palettes) ?? []) : null;
    const seed = ctx.seed;
    const star = new Float32Array(3);
    let t = 0;
    let strand = 0;
    return {
      frame(tMs, s) {
        t = tMs;
        strand = s;
      },
      fill(out, o, n) {
        for (let i = 0; i < n; i++, o += 3) this.pixel(i, out, o);
      },
      pixel(i, out, o) {
        const h = hash30(seed, strand, i);
        const period = p.periodMs * (0.6 + 0.8 * ((h & 0x7fff) / 32768));
        const x = t / period + (h >>> 15) / 32768;
        const cycle = Math.floor(x);
        let k = 0;
        if (hash30(seed, strand, i, cycle) * HASH30_UNIT < p.density) {
          k = 0.5 - 0.5 * cosTurns(x - cycle); // sin²(π·phase)
        }
        if (k === 0) {
          out[o] = bg[0];
          out[o + 1] = bg[1];
          out[o + 2] = bg[2];
          return;
        }
        let c0 = fg[0], c1 = fg[1], c2 = fg[2];
        if (pal) {
          samplePalette(pal, hash30(seed ^ 0x51a5, strand, i, cycle) * HASH30_UNIT, star, 0);
          c0 = star[0]!; c1 = star[1]!; c2 = star[2]!;
        }
        out[o] = bg[0] + (c0 - bg[0]) * k;
        out[o + 1] = bg[1] + (c1 - bg[1]) * k;
        out[o + 2] = bg[2] + (c2 - bg[2]) * k;
      },
    };
  },
});
