import { num, str, type CatalogEntry } from './types.js';

/** 静夜: quiet hours — a dim, steady warm glow for late night, nothing moving. */
export const quietHours: CatalogEntry = {
  id: 'quiet-hours',
  zh: '静夜',
  en: 'Quiet hours',
  looks: 'dim, steady warm glow; nothing moves',
  params: {
    level: { type: 'number', min: 0.01, max: 0.5, default: 0.12, unit: 'fraction', description: 'output level (of full power)' },
    color: { type: 'color', default: 'warm-white', description: 'the glow' },
  },
  build(p) {
    return { title: { zh: '静夜', en: 'Quiet hours' }, brightness: num(p, 'level'), layers: [{ effect: { type: 'steady', color: str(p, 'color') } }] };
  },
};
