import { describe, expect, it } from 'vitest';
import { calendarYear, festivalDate, lunarToCivil, officialDay } from '../src/schedule/calendar.js';
import { addDays } from '../src/schedule/zone.js';
import { chineseNewYear as meeusNewYear, lanternFestival as meeusLantern } from './crosscheck/meeusNewYear.js';

/**
 * 除夕, 春节, 元宵, 端午, 中秋 for 2024–2040, read from the Hong Kong Observatory's
 * "Gregorian-Lunar Calendar Conversion Table" (https://www.hko.gov.hk/en/gts/time/conversion.htm,
 * one table per year, e.g. .../calendar/text/files/T2028e.txt): the civil dates of lunar 12/last,
 * 1/1, 1/15, 5/5 and 8/15.
 */
const PUBLISHED: Record<number, [string, string, string, string, string]> = {
  2024: ['02-09', '02-10', '02-24', '06-10', '09-17'],
  2025: ['01-28', '01-29', '02-12', '05-31', '10-06'],
  2026: ['02-16', '02-17', '03-03', '06-19', '09-25'],
  2027: ['02-05', '02-06', '02-20', '06-09', '09-15'],
  2028: ['01-25', '01-26', '02-09', '05-28', '10-03'],
  2029: ['02-12', '02-13', '02-27', '06-16', '09-22'],
  2030: ['02-02', '02-03', '02-17', '06-05', '09-12'],
  2031: ['01-22', '01-23', '02-06', '06-24', '10-01'],
  2032: ['02-10', '02-11', '02-25', '06-12', '09-19'],
  2033: ['01-30', '01-31', '02-14', '06-01', '09-08'],
  2034: ['02-18', '02-19', '03-05', '06-20', '09-27'],
  2035: ['02-07', '02-08', '02-22', '06-10', '09-16'],
  2036: ['01-27', '01-28', '02-11', '05-30', '10-04'],
  2037: ['02-14', '02-15', '03-01', '06-18', '09-24'],
  2038: ['02-03', '02-04', '02-18', '06-07', '09-13'],
  2039: ['01-23', '01-24', '02-07', '05-27', '10-02'],
  2040: ['02-11', '02-12', '02-26', '06-14', '09-20'],
};

const pad = (n: number) => String(n).padStart(2, '0');

describe('the Chinese calendar (lunar-javascript)', () => {
  it.each(Object.entries(PUBLISHED))('%s: 除夕 春节 元宵 端午 中秋 match the published table', (y, dates) => {
    const year = Number(y);
    const got = (['chuxi', 'chunjie', 'yuanxiao', 'duanwu', 'zhongqiu'] as const).map((f) => festivalDate(f, year));
    expect(got).toEqual(dates.map((d) => `${year}-${d}`));
  });

  it('agrees with the independent astronomical computation for 春节 and 元宵, 2024–2040', () => {
    for (let y = 2024; y <= 2040; y++) {
      const ny = meeusNewYear(y);
      const lf = meeusLantern(y);
      expect(festivalDate('chunjie', y)).toBe(`${y}-${pad(ny.month)}-${pad(ny.day)}`);
      expect(festivalDate('yuanxiao', y)).toBe(`${y}-${pad(lf.month)}-${pad(lf.day)}`);
    }
  });

  it('puts 除夕 on the last day of the 12th month, whether it has 29 or 30 days', () => {
    const lengths = new Set<string>();
    for (let y = 2024; y <= 2040; y++) {
      const eve = festivalDate('chuxi', y);
      expect(eve).toBe(lunarToCivil(y - 1, 12, 'last'));
      expect(addDays(eve, 1)).toBe(festivalDate('chunjie', y));
      lengths.add(lunarToCivil(y - 1, 12, 30) === null ? '29' : '30');
    }
    expect([...lengths].sort()).toEqual(['29', '30']); // both cases happen in the span (2026's eve is 腊月廿九)
    expect(lunarToCivil(2025, 12, 30)).toBeNull();
    expect(festivalDate('chuxi', 2026)).toBe('2026-02-16');
  });

  it('knows Mid-Autumn 2026 and the other lunar festivals', () => {
    expect(festivalDate('zhongqiu', 2026)).toBe('2026-09-25');
    expect(festivalDate('qixi', 2026)).toBe('2026-08-19');
    expect(festivalDate('chongyang', 2026)).toBe('2026-10-18');
    expect(festivalDate('xiaonian', 2026)).toBe('2026-02-10');
    expect(festivalDate('qingming', 2026)).toBe('2026-04-05');
    expect(festivalDate('yuandan', 2031)).toBe('2031-01-01');
    expect(festivalDate('guoqing', 2031)).toBe('2031-10-01');
  });

  it('resolves leap months and refuses the ones that do not exist', () => {
    // 2025 has a leap 6th month (闰六月), 2023 a leap 2nd month (闰二月); 2026 has none.
    expect(lunarToCivil(2025, 6, 1, true)).toBe('2025-07-25');
    expect(lunarToCivil(2025, 6, 1)).toBe('2025-06-25');
    expect(lunarToCivil(2023, 2, 1, true)).toBe('2023-03-22');
    expect(lunarToCivil(2023, 2, 'last', true)).toBe('2023-04-19');
    expect(lunarToCivil(2026, 6, 1, true)).toBeNull();
    expect(lunarToCivil(2025, 7, 1, true)).toBeNull();
  });

  it('has the official holidays and make-up workdays (调休) the library carries, and 元旦 / 国庆 every year', () => {
    expect(officialDay('2026-02-17')).toMatchObject({ holiday: 'spring-festival', workday: false });
    expect(officialDay('2026-02-14')).toMatchObject({ holiday: null, workday: true }); // a Saturday worked
    expect(officialDay('2025-10-06')).toMatchObject({ holiday: 'national-day', workday: false }); // 国庆中秋 together
    expect(officialDay('2026-03-04')).toEqual({ holiday: null, workday: true });
    expect(officialDay('2026-03-07')).toEqual({ holiday: null, workday: false }); // an ordinary Saturday
    // Years without an official schedule in the library still have New Year's Day and National Day.
    expect(officialDay('2031-01-01')).toMatchObject({ holiday: 'new-year', workday: false });
    expect(officialDay('2031-10-02')).toMatchObject({ holiday: 'national-day', workday: false });
  });

  it('lists a year: festivals, 24 solar terms, holiday days and make-up workdays, by date', () => {
    const y = calendarYear(2026);
    expect(y.filter((e) => e.kind === 'solar-term')).toHaveLength(24);
    expect(y.find((e) => e.id === 'dongzhi')?.date).toBe('2026-12-22');
    expect(y.find((e) => e.id === 'qingming' && e.kind === 'solar-term')?.date).toBe('2026-04-05');
    expect(y.filter((e) => e.kind === 'festival').map((e) => e.id)).toEqual(expect.arrayContaining(['chuxi', 'chunjie', 'yuanxiao', 'zhongqiu', 'yuandan', 'guoqing']));
    expect(y.some((e) => e.kind === 'workday' && e.date === '2026-02-14')).toBe(true);
    expect(y.filter((e) => e.kind === 'holiday' && e.id === 'national-day').length).toBeGreaterThanOrEqual(7);
    const dates = y.map((e) => e.date);
    expect(dates).toEqual([...dates].sort());
    expect(y.every((e) => e.date.startsWith('2026-') && e.name.zh && e.name.en)).toBe(true);
  });
});
