/**
 * When a rule applies at a site: its occurrences (start, end in epoch ms) day by day, in the rule's zone,
 * with what the analysis needs to know about each day (the sun event missing, a clamp that decided).
 */
import { festivalDates, festivalRanges, holidaysOn, lunarOf, officialDay, solarTermDate } from './calendar.js';
import { cronMatchesDay, cronTimesOfDay, parseCron, type CronSpec } from './cron.js';
import { priorityOf, type DaySel, type Rule, type TimeSpec } from './schema.js';
import { sunTime } from './sun.js';
import type { Site } from './types.js';
import { DEFAULT_ZONE, addDays, dayIndex, dayOf, localDay, localToEpoch, parseClock, parseDay, weekdayOf } from './zone.js';

export type OccurrenceStatus = 'on' | 'disabled' | 'outside-dates';

export interface Occurrence {
  rule: Rule;
  priority: number;
  /** the civil day (rule's zone) the occurrence starts on */
  day: string;
  start: number;
  /** nominal end (the rule's end time) */
  end: number;
  status: OccurrenceStatus;
}

export interface DayNote {
  day: string;
  /** the sun event of start or end does not happen that day */
  sunMissing?: boolean;
  /** notBefore / notAfter replaced the sun time */
  clamped?: boolean;
}

export function zoneOf(rule: Rule, site: Site): string {
  return rule.tz ?? site.tz ?? DEFAULT_ZONE;
}

/** Whether a rule reaches a site, and which of its groups (null = every group). */
export function ruleGroups(rule: Rule, site: Site): Set<string> | null | false {
  const t = rule.target;
  const byCompound = (t.compounds ?? []).includes(site.id);
  const byArea = (t.areas ?? []).some((a) => a === site.id || site.ancestors.includes(a));
  if (!byCompound && !byArea) return false;
  if (t.groups && t.groups.length > 0) return byCompound ? new Set(t.groups) : false;
  return null;
}

const cronCache = new Map<string, CronSpec | null>();
function cronOf(expr: string): CronSpec | null {
  if (!cronCache.has(expr)) {
    let spec: CronSpec | null = null;
    try {
      spec = parseCron(expr);
    } catch {
      spec = null;
    }
    cronCache.set(expr, spec);
  }
  return cronCache.get(expr)!;
}

/** Whether a day selection includes a civil day. */
export function dayMatches(sel: DaySel | undefined, day: string): boolean {
  if (!sel) return true;
  if ('every' in sel) {
    const wd = weekdayOf(day);
    switch (sel.every) {
      case 'day': return true;
      case 'weekday': return wd <= 5;
      case 'weekend': return wd >= 6;
      case 'workday': return officialDay(day).workday;
      case 'restday': return !officialDay(day).workday;
    }
  }
  if ('weekdays' in sel) return sel.weekdays.includes(weekdayOf(day));
  const year = parseDay(day).year;
  if ('festival' in sel) return festivalDates(sel.festival, year).includes(day);
  if ('festivalRange' in sel) return festivalRanges(sel.festivalRange.from, sel.festivalRange.to, year).some(([a, b]) => day >= a && day <= b);
  if ('lunar' in sel) {
    const l = lunarOf(day);
    if (l.month !== sel.lunar.month || l.leap !== (sel.lunar.leap ?? false)) return false;
    return sel.lunar.day === 'last' ? l.last : l.day === sel.lunar.day;
  }
  if ('solarTerm' in sel) return solarTermDate(sel.solarTerm, year) === day;
  if ('holiday' in sel) return !officialDay(day).workday && holidaysOn(day).includes(sel.holiday);
  if ('dates' in sel) return sel.dates.includes(day);
  return false;
}

interface Resolved {
  t: number | null;
  clamped: boolean;
}

function timeOn(spec: TimeSpec, day: string, site: Site, tz: string): Resolved {
  if ('at' in spec) return { t: localToEpoch(tz, day, parseClock(spec.at)), clamped: false };
  const sun = sunTime(spec.sun, day, site.lat, site.lon, tz);
  if (sun === null) return { t: null, clamped: false };
  let t = sun + (spec.offsetMin ?? 0) * 60_000;
  let clamped = false;
  if (spec.notBefore !== undefined) {
    const lo = localToEpoch(tz, day, parseClock(spec.notBefore));
    if (t < lo) [t, clamped] = [lo, true];
  }
  if (spec.notAfter !== undefined) {
    const hi = localToEpoch(tz, day, parseClock(spec.notAfter));
    if (t > hi) [t, clamped] = [hi, true];
  }
  return { t, clamped };
}

/** 06:00 after t, where a curfew ends when it names no end. */
function nextSixAm(tz: string, day: string, t: number): number {
  const same = localToEpoch(tz, day, 6 * 60);
  return same > t ? same : localToEpoch(tz, addDays(day, 1), 6 * 60);
}

/**
 * Occurrences of a rule overlapping [from, to) at a site, sorted by start. Days outside the rule's
 * dates and disabled rules still yield occurrences (with that status) so a plan can say why they lost.
 */
export function occurrences(rule: Rule, site: Site, from: number, to: number, notes?: DayNote[]): Occurrence[] {
  const tz = zoneOf(rule, site);
  const out: Occurrence[] = [];
  const first = dayIndex(localDay(tz, from)) - 1;
  const last = dayIndex(localDay(tz, to));
  const when = rule.when;
  const priority = priorityOf(rule);
  const cron = when.cron !== undefined ? cronOf(when.cron) : null;
  if (when.cron !== undefined && !cron) return out;
  const cronTimes = cron ? cronTimesOfDay(cron) : [];
  for (let i = first; i <= last; i++) {
    const day = dayOf(i);
    const status: OccurrenceStatus =
      rule.enabled === false ? 'disabled' : (when.from !== undefined && day < when.from) || (when.until !== undefined && day > when.until) ? 'outside-dates' : 'on';
    const push = (start: number, end: number) => {
      if (end > start && end > from && start < to) out.push({ rule, priority, day, start, end, status });
    };
    if (cron) {
      const p = parseDay(day);
      if (!cronMatchesDay(cron, p.month, p.day, weekdayOf(day) % 7)) continue;
      for (const minutes of cronTimes) {
        const start = localToEpoch(tz, day, minutes);
        const end = when.durationMin !== undefined ? start + when.durationMin * 60_000 : nextSixAm(tz, day, start);
        push(start, end);
      }
      continue;
    }
    if (!dayMatches(when.days, day)) continue;
    const note: DayNote = { day };
    let start: number | null;
    if (when.start) {
      const s = timeOn(when.start, day, site, tz);
      start = s.t;
      if (s.t === null) note.sunMissing = true;
      if (s.clamped) note.clamped = true;
    } else {
      start = localToEpoch(tz, day, 18 * 60); // a budget's night
    }
    let end: number | null = null;
    if (start !== null) {
      if (when.durationMin !== undefined) end = start + when.durationMin * 60_000;
      else if (when.end) {
        let e = timeOn(when.end, day, site, tz);
        if (e.t !== null && e.t <= start) e = timeOn(when.end, addDays(day, 1), site, tz);
        if (e.t === null) note.sunMissing = true;
        if (e.clamped) note.clamped = true;
        end = e.t;
      } else end = nextSixAm(tz, day, start);
    }
    notes?.push(note);
    if (start !== null && end !== null) push(start, end);
  }
  return out;
}
