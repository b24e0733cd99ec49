import { parseColor } from '../color.js';
import { HASH30_UNIT, hash30 } from '../random.js';
import { color, defineEffect, effectSchema, kind, num, withDefaults } from './shared.js';

const schema = effectSchema(
  {
    type: kind('sparkle'),
    color: color('white', 'colour of a glint'),
    background: color('black', 'colour between glints'),
    rate: num(0.01, 20, 0.5, '1/s', 'glints per pixel per second'),
    decayMs: num(10, 5000, 150, 'ms', 'time for a glint to fade to 37 %'),
  },
  'sudden glints that fade quickly',
);

/** Sparkle: each pixel glints once per random slot (rate per second) and decays exponentially. */
export const sparkle = defineEffect({
  type: 'sparkle',
  summary: 'sudden glints at random pixels that fade quickly',
  schema,
  create(params, ctx) {
    const p = withDefaults(schema, params);
    const fg = parseColor(p.color);
    const bg = parseColor(p.background);
    const slotMs = 1000 / p.rate;
    // Slots further back than 5 decay times contribute under 1 %; never look back more than 8.
    const horizon = 5 * p.decayMs;
    const lookBack = Math.min(8, Math.ceil(horizon / slotMs));
    const seed = ctx.seed;
    let t = 0;
    let strand = 0;
    let slot = 0;
    return {
      frame(tMs, s) {
        t = tMs;
        strand = s;
        slot = Math.floor(t / slotMs);
      },
      fill(out, o, n) {
        for (let i = 0; i < n; i++, o += 3) this.pixel(i, out, o);
      },
      pixel(i, out, o) {
        let k = 0;
        for (let j = slot; j >= slot - lookBack; j--) {
          const at = (j + hash30(seed, strand, i, j) * HASH30_UNIT) * slotMs;
          if (at <= t && t - at < horizon) {
            const b = Math.exp((at - t) / p.decayMs);
            if (b > k) k = b;
          }
        }
        out[o] = bg[0] + (fg[0] - bg[0]) * k;
        out[o + 1] = bg[1] + (fg[1] - bg[1]) * k;
        out[o + 2] = bg[2] + (fg[2] - bg[2]) * k;
      },
    };
  },
});
