/**
 * An independent check of the calendar library in tests: Chinese New Year (春节) computed from
 * astronomy alone. (This was the scenes library's lunar code before it moved onto lunar-javascript.)
 *
 * The rule of the Chinese calendar (as in Helmer Aslaksen, "The Mathematics of the Chinese
 * Calendar"): months start on the day, in China time, of a new moon; the winter solstice always falls
 * in month 11. Between two months 11 there are 12 or 13 months; with 13, the first month without a
 * principal term (中气, sun's longitude a multiple of 30°) is the leap month. New Year is the second
 * month after month 11 — the third if month 11 or 12 is followed by a leap month (as in 2033/34).
 *
 * Astronomy from Jean Meeus, "Astronomical Algorithms": new moons (ch. 49, error under a minute)
 * and the sun's apparent longitude (ch. 25 low-accuracy series, about 0.01°, i.e. ~15 min in time);
 * ΔT from the Espenak–Meeus polynomials. Checked against published dates for 1900–2100 in the tests.
 * China time is UTC+8 from 1929 and Beijing mean solar time (UTC+7:45:40) before.
 */

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

export const LUNAR_MIN_YEAR = 1900;
export const LUNAR_MAX_YEAR = 2200;

const RAD = Math.PI / 180;
const SYNODIC = 29.530588861;

/** The zodiac animal of a lunar year (the year in which its New Year falls): 2021 → ox, 2024 → dragon. */
export function zodiacForLunarYear(lunarYear: number): ZodiacAnimal {
  return ZODIAC_ANIMALS[(((Math.trunc(lunarYear) - 4) % 12) + 12) % 12]!;
}

/** Chinese New Year of a Gregorian year, as a date in China. */
export function chineseNewYear(year: number): CivilDate {
  return fromDayNumber(chineseNewYearDay(year));
}

/** Lantern Festival (元宵节): the 15th day of the first month, 14 days after New Year. */
export function lanternFestival(year: number): CivilDate {
  return fromDayNumber(chineseNewYearDay(year) + 14);
}

/** The lunar year a Gregorian date (in China) belongs to: the Gregorian year, or the one before if before New Year. */
export function lunarYearOf(date: CivilDate): number {
  const day = dayNumber(date.year, date.month, date.day);
  return day >= chineseNewYearDay(date.year) ? date.year : date.year - 1;
}

/** The zodiac animal of a Gregorian date in China: 2021-02-11 → rat, 2021-02-12 → ox. */
export function zodiacForDate(date: CivilDate): ZodiacAnimal {
  return zodiacForLunarYear(lunarYearOf(date));
}

/** The date in China (UTC+8) of an epoch-milliseconds instant. */
export function chinaDate(epochMs: number): CivilDate {
  return fromDayNumber(Math.floor((epochMs + 8 * 3_600_000) / 86_400_000) + 2440588);
}

// ---------------------------------------------------------------------------------------------

/** Day number (Julian day number of the civil date) of New Year in `year`. */
function chineseNewYearDay(year: number): number {
  if (!Number.isInteger(year) || year < LUNAR_MIN_YEAR || year > LUNAR_MAX_YEAR) {
    throw new RangeError(`year must be an integer ${LUNAR_MIN_YEAR}–${LUNAR_MAX_YEAR}, got ${year}`);
  }
  const k11 = newMoonOnOrBefore(localDay(solarLongitudeTime(year - 1, 270)));
  const k11next = newMoonOnOrBefore(localDay(solarLongitudeTime(year, 270)));
  let offset = 2;
  if (k11next - k11 === 13) {
    // Leap year: the leap month is the first without a principal term; only a leap 11 or 12 delays New Year.
    for (let i = 1; i <= 2; i++) {
      if (!hasPrincipalTerm(newMoonDay(k11 + i), newMoonDay(k11 + i + 1))) {
        offset = 3;
        break;
      }
    }
  }
  return newMoonDay(k11 + offset);
}

/** Whether a principal term (sun's longitude a multiple of 30°) falls in the days [start, end). */
function hasPrincipalTerm(startDay: number, endDay: number): boolean {
  const a = Math.floor(solarLongitude(localMidnightJde(startDay)) / 30);
  const b = Math.floor(solarLongitude(localMidnightJde(endDay)) / 30);
  return a !== b;
}

/** Index k of the new moon whose China day is on or before `day`, the latest such. */
function newMoonOnOrBefore(day: number): number {
  let k = Math.floor((day - 2451550.1) / SYNODIC);
  while (newMoonDay(k) > day) k--;
  while (newMoonDay(k + 1) <= day) k++;
  return k;
}

function newMoonDay(k: number): number {
  return localDay(newMoonJde(k));
}

/** China civil day number of a dynamical time (JDE). */
function localDay(jde: number): number {
  const jdUt = jde - deltaT(jde) / 86400;
  return Math.floor(jdUt + 0.5 + utcOffsetDays(jdUt));
}

/** JDE of 0:00 China time at the start of civil day `day`. */
function localMidnightJde(day: number): number {
  const jdUt = day - 0.5 - utcOffsetDays(day);
  return jdUt + deltaT(jdUt) / 86400;
}

function utcOffsetDays(jd: number): number {
  return jd >= 2425612.5 /* 1929-01-01 */ ? 8 / 24 : (116 + 25 / 60) / 360;
}

/** Meeus ch. 49: the true new moon k lunations after 2000-01-06, as JDE. */
function newMoonJde(k: number): number {
  const T = k / 1236.85;
  const T2 = T * T, T3 = T2 * T, T4 = T3 * T;
  let jde = 2451550.09766 + SYNODIC * k + 0.00015437 * T2 - 0.00000015 * T3 + 0.00000000073 * T4;
  const E = 1 - 0.002516 * T - 0.0000074 * T2;
  const M = (2.5534 + 29.1053567 * k - 0.0000014 * T2 - 0.00000011 * T3) * RAD;
  const Mp = (201.5643 + 385.81693528 * k + 0.0107582 * T2 + 0.00001238 * T3 - 0.000000058 * T4) * RAD;
  const F = (160.7108 + 390.67050284 * k - 0.0016118 * T2 - 0.00000227 * T3 + 0.000000011 * T4) * RAD;
  const O = (124.7746 - 1.56375588 * k + 0.0020672 * T2 + 0.00000215 * T3) * RAD;
  const s = Math.sin;
  jde +=
    -0.4072 * s(Mp) + 0.17241 * E * s(M) + 0.01608 * s(2 * Mp) + 0.01039 * s(2 * F) + 0.00739 * E * s(Mp - M) -
    0.00514 * E * s(Mp + M) + 0.00208 * E * E * s(2 * M) - 0.00111 * s(Mp - 2 * F) - 0.00057 * s(Mp + 2 * F) +
    0.00056 * E * s(2 * Mp + M) - 0.00042 * s(3 * Mp) + 0.00042 * E * s(M + 2 * F) + 0.00038 * E * s(M - 2 * F) -
    0.00024 * E * s(2 * Mp - M) - 0.00017 * s(O) - 0.00007 * s(Mp + 2 * M) + 0.00004 * s(2 * Mp - 2 * F) +
    0.00004 * s(3 * M) + 0.00003 * s(Mp + M - 2 * F) + 0.00003 * s(2 * Mp + 2 * F) - 0.00003 * s(Mp + M + 2 * F) +
    0.00003 * s(Mp - M + 2 * F) - 0.00002 * s(Mp - M - 2 * F) - 0.00002 * s(3 * Mp + M) + 0.00002 * s(4 * Mp);
  const A = [
    [299.77 + 0.107408 * k - 0.009173 * T2, 0.000325], [251.88 + 0.016321 * k, 0.000165], [251.83 + 26.651886 * k, 0.000164],
    [349.42 + 36.412478 * k, 0.000126], [84.66 + 18.206239 * k, 0.00011], [141.74 + 53.303771 * k, 0.000062],
    [207.14 + 2.453732 * k, 0.00006], [154.84 + 7.30686 * k, 0.000056], [34.52 + 27.261239 * k, 0.000047],
    [207.19 + 0.121824 * k, 0.000042], [291.34 + 1.844379 * k, 0.00004], [161.72 + 24.198154 * k, 0.000037],
    [239.56 + 25.513099 * k, 0.000035], [331.55 + 3.592518 * k, 0.000023],
  ] as const;
  for (const [arg, coef] of A) jde += coef * Math.sin(arg * RAD);
  return jde;
}

/** Meeus ch. 25 (low accuracy): the sun's apparent longitude in degrees [0, 360) at JDE. */
function solarLongitude(jde: number): number {
  const T = (jde - 2451545) / 36525;
  const L0 = 280.46646 + 36000.76983 * T + 0.0003032 * T * T;
  const M = (357.52911 + 35999.05029 * T - 0.0001537 * T * T) * RAD;
  const C = (1.914602 - 0.004817 * T - 0.000014 * T * T) * Math.sin(M) + (0.019993 - 0.000101 * T) * Math.sin(2 * M) + 0.000289 * Math.sin(3 * M);
  const omega = (125.04 - 1934.136 * T) * RAD;
  const lambda = L0 + C - 0.00569 - 0.00478 * Math.sin(omega);
  return ((lambda % 360) + 360) % 360;
}

/** JDE at which the sun reaches `longitude` degrees in (roughly) the given Gregorian year. */
function solarLongitudeTime(year: number, longitude: number): number {
  // Start from the mean date (longitude 0 near March 20) and refine (Meeus ch. 27 iteration).
  let jde = dayNumber(year, 3, 20) + ((longitude / 360) * 365.2422);
  for (let i = 0; i < 50; i++) {
    const d = 58 * Math.sin((longitude - solarLongitude(jde)) * RAD);
    jde += d;
    if (Math.abs(d) < 1e-7) break;
  }
  return jde;
}

/** ΔT = TT − UT in seconds (Espenak & Meeus polynomials), at a Julian day. */
function deltaT(jd: number): number {
  const y = 2000 + (jd - 2451544.5) / 365.2425;
  let t: number;
  if (y < 1900) { t = y - 1860; return 7.62 + 0.5737 * t - 0.251754 * t ** 2 + 0.01680668 * t ** 3 - 0.0004473624 * t ** 4 + t ** 5 / 233174; }
  if (y < 1920) { t = y - 1900; return -2.79 + 1.494119 * t - 0.0598939 * t ** 2 + 0.0061966 * t ** 3 - 0.000197 * t ** 4; }
  if (y < 1941) { t = y - 1920; return 21.2 + 0.84493 * t - 0.0761 * t ** 2 + 0.0020936 * t ** 3; }
  if (y < 1961) { t = y - 1950; return 29.07 + 0.407 * t - t ** 2 / 233 + t ** 3 / 2547; }
  if (y < 1986) { t = y - 1975; return 45.45 + 1.067 * t - t ** 2 / 260 - t ** 3 / 718; }
  if (y < 2005) { t = y - 2000; return 63.86 + 0.3345 * t - 0.060374 * t ** 2 + 0.0017275 * t ** 3 + 0.000651814 * t ** 4 + 0.00002373599 * t ** 5; }
  if (y < 2050) { t = y - 2000; return 62.92 + 0.32217 * t + 0.005589 * t ** 2; }
  if (y < 2150) return -20 + 32 * ((y - 1820) / 100) ** 2 - 0.5628 * (2150 - y);
  return -20 + 32 * ((y - 1820) / 100) ** 2;
}

/** Julian day number of a proleptic Gregorian date. */
function dayNumber(year: number, month: number, day: number): number {
  const a = Math.floor((14 - month) / 12);
  const y = year + 4800 - a;
  const m = month + 12 * a - 3;
  return day + Math.floor((153 * m + 2) / 5) + 365 * y + Math.floor(y / 4) - Math.floor(y / 100) + Math.floor(y / 400) - 32045;
}

function fromDayNumber(jdn: number): CivilDate {
  const a = jdn + 32044;
  const b = Math.floor((4 * a + 3) / 146097);
  const c = a - Math.floor((146097 * b) / 4);
  const d = Math.floor((4 * c + 3) / 1461);
  const e = c - Math.floor((1461 * d) / 4);
  const m = Math.floor((5 * e + 2) / 153);
  return {
    day: e - Math.floor((153 * m + 2) / 5) + 1,
    month: m + 3 - 12 * Math.floor(m / 10),
    year: 100 * b + d - 4800 + Math.floor(m / 10),
  };
}
