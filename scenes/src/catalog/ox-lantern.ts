import type { CatalogEntry } from './types.js';
import { zodiacScene } from './zodiac-lantern.js';

/** 牛年牛灯: the Year of the Ox lantern of the Rong County report, the zodiac lantern fixed on the ox. */
export const oxLantern: CatalogEntry = {
  id: 'ox-lantern',
  zh: '牛年牛灯',
  en: 'Ox lantern',
  looks: 'red body breathing slowly, gold trim running round like the horns and harness, rare glints',
  params: {
    body: { type: 'color', default: 'china-red', description: 'body colour' },
    trim: { type: 'color', default: 'gold', description: 'trim colour' },
  },
  build(p) {
    return { ...zodiacScene('ox', p['body'] as string, p['trim'] as string), title: { zh: '牛年牛灯', en: 'Ox lantern' } };
  },
};
