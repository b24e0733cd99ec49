import type { ColorName } from '../color.js';
import { ZODIAC_ANIMALS, ZODIAC_CHINESE, chinaDate, zodiacForDate, zodiacForLunarYear, type ZodiacAnimal } from '../lunar.js';
import type { Scene } from '../schema.js';
import { str, type CatalogEntry, type SceneParams } from './types.js';

/** Body and trim colours of each animal's lantern. */
const ANIMAL_COLORS: Record<ZodiacAnimal, readonly [ColorName | string, ColorName | string]> = {
  rat: ['silver', 'china-red'],
  ox: ['china-red', 'gold'],
  tiger: ['carp-orange', 'gold'],
  rabbit: ['white', 'lotus-pink'],
  dragon: ['gold', 'china-red'],
  snake: ['jade-green', 'gold'],
  horse: ['china-red', 'warm-white'],
  goat: ['warm-white', 'jade-green'],
  monkey: ['gold', 'carp-orange'],
  rooster: ['carp-orange', 'china-red'],
  dog: ['wheat-yellow', 'china-red'],
  pig: ['lotus-pink', 'gold'],
};

/**
 * The zodiac lantern look: the body breathes slowly with a ripple along the string, gold trim runs
 * round it, and now and then a glint catches the light.
 */
export function zodiacScene(animal: ZodiacAnimal, body?: string, trim?: string): Scene {
  const [b, t] = ANIMAL_COLORS[animal];
  return {
    layers: [
      { effect: { type: 'breathe', color: body ?? b, min: 0.55, max: 1, periodMs: 5000, stagger: 0.5 } },
      { effect: { type: 'chase', color: trim ?? t, background: 'black', spacing: 10, width: 2.5, speed: 6 }, blend: 'lighten', opacity: 0.9 },
      { effect: { type: 'sparkle', color: 'white', rate: 0.12, decayMs: 220 }, blend: 'screen', opacity: 0.5 },
    ],
  };
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

export const zodiacLantern: CatalogEntry = {
  id: 'zodiac-lantern',
  zh: '生肖灯',
  en: 'Zodiac lantern',
  looks: "the year's animal in its colours: slow breathing body, gold trim running round, rare glints",
  params: {
    animal: { type: 'enum', values: ZODIAC_ANIMALS, description: 'the animal; default: from year, date or the start time' },
    year: { type: 'integer', min: 1900, max: 2200, unit: 'lunar year', description: 'lunar year whose animal to show' },
    date: { type: 'date', description: 'a date (YYYY-MM-DD, China) whose lunar year gives the animal' },
  },
  build(p: Readonly<SceneParams>, ctx) {
    const animal = pickAnimal(p, ctx.at);
    if (typeof animal !== 'string') return animal;
    return { ...zodiacScene(animal), title: { zh: `${ZODIAC_CHINESE[animal]}年${ZODIAC_CHINESE[animal]}灯`, en: `Zodiac lantern: ${animal}` } };
  },
};

function pickAnimal(p: Readonly<SceneParams>, at: number | undefined): ZodiacAnimal | { error: string; path: string } {
  if (typeof p['animal'] === 'string') return p['animal'] as ZodiacAnimal;
  if (typeof p['year'] === 'number') return zodiacForLunarYear(p['year']);
  if (typeof p['date'] === 'string') {
    const m = DATE_RE.exec(str(p, 'date'));
    const y = Number(m?.[1]);
    if (!m || y < 1901 || y > 2200) return { path: '/params/date', error: 'must be a date YYYY-MM-DD between 1901 and 2200' };
    return zodiacForDate({ year: y, month: Number(m[2]), day: Number(m[3]) });
  }
  if (at !== undefined && Number.isFinite(at)) {
    const d = chinaDate(at);
    if (d.year > 1900 && d.year <= 2200) return zodiacForDate(d);
  }
  return { path: '/params', error: "the zodiac lantern needs 'animal', 'year' or 'date' (or a start time)" };
}
