import { describe, expect, it } from 'vitest';
import { chinaDate, chineseNewYear, lanternFestival, lunarYearOf, zodiacForDate, zodiacForLunarYear } from '../src/lunar.js';
import { chineseNewYear as meeusNewYear, lanternFestival as meeusLanternFestival } from './crosscheck/meeusNewYear.js';

// Published Spring Festival dates (China), including the leap-month cases 1985 and 2034 (the "2033 problem").
// 2052 and 2053 are left out: published tables disagree (new moons within minutes of midnight).
const KNOWN: Record<number, string> = {
  1900: '01-31', 1901: '02-19', 1912: '02-18', 1920: '02-20', 1929: '02-10', 1950: '02-17', 1966: '01-21', 1976: '01-31',
  1985: '02-20', 1990: '01-27', 1995: '01-31', 1996: '02-19', 1997: '02-07', 1998: '01-28', 1999: '02-16',
  2000: '02-05', 2001: '01-24', 2002: '02-12', 2003: '02-01', 2004: '01-22', 2005: '02-09', 2006: '01-29',
  2007: '02-18', 2008: '02-07', 2009: '01-26', 2010: '02-14', 2011: '02-03', 2012: '01-23', 2013: '02-10',
  2014: '01-31', 2015: '02-19', 2016: '02-08', 2017: '01-28', 2018: '02-16', 2019: '02-05', 2020: '01-25',
  2021: '02-12', 2022: '02-01', 2023: '01-22', 2024: '02-10', 2025: '01-29', 2026: '02-17', 2027: '02-06',
  2028: '01-26', 2029: '02-13', 2030: '02-03', 2031: '01-23', 2032: '02-11', 2033: '01-31', 2034: '02-19',
  2035: '02-08', 2036: '01-28', 2040: '02-12', 2050: '01-23', 2057: '02-04', 2058: '01-24', 2060: '02-02', 2100: '02-09',
};

const fmt = (d: { month: number; day: number }) => `${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;

describe('lunar calendar', () => {
  it.each(Object.entries(KNOWN))('Chinese New Year %s is on %s', (year, date) => {
    expect(fmt(chineseNewYear(Number(year)))).toBe(date);
  });

  it('falls between January 21 and February 20 for every year 1900–2200', () => {
    for (let y = 1900; y <= 2200; y++) {
      const d = chineseNewYear(y);
      const key = d.month * 100 + d.day;
      expect(key, String(y)).toBeGreaterThanOrEqual(121);
      expect(key, String(y)).toBeLessThanOrEqual(220);
    }
  });

  it('agrees with an independent astronomical computation (Meeus) for 1900–2200', () => {
    for (let y = 1900; y <= 2200; y++) {
      expect(chineseNewYear(y), String(y)).toEqual(meeusNewYear(y));
      expect(lanternFestival(y), String(y)).toEqual(meeusLanternFestival(y));
    }
  });

  it('puts the Lantern Festival 14 days after New Year', () => {
    expect(lanternFestival(2021)).toEqual({ year: 2021, month: 2, day: 26 });
    expect(lanternFestival(2025)).toEqual({ year: 2025, month: 2, day: 12 });
  });

  it('names the zodiac of lunar years and dates', () => {
    expect(zodiacForLunarYear(2021)).toBe('ox');
    expect(zodiacForLunarYear(2024)).toBe('dragon');
    expect(zodiacForLunarYear(1900)).toBe('rat');
    expect(zodiacForDate({ year: 2021, month: 2, day: 11 })).toBe('rat');
    expect(zodiacForDate({ year: 2021, month: 2, day: 12 })).toBe('ox');
    expect(lunarYearOf({ year: 2025, month: 1, day: 28 })).toBe(2024);
    expect(zodiacForDate({ year: 2025, month: 1, day: 29 })).toBe('snake');
  });

  it('converts epoch milliseconds to the date in China', () => {
    // 2021-02-11T16:00:00Z is midnight of Feb 12 in Beijing.
    expect(chinaDate(Date.UTC(2021, 1, 11, 16, 0, 0))).toEqual({ year: 2021, month: 2, day: 12 });
    expect(chinaDate(Date.UTC(2021, 1, 11, 15, 59, 59))).toEqual({ year: 2021, month: 2, day: 11 });
  });

  it('rejects years outside the supported range', () => {
    expect(() => chineseNewYear(1800)).toThrow(RangeError);
    expect(() => chineseNewYear(2020.5)).toThrow(RangeError);
  });
});
