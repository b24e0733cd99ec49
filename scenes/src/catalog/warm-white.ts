import { str, type CatalogEntry } from './types.js';

/** 暖白: plain warm white, steady. */
export const warmWhite: CatalogEntry = {
  id: 'warm-white',
  zh: '暖白',
  en: 'Warm white',
  looks: 'plain steady warm white (about 2700 K)',
  params: {
    color: { type: 'color', default: 'warm-white', description: 'the white' },
  },
  build(p) {
    return { title: { zh: '暖白', en: 'Warm white' }, layers: [{ effect: { type: 'steady', color: str(p, 'color') } }] };
  },
};
