import { num, type CatalogEntry } from './types.js';

/** 荷花灯: pink petals that slowly bloom to white from the centre outwards, breathing gently. */
export const lotus: CatalogEntry = {
  id: 'lotus',
  zh: '荷花灯',
  en: 'Lotus lantern',
  looks: 'lotus pink opening slowly to white from the middle outwards, with a gentle breath',
  params: {
    bloomMs: { type: 'number', min: 2000, max: 120_000, default: 15_000, unit: 'ms', description: 'time for one bloom, pink to white and back' },
  },
  build(p) {
    const bloom = num(p, 'bloomMs');
    const wavelength = 120;
    return {
      title: { zh: '荷花灯', en: 'Lotus lantern' },
      layers: [
        { effect: { type: 'wave', color: 'white', background: 'lotus-pink', wavelength, speed: (wavelength * 1000) / bloom, origin: 'center', sharpness: 1.5 } },
        { effect: { type: 'breathe', color: 'white', min: 0.7, max: 1, periodMs: Math.round(bloom / 2) }, blend: 'multiply' },
      ],
    };
  },
};
