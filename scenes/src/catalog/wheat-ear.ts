import { num, type CatalogEntry } from './types.js';

/** 麦穗灯: golden ears swaying in the wind, a warm gust passing now and then. */
export const wheatEar: CatalogEntry = {
  id: 'wheat-ear',
  zh: '麦穗灯',
  en: 'Wheat-ear lantern',
  looks: 'wheat-yellow and gold bands swaying back and forth; a warm gust of light runs through',
  params: {
    swayMs: { type: 'number', min: 1000, max: 30_000, default: 3500, unit: 'ms', description: 'one sway, there and back' },
  },
  build(p) {
    return {
      title: { zh: '麦穗灯', en: 'Wheat-ear lantern' },
      layers: [
        { effect: { type: 'gradient', palette: 'harvest', spread: 3, sway: 0.25, swayPeriodMs: num(p, 'swayMs') } },
        { effect: { type: 'wave', color: 'warm-white', background: 'black', wavelength: 60, speed: 12, sharpness: 4 }, blend: 'screen', opacity: 0.35 },
      ],
    };
  },
};
