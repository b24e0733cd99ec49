import { num, type CatalogEntry } from './types.js';

/** 满天星: a dim night-blue sky full of stars that brighten and fade, each at its own pace. */
export const skyFullOfStars: CatalogEntry = {
  id: 'sky-full-of-stars',
  zh: '满天星',
  en: 'Sky full of stars',
  looks: 'dim night-blue sky; warm and icy stars fade in and out at random; now and then one glints',
  params: {
    density: { type: 'number', min: 0.02, max: 1, default: 0.35, unit: 'fraction', description: 'share of stars lit at once' },
  },
  build(p) {
    return {
      title: { zh: '满天星', en: 'Sky full of stars' },
      layers: [
        { effect: { type: 'steady', color: 'night-blue' }, opacity: 0.6 },
        { effect: { type: 'twinkle', palette: 'stars', density: num(p, 'density'), periodMs: 3000 }, blend: 'lighten' },
        { effect: { type: 'sparkle', color: 'white', rate: 0.04, decayMs: 350 }, blend: 'screen', opacity: 0.8 },
      ],
    };
  },
};
