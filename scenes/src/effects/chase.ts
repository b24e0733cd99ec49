import { parseColor } from '../color.js';
import { color, defineEffect, effectSchema, kind, num, withDefaults } from './shared.js';

const schema = effectSchema(
  {
    type: kind('chase'),
    color: color('gold', 'colour of the running dots'),
    background: color('black', 'colour between the dots'),
    spacing: num(1, 4096, 8, 'px', 'distance from one dot to the next'),
    width: num(0.1, 4096, 2, 'px', 'width of a dot'),
    speed: num(-2000, 2000, 10, 'px/s', 'dot speed; negative runs backwards'),
  },
  'dots running along the strand',
);

/** Chase: evenly spaced dots run along the strand, with anti-aliased edges. */
export const chase = defineEffect({
  type: 'chase',
  summary: 'evenly spaced dots run along the strand (marquee)',
  schema,
  create(params) {
    const p = withDefaults(schema, params);
    const fg = parseColor(p.color);
    const bg = parseColor(p.background);
    const half = p.width / 2;
    let offset = 0;
    return {
      frame(t) {
        offset = (p.speed * t) / 1000;
      },
      fill(out, o, n) {
        for (let i = 0; i < n; i++, o += 3) this.pixel(i, out, o);
      },
      pixel(i, out, o) {
        let x = (i - offset) / p.spacing;
        x = (x - Math.floor(x)) * p.spacing; // distance past the last dot centre, in [0, spacing)
        const d = x < p.spacing - x ? x : p.spacing - x;
        let k = half + 0.5 - d;
        k = k < 0 ? 0 : k > 1 ? 1 : k;
        out[o] = bg[0] + (fg[0] - bg[0]) * k;
        out[o + 1] = bg[1] + (fg[1] - bg[1]) * k;
        out[o + 2] = bg[2] + (fg[2] - bg[2]) * k;
      },
    };
  },
});
