import { parseColor } from '../color.js';
import { TAU, along, cosTurns, color, defineEffect, effectSchema, kind, num, withDefaults } from './shared.js';

const schema = effectSchema(
  {
    type: kind('breathe'),
    color: color('china-red', 'the colour at full breath'),
    periodMs: num(500, 600_000, 4000, 'ms', 'one breath, dim to bright to dim'),
    min: num(0, 1, 0.2, 'fraction', 'level at the dimmest'),
    max: num(0, 1, 1, 'fraction', 'level at the brightest'),
    stagger: num(0, 4, 0, 'periods', 'phase shift from the first to the last pixel; 0 breathes in unison'),
  },
  'slow rise and fall of brightness',
);

/** Breathe: brightness rises and falls on a raised cosine; optionally staggered along the strand. */
export const breathe = defineEffect({
  type: 'breathe',
  summary: 'brightness rises and falls slowly (raised cosine), optionally rippling along the strand',
  schema,
  create(params) {
    const p = withDefaults(schema, params);
    const c = Float64Array.from(parseColor(p.color));
    const span = p.max - p.min;
    // Parameters read per pixel are copied out of `p` once: objects of differing shapes make those
    // loads megamorphic, and a megamorphic load of a double allocates.
    const { min, stagger } = p;
    // Per-frame state in a typed array: doubles in mutable closure variables are boxed.
    const st = new Float64Array(3); // [phase, strand length, level]
    return {
      frame(t, _s, length) {
        st[0] = t / p.periodMs;
        st[1] = length;
        st[2] = p.min + span * (0.5 - 0.5 * Math.cos(TAU * st[0]));
      },
      fill(out, o, n) {
        for (let i = 0; i < n; i++, o += 3) this.pixel(i, out, o);
      },
      pixel(i, out, o) {
        const l = stagger === 0 ? st[2]! : min + span * (0.5 - 0.5 * cosTurns(st[0]! - stagger * along(i, st[1]!)));
        out[o] = c[0]! * l;
        out[o + 1] = c[1]! * l;
        out[o + 2] = c[2]! * l;
      },
    };
  },
});
