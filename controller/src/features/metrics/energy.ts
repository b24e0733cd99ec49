/**
 * Energy from watts, and what it cost. Each group's readings are integrated one interval at a time: the
 * watts of a reading hold until the next one (a reading says what the group draws from then on), but
 * never across a gap longer than `gapMs` or an offline: a group that stops reporting is not counted as
 * drawing its last value for ever. The result is stored with each reading (`wh`, `burn_s`), so the
 * energy of any range is a sum in either store. Costs use a tariff with time-of-use periods in local
 * hours; a night runs from noon to noon local time, named by the evening's date.
 */
import { chineseNewYear, lanternFestival } from '@caideng/scenes';

export class EnergyIntegrator {
  private readonly last = new Map<string, { ts: number; watts: number }>();

  constructor(private readonly gapMs: number) {}

  /** The energy (Wh) and lit time (s) of the interval that this reading closes. */
  reading(key: string, ts: number, watts: number): { wh: number; burnS: number } {
    const prev = this.last.get(key);
    if (prev && ts <= prev.ts) return { wh: 0, burnS: 0 }; // a repeat or a reading out of order adds nothing
    this.last.set(key, { ts, watts });
    if (!prev) return { wh: 0, burnS: 0 };
    const dt = ts - prev.ts;
    if (dt > this.gapMs) return { wh: 0, burnS: 0 };
    return { wh: (prev.watts * dt) / 3_600_000, burnS: prev.watts > 0 ? dt / 1000 : 0 };
  }

  /** The group went offline: its next reading starts a new interval. */
  forget(key: string): void {
    this.last.delete(key);
  }

  get size(): number {
    return this.last.size;
  }
}

export interface TariffPeriod {
  name: string;
  /** Local hour the period starts, 0–23. */
  fromHour: number;
  /** Local hour it ends (exclusive); before fromHour when it runs past midnight. */
  toHour: number;
  perKWh: number;
}

export interface Tariff {
  currency: string;
  /** Price per kWh outside every period. */
  perKWh: number;
  periods: TariffPeriod[];
}

const hourFormats = new Map<string, Intl.DateTimeFormat>();
const dayFormats = new Map<string, Intl.DateTimeFormat>();

export function localHour(ts: number, timeZone: string): number {
  let f = hourFormats.get(timeZone);
  if (!f) hourFormats.set(timeZone, (f = new Intl.DateTimeFormat('en-GB', { timeZone, hour: 'numeric', hourCycle: 'h23' })));
  return Number(f.format(ts)) % 24;
}

/** YYYY-MM-DD of `ts` in `timeZone`. */
export function localDate(ts: number, timeZone: string): string {
  let f = dayFormats.get(timeZone);
  if (!f) dayFormats.set(timeZone, (f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })));
  return f.format(ts);
}

/** The night a moment belongs to: the local date of the evening (noon to noon). */
export function nightOf(ts: number, timeZone: string): string {
  return localDate(ts - 12 * 3_600_000, timeZone);
}

export function pricePerKWh(tariff: Tariff, hour: number): { perKWh: number; period: string | null } {
  for (const p of tariff.periods) {
    const inside = p.fromHour <= p.toHour ? hour >= p.fromHour && hour < p.toHour : hour >= p.fromHour || hour < p.toHour;
    if (inside) return { perKWh: p.perKWh, period: p.name };
  }
  return { perKWh: tariff.perKWh, period: null };
}

export interface NightEnergy {
  night: string;
  kWh: number;
  cost: number;
}

export interface EnergyReport {
  kWh: number;
  cost: number;
  currency: string;
  byNight: NightEnergy[];
}

/**
 * Totals from hourly energy (`[hour start, Wh]`): the price of each hour is the tariff's at its local hour
 * (periods are whole hours, so this is exact for time zones with whole-hour offsets).
 */
export function energyReport(hours: ReadonlyArray<readonly [number, number]>, tariff: Tariff, timeZone: string): EnergyReport {
  const nights = new Map<string, NightEnergy>();
  let kWh = 0;
  let cost = 0;
  for (const [ts, wh] of hours) {
    const k = wh / 1000;
    const c = k * pricePerKWh(tariff, localHour(ts, timeZone)).perKWh;
    kWh += k;
    cost += c;
    const name = nightOf(ts, timeZone);
    const n = nights.get(name);
    if (n) {
      n.kWh += k;
      n.cost += c;
    } else nights.set(name, { night: name, kWh: k, cost: c });
  }
  const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;
  return {
    kWh: round(kWh, 4),
    cost: round(cost, 2),
    currency: tariff.currency,
    byNight: [...nights.values()].sort((a, b) => (a.night < b.night ? -1 : 1)).map((n) => ({ night: n.night, kWh: round(n.kWh, 4), cost: round(n.cost, 2) })),
  };
}

/**
 * The festival season of a Gregorian year (Spring Festival eve, 除夕, to the night after the Lantern
 * Festival, 元宵), as epoch ms from noon before the eve to noon after, China time (UTC+8, no DST).
 */
export function festivalSeason(year: number): { from: number; to: number } {
  const newYear = chineseNewYear(year);
  const lantern = lanternFestival(year);
  const noon = (d: { year: number; month: number; day: number }, shiftDays: number) => Date.UTC(d.year, d.month - 1, d.day + shiftDays, 12 - 8);
  return { from: noon(newYear, -1), to: noon(lantern, 1) };
}
