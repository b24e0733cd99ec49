/**
 * Chinese New Year (春节), the Lantern Festival and the zodiac animal (生肖) of a lunar year, computed
 * by lunar-javascript through the schedule's calendar (test/crosscheck keeps an independent
 * astronomical computation that the tests compare against).
 */
import { CALENDAR_MAX_YEAR, CALENDAR_MIN_YEAR, lunarToCivil } from './schedule/calendar.js';
import { dayOf, parseDay } from './schedule/zone.js';

export interface CivilDate {
  year: number;
  /** 1–12 */
  month: number;
  /** 1–31 */
  day: number;
}

export const ZODIAC_ANIMALS = ['rat', 'ox', 'tiger', 'rabbit', 'dragon', 'snake', 'horse', 'goat', 'monkey', 'rooster', 'dog', 'pig'] as const;
export type ZodiacAnimal = (typeof ZODIAC_ANIMALS)[number];
/** 鼠 牛 虎 兔 龙 蛇 马 羊 猴 鸡 狗 猪 */
export const ZODIAC_CHINESE: Record<ZodiacAnimal, string> = {
  rat: '鼠', ox: '牛', tiger: '虎', rabbit: '兔', dragon: '龙', snake: '蛇', horse: '马', goat: '羊', monkey: '猴', rooster: '鸡', dog: '狗', pig: '猪',
};

export const LUNAR_MIN_YEAR = CALENDAR_MIN_YEAR;
export const LUNAR_MAX_YEAR = CALENDAR_MAX_YEAR;

/** The zodiac animal of a lunar year (the year in which its New Year falls): 2021 → ox, 2024 → dragon. */
export function zodiacForLunarYear(lunarYear: number): ZodiacAnimal {
  return ZODIAC_ANIMALS[(((Math.trunc(lunarYear) - 4) % 12) + 12) % 12]!;
}

function toCivil(day: string): CivilDate {
  return parseDay(day);
}

function check(year: number): void {
  if (!Number.isInteger(year) || year < LUNAR_MIN_YEAR || year > LUNAR_MAX_YEAR) {
    throw new RangeError(`year must be an integer ${LUNAR_MIN_YEAR}–${LUNAR_MAX_YEAR}, got ${year}`);
  }
}

/** Chinese New Year of a Gregorian year, as a date in China. */
export function chineseNewYear(year: number): CivilDate {
  check(year);
  return toCivil(lunarToCivil(year, 1, 1)!);
}

/** Lantern Festival (元宵节): the 15th day of the first month. */
export function lanternFestival(year: number): CivilDate {
  check(year);
  return toCivil(lunarToCivil(year, 1, 15)!);
}

/** The lunar year a Gregorian date (in China) belongs to: the Gregorian year, or the one before if before New Year. */
export function lunarYearOf(date: CivilDate): number {
  const ny = chineseNewYear(date.year);
  const before = date.month < ny.month || (date.month === ny.month && date.day < ny.day);
  return before ? date.year - 1 : date.year;
}

/** The zodiac animal of a Gregorian date in China: 2021-02-11 → rat, 2021-02-12 → ox. */
export function zodiacForDate(date: CivilDate): ZodiacAnimal {
  return zodiacForLunarYear(lunarYearOf(date));
}

/** The date in China (UTC+8) of an epoch-milliseconds instant. */
export function chinaDate(epochMs: number): CivilDate {
  return toCivil(dayOf(Math.floor((epochMs + 8 * 3_600_000) / 86_400_000)));
}
