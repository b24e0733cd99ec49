/**
 * Civil days and wall-clock times in an IANA zone, without a clock: `Intl.DateTimeFormat` answers the
 * zone's offset at an instant; local → instant is solved by iterating on that offset. A wall time that
 * does not exist (the hour skipped when DST starts) moves forward by the gap, as clocks do; one that
 * exists twice (DST ends) takes the reading after the change.
 */

export const DEFAULT_ZONE = 'Asia/Shanghai';
const DAY_MS = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();
const offsetCache = new Map<string, number>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(tz, f);
  }
  return f;
}

export function isValidZone(tz: string): boolean {
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

/** The zone's offset from UTC in ms at an instant (east positive: Asia/Shanghai = +8 h). */
export function zoneOffset(tz: string, t: number): number {
  // Offsets change on whole minutes at most every few months: cache by the quarter hour.
  const key = `${tz}|${Math.floor(t / 900_000)}`;
  const cached = offsetCache.get(key);
  if (cached !== undefined) return cached;
  const parts = formatter(tz).formatToParts(t);
  const n = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const asUtc = Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second'));
  const offset = asUtc - (t - (((t % 1000) + 1000) % 1000));
  if (offsetCache.size > 200_000) offsetCache.clear();
  offsetCache.set(key, offset);
  return offset;
}

export interface CivilParts {
  year: number;
  month: number;
  day: number;
}

export function parseDay(day: string): CivilParts {
  const [year, month, d] = day.split('-').map(Number) as [number, number, number];
  return { year, month, day: d };
}

export function formatDay(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** Days since 1970-01-01 of a civil day (zone-free arithmetic on dates). */
export function dayIndex(day: string): number {
  const p = parseDay(day);
  return Math.floor(Date.UTC(p.year, p.month - 1, p.day) / DAY_MS);
}

const utcDayCache = new Map<number, string>();
/** Civil day from a day index, cached (hot in plan compilation). */
export function dayOf(index: number): string {
  let d = utcDayCache.get(index);
  if (d === undefined) {
    const ms = index * DAY_MS;
    // Civil from days (H. Hinnant's algorithm): no formatter needed.
    const z = Math.floor(ms / DAY_MS) + 719468;
    const era = Math.floor(z / 146097);
    const doe = z - era * 146097;
    const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
    const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
    const mp = Math.floor((5 * doy + 2) / 153);
    const dd = doy - Math.floor((153 * mp + 2) / 5) + 1;
    const m = mp < 10 ? mp + 3 : mp - 9;
    const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
    d = formatDay(y, m, dd);
    if (utcDayCache.size > 100_000) utcDayCache.clear();
    utcDayCache.set(index, d);
  }
  return d;
}

export function addDays(day: string, n: number): string {
  return dayOf(dayIndex(day) + n);
}

/** ISO weekday of a civil day: 1 = Monday … 7 = Sunday. */
export function weekdayOf(day: string): number {
  const idx = dayIndex(day); // 1970-01-01 was a Thursday (4)
  return ((((idx + 3) % 7) + 7) % 7) + 1;
}

/** The civil day in `tz` at instant t. */
export function localDay(tz: string, t: number): string {
  return dayOf(Math.floor((t + zoneOffset(tz, t)) / DAY_MS));
}

/** Minutes since local midnight at instant t (0-1439.99…). */
export function localMinutes(tz: string, t: number): number {
  const local = t + zoneOffset(tz, t);
  return (((local % DAY_MS) + DAY_MS) % DAY_MS) / 60_000;
}

/** The instant of wall-clock `minutes` after midnight of `day` in `tz` (minutes may exceed 1440). */
export function localToEpoch(tz: string, day: string, minutes: number): number {
  const p = parseDay(day);
  const wall = Date.UTC(p.year, p.month - 1, p.day) + Math.round(minutes * 60_000);
  let t = wall - zoneOffset(tz, wall);
  const o2 = zoneOffset(tz, t);
  const t2 = wall - o2;
  if (t2 !== t) {
    // Near a change: prefer the reading whose offset agrees with itself; in a gap move forward.
    const o3 = zoneOffset(tz, t2);
    if (o3 === o2) t = t2;
    else t = Math.max(t, t2);
  }
  return t;
}

/** Local midnight of `day` in `tz`. */
export function dayStart(tz: string, day: string): number {
  return localToEpoch(tz, day, 0);
}

export function parseClock(clock: string): number {
  const [h, m] = clock.split(':').map(Number) as [number, number];
  return h * 60 + m;
}
