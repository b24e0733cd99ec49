import { parseColor } from '../color.js';
import { choice, cosTurns, color, defineEffect, effectSchema, kind, num, withDefaults } from './shared.js';

const schema = effectSchema(
  {
    type: kind('wave'),
    color: color('white', 'colour at the crest'),
    background: color('black', 'colour in the trough'),
    wavelength: num(1, 10_000, 30, 'px', 'crest to crest'),
    speed: num(-2000, 2000, 10, 'px/s', 'wave speed; negative runs backwards (inwards from the centre)'),
    origin: choice(['start', 'center'] as const, 'start', 'where the wave starts: one end, or the middle (blooming outwards)'),
    sharpness: num(0.2, 10, 1, 'exponent', 'above 1 makes crests narrower'),
  },
  'travelling sine wave between two colours',
);

/** Wave: a sine wave of colour travelling along the strand, or out from its centre (a bloom). */
export const wave = defineEffect({
  type: 'wave',
  summary: 'sine wave between two colours, travelling along the strand or out from its centre',
  schema,
  create(params) {
    const p = withDefaults(schema, params);
    const fg = parseColor(p.color);
    const bg = parseColor(p.background);
    const centered = p.origin === 'center';
    // Whole sharpness (the usual case) by repeated multiplication: Math.pow per pixel is slow.
    const whole = Number.isInteger(p.sharpness) ? p.sharpness : 0;
    let shift = 0;
    let mid = 0;
    return {
      frame(t, _s, length) {
        shift = (p.speed * t) / 1000;
        mid = (length - 1) / 2;
      },
      fill(out, o, n) {
        for (let i = 0; i < n; i++, o += 3) this.pixel(i, out, o);
      },
      pixel(i, out, o) {
        const x = centered ? Math.abs(i - mid) : i;
        let k = 0.5 + 0.5 * cosTurns((x - shift) / p.wavelength);
        if (whole > 1) {
          const base = k;
          for (let j = 1; j < whole; j++) k *= base;
        } else if (whole === 0) k = Math.pow(k, p.sharpness);
        out[o] = bg[0] + (fg[0] - bg[0]) * k;
        out[o + 1] = bg[1] + (fg[1] - bg[1]) * k;
        out[o + 2] = bg[2] + (fg[2] - bg[2]) * k;
      },
    };
  },
});
