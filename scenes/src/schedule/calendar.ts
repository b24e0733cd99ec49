/**
 * The Chinese calendar, computed by lunar-javascript (no tables of our own): lunar dates with leap
 * months, the traditional festivals, the 24 solar terms (节气), and the official public holidays with
 * their make-up workdays (调休) for the years the library carries. New Year's Day (元旦, 1 January)
 * and National Day (国庆, 1-3 October, the statutory days) are holidays every year, also where the
 * library has no official schedule yet. Results are memoised per year: they never change.
 */
import { HolidayUtil, Lunar, LunarMonth, LunarYear, Solar } from 'lunar-javascript';
import { FESTIVAL_IDS, SOLAR_TERM_IDS, type CivilDay, type FestivalId, type HolidayId, type SolarTermId } from './schema.js';
import { addDays, formatDay, parseDay, weekdayOf } from './zone.js';

export interface CalendarEntry {
  date: CivilDay;
  kind: 'festival' | 'solar-term' | 'holiday' | 'workday';
  id: string;
  name: { zh: string; en: string };
}

export interface OfficialDay {
  holiday: HolidayId | null;
  /** A working day by the official calendar, 调休 Saturdays and Sundays included. */
  workday: boolean;
  name?: { zh: string; en: string };
}

/** The years lunar-javascript answers for (its tables start in 1900). */
export const CALENDAR_MIN_YEAR = 1900;
export const CALENDAR_MAX_YEAR = 2200;

export const FESTIVAL_NAMES: Record<FestivalId, { zh: string; en: string }> = {
  chuxi: { zh: '除夕', en: "Lunar New Year's Eve" },
  chunjie: { zh: '春节', en: 'Spring Festival' },
  yuanxiao: { zh: '元宵节', en: 'Lantern Festival' },
  duanwu: { zh: '端午节', en: 'Dragon Boat Festival' },
  qixi: { zh: '七夕', en: 'Qixi Festival' },
  zhongyuan: { zh: '中元节', en: 'Ghost Festival' },
  zhongqiu: { zh: '中秋节', en: 'Mid-Autumn Festival' },
  chongyang: { zh: '重阳节', en: 'Double Ninth Festival' },
  laba: { zh: '腊八节', en: 'Laba Festival' },
  xiaonian: { zh: '小年', en: 'Little New Year' },
  yuandan: { zh: '元旦', en: "New Year's Day" },
  guoqing: { zh: '国庆节', en: 'National Day' },
  qingming: { zh: '清明节', en: 'Qingming Festival' },
};

/** Lunar month and day of the festivals that follow the moon. */
const LUNAR_FESTIVALS: Partial<Record<FestivalId, [number, number]>> = {
  chunjie: [1, 1], yuanxiao: [1, 15], duanwu: [5, 5], qixi: [7, 7], zhongyuan: [7, 15], zhongqiu: [8, 15], chongyang: [9, 9],
  laba: [12, 8], xiaonian: [12, 23],
};

const SOLAR_TERM_ZH: Record<SolarTermId, string> = {
  xiaohan: '小寒', dahan: '大寒', lichun: '立春', yushui: '雨水', jingzhe: '惊蛰', chunfen: '春分', qingming: '清明', guyu: '谷雨',
  lixia: '立夏', xiaoman: '小满', mangzhong: '芒种', xiazhi: '夏至', xiaoshu: '小暑', dashu: '大暑', liqiu: '立秋', chushu: '处暑',
  bailu: '白露', qiufen: '秋分', hanlu: '寒露', shuangjiang: '霜降', lidong: '立冬', xiaoxue: '小雪', daxue: '大雪', dongzhi: '冬至',
};
const SOLAR_TERM_EN: Record<SolarTermId, string> = {
  xiaohan: 'Minor Cold', dahan: 'Major Cold', lichun: 'Start of Spring', yushui: 'Rain Water', jingzhe: 'Awakening of Insects',
  chunfen: 'Spring Equinox', qingming: 'Clear and Bright', guyu: 'Grain Rain', lixia: 'Start of Summer', xiaoman: 'Grain Buds',
  mangzhong: 'Grain in Ear', xiazhi: 'Summer Solstice', xiaoshu: 'Minor Heat', dashu: 'Major Heat', liqiu: 'Start of Autumn',
  chushu: 'End of Heat', bailu: 'White Dew', qiufen: 'Autumn Equinox', hanlu: 'Cold Dew', shuangjiang: "Frost's Descent",
  lidong: 'Start of Winter', xiaoxue: 'Minor Snow', daxue: 'Major Snow', dongzhi: 'Winter Solstice',
};
/** lunar-javascript names the terms of the neighbouring years in its table with these keys. */
const TABLE_ALIASES: Record<string, string> = {
  DA_XUE: '大雪', DONG_ZHI: '冬至', XIAO_HAN: '小寒', DA_HAN: '大寒', LI_CHUN: '立春', YU_SHUI: '雨水', JING_ZHE: '惊蛰',
};
/** Names of the solar terms, for pickers. */
export const SOLAR_TERM_NAMES: Record<SolarTermId, { zh: string; en: string }> = Object.fromEntries(
  SOLAR_TERM_IDS.map((id) => [id, { zh: SOLAR_TERM_ZH[id], en: SOLAR_TERM_EN[id] }]),
) as Record<SolarTermId, { zh: string; en: string }>;
const TERM_BY_ZH = new Map<string, SolarTermId>(SOLAR_TERM_IDS.map((id) => [SOLAR_TERM_ZH[id], id]));

export const HOLIDAY_NAMES: Record<HolidayId, { zh: string; en: string }> = {
  'new-year': { zh: '元旦', en: "New Year's Day" },
  'spring-festival': { zh: '春节', en: 'Spring Festival' },
  qingming: { zh: '清明节', en: 'Qingming Festival' },
  'labour-day': { zh: '劳动节', en: 'Labour Day' },
  'dragon-boat': { zh: '端午节', en: 'Dragon Boat Festival' },
  'mid-autumn': { zh: '中秋节', en: 'Mid-Autumn Festival' },
  'national-day': { zh: '国庆节', en: 'National Day' },
};
/** The library's holiday names → ours; a combined period counts for both. */
const LIBRARY_HOLIDAYS: Record<string, HolidayId[]> = {
  元旦节: ['new-year'], 春节: ['spring-festival'], 清明节: ['qingming'], 劳动节: ['labour-day'], 端午节: ['dragon-boat'],
  中秋节: ['mid-autumn'], 国庆节: ['national-day'], 国庆中秋: ['national-day', 'mid-autumn'],
};

function checkYear(year: number): void {
  if (!Number.isInteger(year) || year < CALENDAR_MIN_YEAR || year > CALENDAR_MAX_YEAR) {
    throw new RangeError(`year must be an integer ${CALENDAR_MIN_YEAR}-${CALENDAR_MAX_YEAR}, got ${year}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Lunar dates

/** The civil day of a lunar date; `month` negative or `leap` true for a leap month. null if it does not exist. */
export function lunarToCivil(lunarYear: number, month: number, day: number | 'last', leap = false): CivilDay | null {
  checkYear(lunarYear);
  const m = leap ? -Math.abs(month) : month;
  if (leap && LunarYear.fromYear(lunarYear).getLeapMonth() !== Math.abs(month)) return null;
  const info = LunarMonth.fromYm(lunarYear, m);
  if (!info) return null;
  const d = day === 'last' ? info.getDayCount() : day;
  if (d < 1 || d > info.getDayCount()) return null;
  return Lunar.fromYmd(lunarYear, m, d).getSolar().toYmd();
}

export interface LunarInfo {
  year: number;
  /** 1-12 */
  month: number;
  leap: boolean;
  day: number;
  /** the last day of its lunar month */
  last: boolean;
  /** the solar term that begins this day, if any (Chinese name) */
  term: string;
}

const lunarCache = new Map<string, LunarInfo>();

/** The lunar date of a civil day. */
export function lunarOf(day: CivilDay): LunarInfo {
  let info = lunarCache.get(day);
  if (!info) {
    const p = parseDay(day);
    const l = Solar.fromYmd(p.year, p.month, p.day).getLunar();
    const m = l.getMonth();
    const length = LunarMonth.fromYm(l.getYear(), m)?.getDayCount() ?? 30;
    info = { year: l.getYear(), month: Math.abs(m), leap: m < 0, day: l.getDay(), last: l.getDay() === length, term: l.getJieQi() };
    if (lunarCache.size > 50_000) lunarCache.clear();
    lunarCache.set(day, info);
  }
  return info;
}

// ---------------------------------------------------------------------------------------------
// Festivals and solar terms

const festivalCache = new Map<string, CivilDay[]>();

/** Every date of a festival in civil year `year` (腊八 and 小年 may fall twice, or not at all). */
export function festivalDates(id: FestivalId, year: number): CivilDay[] {
  checkYear(year);
  const key = `${id}|${year}`;
  let out = festivalCache.get(key);
  if (out) return out;
  const y = String(year);
  if (id === 'yuandan') out = [formatDay(year, 1, 1)];
  else if (id === 'guoqing') out = [formatDay(year, 10, 1)];
  else if (id === 'qingming') out = [solarTermDate('qingming', year)];
  else if (id === 'chuxi') {
    // The eve of the Spring Festival: the last day of the 12th month, whether it has 29 or 30 days.
    out = [addDays(lunarToCivil(year, 1, 1)!, -1)];
  } else {
    const [m, d] = LUNAR_FESTIVALS[id]!;
    const candidates = [year - 1, year].filter((ly) => ly >= CALENDAR_MIN_YEAR).map((ly) => lunarToCivil(ly, m, d));
    out = candidates.filter((c): c is string => c !== null && c.startsWith(y));
  }
  festivalCache.set(key, out);
  return out;
}

/** The date of a festival in civil year `year` (the first, for the two that can fall twice). */
export function festivalDate(id: FestivalId, year: number): CivilDay {
  const dates = festivalDates(id, year);
  // 腊八 can miss a civil year entirely (it fell on 2022-12-30 and 2024-01-18): give the nearest.
  return dates[0] ?? festivalDates(id, year + 1)[0] ?? '';
}

const termCache = new Map<number, Map<SolarTermId, CivilDay>>();

function termsOf(year: number): Map<SolarTermId, CivilDay> {
  let terms = termCache.get(year);
  if (!terms) {
    terms = new Map();
    const y = String(year);
    for (const source of [Lunar.fromYmd(year, 6, 1), Lunar.fromYmd(year - 1 >= CALENDAR_MIN_YEAR ? year - 1 : year, 6, 1)]) {
      const table = source.getJieQiTable();
      for (const [key, solar] of Object.entries(table)) {
        const id = TERM_BY_ZH.get(TABLE_ALIASES[key] ?? key);
        const date = solar.toYmd();
        if (id && date.startsWith(y) && !terms.has(id)) terms.set(id, date);
      }
    }
    termCache.set(year, terms);
  }
  return terms;
}

/** The day a solar term begins in civil year `year`, in China time. */
export function solarTermDate(id: SolarTermId, year: number): CivilDay {
  checkYear(year);
  return termsOf(year).get(id)!;
}

// ---------------------------------------------------------------------------------------------
// Official holidays

interface OfficialYear {
  days: Map<CivilDay, { holidays: HolidayId[]; workday: boolean; zh: string }>;
  /** whether lunar-javascript carries the official schedule of this year */
  official: boolean;
}
const officialCache = new Map<number, OfficialYear>();

function officialYear(year: number): OfficialYear {
  let y = officialCache.get(year);
  if (y) return y;
  const days: OfficialYear['days'] = new Map();
  const list = HolidayUtil.getHolidays(year);
  for (const h of list) {
    const ids = LIBRARY_HOLIDAYS[h.getName()] ?? [];
    days.set(h.getDay(), { holidays: h.isWork() ? [] : ids, workday: h.isWork(), zh: h.isWork() ? `${h.getName()}调休` : h.getName() });
  }
  // New Year's Day and National Day's statutory days, every year (already there when the library has the year).
  const fixed: Array<[CivilDay, HolidayId]> = [
    [formatDay(year, 1, 1), 'new-year'], [formatDay(year, 10, 1), 'national-day'], [formatDay(year, 10, 2), 'national-day'], [formatDay(year, 10, 3), 'national-day'],
  ];
  for (const [d, id] of fixed) {
    const have = days.get(d);
    if (!have) days.set(d, { holidays: [id], workday: false, zh: HOLIDAY_NAMES[id].zh });
    else if (!have.holidays.includes(id)) have.holidays.push(id);
  }
  y = { days, official: list.length > 0 };
  officialCache.set(year, y);
  return y;
}

/** The holidays (one or two: 国庆中秋) whose official period contains the day. */
export function holidaysOn(day: CivilDay): HolidayId[] {
  return officialYear(parseDay(day).year).days.get(day)?.holidays ?? [];
}

/** The official status of a civil day: which holiday it is part of, and whether people work (incl. 调休). */
export function officialDay(day: CivilDay): OfficialDay {
  const entry = officialYear(parseDay(day).year).days.get(day);
  if (entry) {
    const id = entry.holidays[0] ?? null;
    const name = id ? HOLIDAY_NAMES[id] : entry.workday ? { zh: entry.zh, en: 'make-up workday' } : { zh: entry.zh, en: entry.zh };
    return { holiday: entry.workday ? null : id, workday: entry.workday, name };
  }
  return { holiday: null, workday: weekdayOf(day) <= 5 };
}

/** Whether lunar-javascript has the official holiday schedule for that year. */
export function hasOfficialSchedule(year: number): boolean {
  return officialYear(year).official;
}

// ---------------------------------------------------------------------------------------------

const yearCache = new Map<number, CalendarEntry[]>();

/** Everything the rules can name in one civil year, by date. */
export function calendarYear(year: number): CalendarEntry[] {
  checkYear(year);
  const cached = yearCache.get(year);
  if (cached) return cached;
  const out: CalendarEntry[] = [];
  for (const id of FESTIVAL_IDS) for (const date of festivalDates(id, year)) out.push({ date, kind: 'festival', id, name: FESTIVAL_NAMES[id] });
  for (const [id, date] of termsOf(year)) out.push({ date, kind: 'solar-term', id, name: { zh: SOLAR_TERM_ZH[id], en: SOLAR_TERM_EN[id] } });
  for (const [date, e] of officialYear(year).days) {
    if (e.workday) out.push({ date, kind: 'workday', id: 'workday', name: { zh: e.zh, en: 'make-up workday' } });
    for (const id of e.holidays) out.push({ date, kind: 'holiday', id, name: HOLIDAY_NAMES[id] });
  }
  const order = { festival: 0, 'solar-term': 1, holiday: 2, workday: 3 } as const;
  out.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : order[a.kind] - order[b.kind] || (a.id < b.id ? -1 : 1)));
  yearCache.set(year, out);
  return out;
}

/** The spans [from, to] (inclusive civil days) of a named range (e.g. 除夕 → 元宵), for the years around `year`. */
export function festivalRanges(from: FestivalId, to: FestivalId, year: number): Array<[CivilDay, CivilDay]> {
  const out: Array<[CivilDay, CivilDay]> = [];
  for (const y of [year - 1, year]) {
    if (y < CALENDAR_MIN_YEAR || y + 1 > CALENDAR_MAX_YEAR) continue;
    for (const start of festivalDates(from, y)) {
      const ends = [...festivalDates(to, y), ...festivalDates(to, y + 1)].filter((e) => e >= start).sort();
      if (ends[0]) out.push([start, ends[0]]);
    }
  }
  return out;
}
