import { num, type CatalogEntry } from './types.js';

/** 鲤鱼灯: red-orange-gold scales, a shimmer swimming along the body, the tail swishing. */
export const carp: CatalogEntry = {
  id: 'carp',
  zh: '鲤鱼灯',
  en: 'Carp lantern',
  looks: 'red, orange and gold scales swishing; bright shimmer bands swim along the body; scale glints',
  params: {
    swim: { type: 'number', min: 1, max: 200, default: 18, unit: 'px/s', description: 'speed of the shimmer swimming along the carp' },
  },
  build(p) {
    return {
      title: { zh: '鲤鱼灯', en: 'Carp lantern' },
      layers: [
        { effect: { type: 'gradient', palette: 'carp', spread: 2, scroll: 0.05, sway: 0.12, swayPeriodMs: 2600 } },
        { effect: { type: 'wave', color: '#fff0c0', background: 'black', wavelength: 24, speed: num(p, 'swim'), sharpness: 4 }, blend: 'screen', opacity: 0.7 },
        { effect: { type: 'sparkle', color: 'white', rate: 0.3, decayMs: 120 }, blend: 'screen', opacity: 0.6 },
      ],
    };
  },
};
