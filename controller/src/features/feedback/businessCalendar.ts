/// <reference path="./lunar-javascript.d.ts" />
/**
 * The business calendar ticket deadlines run on: working hours on working days, in China's time
 * (Asia/Shanghai, UTC+8 all year). A working day is Monday to Friday, except the official holidays, plus
 * the make-up workdays (调休) that fall on a weekend; both come from lunar-javascript's `HolidayUtil`,
 * which carries the State Council's yearly notices. Pure: every function takes the time it works on.
 */
import lunar from 'lunar-javascript';

const { HolidayUtil } = lunar;
const DAY_MS = 86_400_000;
/** Asia/Shanghai has no daylight saving time: local = UTC + 8 h. */
const OFFSET_MS = 8 * 3_600_000;
/** Longest span a deadline computation walks (ten years of days). */
const MAX_DAYS = 3660;

export interface WorkingPeriod {
  /** Local time 'HH:MM'. */
  from: string;
  to: string;
}

export const DEFAULT_WORKING_HOURS: readonly WorkingPeriod[] = [
  { from: '08:30', to: '12:00' },
  { from: '13:30', to: '17:30' },
];

const minutesOf = (hhmm: string): number => {
  const m = /^([01]\d|2[0-4]):([0-5]\d)$/.exec(hhmm);
  if (!m) throw new TypeError(`working hours: '${hhmm}' is not HH:MM`);
  return Number(m[1]) * 60 + Number(m[2]);
};

export class BusinessCalendar {
  /** Working periods of a day as [start, end) ms after local midnight, in order. */
  private readonly periods: ReadonlyArray<readonly [number, number]>;
  /** Working ms of one working day. */
  readonly dayMs: number;

  constructor(workingHours: readonly WorkingPeriod[] = DEFAULT_WORKING_HOURS) {
    const periods = workingHours.map((p) => [minutesOf(p.from) * 60_000, minutesOf(p.to) * 60_000] as const).sort((a, b) => a[0] - b[0]);
    for (let i = 0; i < periods.length; i++) {
      const [a, b] = periods[i]!;
      if (b <= a) throw new TypeError(`working hours: ${workingHours[i]!.from}-${workingHours[i]!.to} ends before it starts`);
      if (i > 0 && a < periods[i - 1]![1]) throw new TypeError('working hours overlap');
    }
    if (periods.length === 0) throw new TypeError('working hours: at least one period');
    this.periods = periods;
    this.dayMs = periods.reduce((sum, [a, b]) => sum + b - a, 0);
  }

  /** Whether the local day containing `t` is a working day (weekday not a holiday, or a 调休 workday). */
  isWorkday(t: number): boolean {
    const d = new Date(t + OFFSET_MS);
    const holiday = HolidayUtil.getHoliday(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
    if (holiday) return holiday.isWork();
    const weekday = d.getUTCDay();
    return weekday !== 0 && weekday !== 6;
  }

  /** The moment `ms` of working time after `start` has passed. */
  add(start: number, ms: number): number {
    if (ms <= 0) return start;
    let remaining = ms;
    let day = localMidnight(start);
    for (let i = 0; i < MAX_DAYS; i++, day += DAY_MS) {
      if (!this.isWorkday(day)) continue;
      for (const [a, b] of this.periods) {
        const from = Math.max(start, day + a);
        const to = day + b;
        if (from >= to) continue;
        if (remaining <= to - from) return from + remaining;
        remaining -= to - from;
      }
    }
    throw new RangeError('deadline more than ten years of working time away');
  }

  /** Working time between two moments (0 when `to` is not after `from`). */
  between(from: number, to: number): number {
    if (to <= from) return 0;
    let total = 0;
    for (let day = localMidnight(from), i = 0; day < to && i < MAX_DAYS; day += DAY_MS, i++) {
      if (!this.isWorkday(day)) continue;
      for (const [a, b] of this.periods) total += Math.max(0, Math.min(to, day + b) - Math.max(from, day + a));
    }
    return total;
  }
}

/** Epoch ms of the local (Asia/Shanghai) midnight that starts the day of `t`. */
export function localMidnight(t: number): number {
  return Math.floor((t + OFFSET_MS) / DAY_MS) * DAY_MS - OFFSET_MS;
}
