import { num, type CatalogEntry } from './types.js';

/** 红金: festival red and gold bands drifting slowly, breathing together. */
export const redAndGold: CatalogEntry = {
  id: 'red-and-gold',
  zh: '红金喜庆',
  en: 'Festival red and gold',
  looks: 'china-red and gold bands drifting slowly along, the whole breathing gently',
  params: {
    band: { type: 'number', min: 1, max: 200, default: 6, unit: 'px', description: 'width of a gold band (red fills the rest)' },
    spacing: { type: 'number', min: 2, max: 400, default: 12, unit: 'px', description: 'from one gold band to the next' },
  },
  build(p) {
    return {
      title: { zh: '红金喜庆', en: 'Festival red and gold' },
      layers: [
        { effect: { type: 'chase', color: 'gold', background: 'china-red', width: num(p, 'band'), spacing: num(p, 'spacing'), speed: 3 } },
        { effect: { type: 'breathe', color: 'white', min: 0.75, max: 1, periodMs: 6000 }, blend: 'multiply' },
      ],
    };
  },
};
