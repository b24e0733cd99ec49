import { paletteTable, resolvePalette, samplePalette } from '../palettes.js';
import { TAU, along, defineEffect, effectSchema, kind, num, paletteRef, withDefaults } from './shared.js';

const schema = effectSchema(
  {
    type: kind('gradient'),
    palette: paletteRef('festival', 'colours of the gradient'),
    spread: num(0, 20, 1, 'cycles', 'times the palette repeats across the strand'),
    scroll: num(-10, 10, 0, 'cycles/s', 'how fast the gradient moves along the strand'),
    sway: num(0, 1, 0, 'cycles', 'amplitude of a back-and-forth sway (麦穗 wheat in the wind)'),
    swayPeriodMs: num(200, 600_000, 4000, 'ms', 'period of the sway'),
  },
  'palette gradient along the strand, scrolling or swaying',
);

/** Gradient: a palette laid along the strand; it may scroll and sway back and forth. */
export const gradient = defineEffect({
  type: 'gradient',
  summary: 'palette laid along the strand, scrolling and/or swaying back and forth',
  schema,
  check(p, path, ctx) {
    const name = p.palette ?? 'festival';
    return resolvePalette(name, ctx.palettes) ? [] : [{ path: `${path}/palette`, message: `unknown palette '${name}'` }];
  },
  create(params, ctx) {
    const p = withDefaults(schema, params);
    const table = paletteTable(resolvePalette(p.palette, ctx.palettes) ?? []);
    let offset = 0;
    let n = 1;
    return {
      frame(t, _s, length) {
        offset = (t * p.scroll) / 1000 + p.sway * Math.sin((TAU * t) / p.swayPeriodMs);
        n = length;
      },
      fill(out, o, n) {
        for (let i = 0; i < n; i++, o += 3) this.pixel(i, out, o);
      },
      pixel(i, out, o) {
        samplePalette(table, p.spread * along(i, n) - offset, out, o);
      },
    };
  },
});
