import { mixInto, parseColor } from '../color.js';
import { choice, clamp01, color, defineEffect, effectSchema, kind, num, smooth, withDefaults } from './shared.js';

const schema = effectSchema(
  {
    type: kind('fade'),
    from: color('black', 'colour before the fade'),
    to: color('warm-white', 'colour after the fade'),
    delayMs: num(0, 3_600_000, 0, 'ms', 'wait before the fade starts'),
    durationMs: num(0, 3_600_000, 2000, 'ms', 'length of the fade'),
    easing: choice(['linear', 'smooth'] as const, 'smooth', 'shape of the fade'),
  },
  'fade from one colour to another (fade in: from black; fade out: to black)',
);

/** Fade in / fade out: from one colour to another over a duration, then hold. */
export const fade = defineEffect({
  type: 'fade',
  summary: 'fade from one colour to another over a duration, then hold',
  schema,
  create(params) {
    const p = withDefaults(schema, params);
    const a = parseColor(p.from);
    const b = parseColor(p.to);
    const ease = p.easing === 'smooth' ? smooth : clamp01;
    const mix = new Float32Array(3);
    return {
      frame(t) {
        const k = p.durationMs > 0 ? ease((t - p.delayMs) / p.durationMs) : t >= p.delayMs ? 1 : 0;
        mixInto(a, b, k, mix, 0);
      },
      fill(out, o, n) {
        for (let i = 0; i < n; i++, o += 3) this.pixel(i, out, o);
      },
      pixel(_i, out, o) {
        out[o] = mix[0]!;
        out[o + 1] = mix[1]!;
        out[o + 2] = mix[2]!;
      },
    };
  },
});
