/**
 * The save-time report on a rule, over the next `days`: a rule that never fires (a leap month that does
 * not come, dates in the past, a day mask that matches nothing), a sun event that does not happen, a
 * clamp that always decides, a programme hidden (wholly or partly) by a curfew, a same-priority
 * programme that overlaps in time and targets, and nights over an energy budget. Warnings never block.
 */
import { occurrences, ruleGroups, zoneOf, type DayNote, type Occurrence } from './occurrences.js';
import { sweepOf } from './resolve.js';
import { isProgramme, priorityOf, type Rule } from './schema.js';
import type { RuleWarning, ScheduleInput, Site } from './types.js';
import { dayStart, localDay } from './zone.js';

const DAY = 86_400_000;
const MAX_DATES = 31;

function masksOverlap(a: Set<string> | null, b: Set<string> | null, site: Site): boolean {
  if (a === null || b === null) return true;
  return site.groups.some((g) => a.has(g.id) && b.has(g.id));
}

function covers(curfew: Set<string> | null, rule: Set<string> | null, site: Site): boolean {
  if (curfew === null) return true;
  return site.groups.every((g) => (rule !== null && !rule.has(g.id)) || curfew.has(g.id));
}

/** Milliseconds of [a, b) covered by the union of sorted intervals. */
function covered(a: number, b: number, intervals: Array<[number, number]>): number {
  let total = 0;
  let cursor = a;
  for (const [s, e] of intervals) {
    if (e <= cursor) continue;
    if (s >= b) break;
    const lo = Math.max(s, cursor);
    const hi = Math.min(e, b);
    if (hi > lo) {
      total += hi - lo;
      cursor = hi;
    }
  }
  return total;
}

function list(dates: Iterable<string>): string[] {
  return [...new Set(dates)].sort().slice(0, MAX_DATES);
}

export function analyzeRule(input: ScheduleInput, rule: Rule, now: number, days = 366): RuleWarning[] {
  const out: RuleWarning[] = [];
  const from = now;
  const to = now + days * DAY;
  const sites = input.sites.filter((s) => ruleGroups(rule, s) !== false);
  const others = input.rules.filter((r) => r.id !== rule.id);
  const id = rule.id;

  let fires = 0;
  const sunMissing: string[] = [];
  let clampDays = 0;
  let clampedDays = 0;
  const occsBySite = new Map<string, Occurrence[]>();
  for (const site of sites) {
    const all: DayNote[] = [];
    const occs = occurrences(rule, site, from, to, all).filter((o) => o.status === 'on');
    occsBySite.set(site.id, occs);
    fires += occs.length;
    // Only the days of the window (the generator looks a day back for shows still running).
    const tz = zoneOf(rule, site);
    const notes = all.filter((n) => n.day >= localDay(tz, from) && dayStart(tz, n.day) < to);
    for (const n of notes) {
      if (n.sunMissing) sunMissing.push(n.day);
      if (!n.sunMissing) clampDays++;
      if (n.clamped) clampedDays++;
    }
  }
  if (sites.length === 0) {
    out.push({ ruleId: id, code: 'never-fires', message: 'the rule reaches no known compound' });
    return out;
  }
  if (fires === 0) {
    const why = rule.enabled === false ? 'the rule is disabled' : `no day in the next ${days} days matches its days and dates`;
    out.push({ ruleId: id, code: 'never-fires', message: `the rule never fires: ${why}` });
  }
  if (sunMissing.length) {
    out.push({ ruleId: id, code: 'sun-event-missing', message: `the sun event does not happen on ${new Set(sunMissing).size} day(s); the rule does not play then (no fixed time is put in its place)`, dates: list(sunMissing) });
  }
  const sunBased = (rule.when.start && 'sun' in rule.when.start) || (rule.when.end && 'sun' in rule.when.end);
  if (sunBased && clampDays > 0 && clampedDays === clampDays) {
    out.push({ ruleId: id, code: 'clamp-always-wins', message: 'notBefore / notAfter decides the time on every day: the sun time never applies; a fixed time says the same more plainly' });
  }
  if (!isProgramme(rule.kind) || fires === 0) return out.concat(budgetWarnings(input, rule, sites, from, days));

  // Curfews over this programme.
  const hiddenDates: string[] = [];
  const partlyDates: string[] = [];
  let hiddenAll = true;
  const curfewIds = new Set<string>();
  for (const site of sites) {
    const mine = ruleGroups(rule, site) as Set<string> | null;
    const curfews: Array<[number, number, string]> = [];
    for (const c of others) {
      if (c.kind !== 'curfew' || c.enabled === false) continue;
      const reach = ruleGroups(c, site);
      if (reach === false || !covers(reach, mine, site)) continue;
      for (const o of occurrences(c, site, from - DAY, to + DAY)) if (o.status === 'on') curfews.push([o.start, o.end, c.id]);
    }
    curfews.sort((x, y) => x[0] - y[0]);
    const intervals = curfews.map(([s, e]) => [s, e] as [number, number]);
    for (const o of occsBySite.get(site.id) ?? []) {
      const len = o.end - o.start;
      const cut = covered(o.start, o.end, intervals);
      if (cut >= len) hiddenDates.push(o.day);
      else hiddenAll = false;
      if (cut > 0 && cut < len) partlyDates.push(o.day);
      if (cut > 0) for (const [s, e, cid] of curfews) if (s < o.end && e > o.start) curfewIds.add(cid);
    }
  }
  const curfewNames = [...curfewIds].map((c) => `'${c}'`).join(', ');
  if (hiddenAll && hiddenDates.length > 0) {
    out.push({ ruleId: id, code: 'hidden-by-curfew', message: `the curfew ${curfewNames} covers every occurrence: the rule never lights anything`, dates: list(hiddenDates), otherRuleId: [...curfewIds][0]! });
  } else if (partlyDates.length > 0 || hiddenDates.length > 0) {
    out.push({ ruleId: id, code: 'partly-hidden-by-curfew', message: `the curfew ${curfewNames} cuts the rule short on ${new Set([...partlyDates, ...hiddenDates]).size} day(s)`, dates: list([...partlyDates, ...hiddenDates]), otherRuleId: [...curfewIds][0]! });
  }

  // Same priority, overlapping time and targets.
  const prio = priorityOf(rule);
  for (const other of others) {
    if (!isProgramme(other.kind) || other.enabled === false || priorityOf(other) !== prio) continue;
    const dates: string[] = [];
    for (const site of sites) {
      const reachOther = ruleGroups(other, site);
      if (reachOther === false || !masksOverlap(ruleGroups(rule, site) as Set<string> | null, reachOther, site)) continue;
      const theirs = occurrences(other, site, from - DAY, to + DAY).filter((o) => o.status === 'on');
      for (const o of occsBySite.get(site.id) ?? []) if (theirs.some((p) => p.start < o.end && p.end > o.start)) dates.push(o.day);
    }
    if (dates.length) {
      out.push({ ruleId: id, code: 'conflict', otherRuleId: other.id, message: `'${other.name}' (${other.id}) has the same priority ${prio} and overlaps on ${new Set(dates).size} day(s); give one a higher priority`, dates: list(dates) });
    }
  }
  return out.concat(budgetWarnings(input, rule, sites, from, days));
}

/** Nights over budget in the next two weeks (at most) where this rule is involved. */
function budgetWarnings(input: ScheduleInput, rule: Rule, sites: Site[], from: number, days: number): RuleWarning[] {
  const out: RuleWarning[] = [];
  const span = Math.min(days, 14) * DAY;
  const dates: string[] = [];
  let budgetId: string | null = null;
  const withRule = { ...input, rules: [...input.rules.filter((r) => r.id !== rule.id), rule] };
  for (const site of sites) {
    const budgets = withRule.rules.filter((r) => r.kind === 'budget' && r.enabled !== false && ruleGroups(r, site) !== false);
    if (budgets.length === 0) continue;
    const { overBudget, entries } = sweepOf(withRule, site.id, from, from + span);
    for (const ob of overBudget) {
      if (ob.start < from) continue; // the night already under way when the window opens
      const involved = rule.kind === 'budget' ? ob.ruleId === rule.id : entries.some((e) => e.ruleId === rule.id && e.reason === 'budget' && e.start < ob.end && e.end > ob.start);
      if (involved) {
        dates.push(ob.day);
        budgetId ??= ob.ruleId;
      }
    }
  }
  if (dates.length) {
    const w: RuleWarning = { ruleId: rule.id, code: 'over-budget', message: `the plan goes over the energy budget on ${new Set(dates).size} night(s) in the next ${Math.min(days, 14)} days; those nights are dimmed evenly to fit`, dates: list(dates) };
    if (budgetId && budgetId !== rule.id) w.otherRuleId = budgetId;
    out.push(w);
  }
  return out;
}
