import { parseColor } from '../color.js';
import { color, defineEffect, effectSchema, kind } from './shared.js';

/** Steady: one colour everywhere. */
export const steady = defineEffect({
  type: 'steady',
  summary: 'one colour, unchanging',
  schema: effectSchema({ type: kind('steady'), color: color('warm-white', 'the colour') }, 'steady colour'),
  create(p) {
    const c = parseColor(p.color ?? 'warm-white');
    return {
      frame() {},
      fill(out, o, n) {
        for (let i = 0; i < n; i++, o += 3) this.pixel(i, out, o);
      },
      pixel(_i, out, o) {
        out[o] = c[0];
        out[o + 1] = c[1];
        out[o + 2] = c[2];
      },
    };
  },
});
