import { hsvInto } from '../color.js';
import { along, defineEffect, effectSchema, kind, num, withDefaults } from './shared.js';

const schema = effectSchema(
  {
    type: kind('rainbow'),
    speed: num(-10, 10, 0.1, 'cycles/s', 'how fast the colours turn; negative turns backwards'),
    spread: num(0, 20, 1, 'cycles', 'colour wheels across the strand; 0 turns the whole strand together'),
    saturation: num(0, 1, 1, 'fraction', 'colour saturation'),
    value: num(0, 1, 1, 'fraction', 'brightness'),
  },
  'colour wheel turning along the strand',
);

/** Colour wheel / rainbow: hue = position × spread + time × speed. */
export const rainbow = defineEffect({
  type: 'rainbow',
  summary: 'colour wheel turning in time and spread along the strand',
  schema,
  create(params) {
    const p = withDefaults(schema, params);
    let base = 0;
    let n = 1;
    return {
      frame(t, _s, length) {
        base = (t * p.speed) / 1000;
        n = length;
      },
      fill(out, o, n) {
        for (let i = 0; i < n; i++, o += 3) this.pixel(i, out, o);
      },
      pixel(i, out, o) {
        hsvInto(base + p.spread * along(i, n), p.saturation, p.value, out, o);
      },
    };
  },
});
