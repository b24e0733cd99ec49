/**
 * Pure layout of the schedule screens: which part of a plan falls in which day's track, where on the
 * track (fractions 0..1), side by side when several entries overlap, and a rule's colour. Lanterns are an
 * evening thing, so a day's track runs by default from 12:00 to 06:00 the next morning (Asia/Shanghai);
 * the full 00:00–24:00 day is a toggle away.
 */
import { DAY_MS, HOUR_MS, civilDay, civilMidnight, type CalendarEntry, type LimitWindow, type PlanEntry, type SyncReport, type SyncShow } from '../../data/schedule';

export interface DaySpan {
  /** Hour of the day the track starts at (12 for the evening view, 0 for the full day). */
  startHour: number;
  /** Length of the track in hours (18: 12:00 → 06:00; 24: the full day). */
  hours: number;
}
export const EVENING: DaySpan = { startHour: 12, hours: 18 };
export const FULL_DAY: DaySpan = { startHour: 0, hours: 24 };

export interface DayWindow {
  /** 'YYYY-MM-DD' of the evening (Asia/Shanghai). */
  day: string;
  /** Midnight that starts `day`, epoch ms. */
  midnight: number;
  from: number;
  to: number;
}

/** `count` consecutive days from the one whose midnight is `firstMidnight`. */
export function dayWindows(firstMidnight: number, count: number, span: DaySpan): DayWindow[] {
  return Array.from({ length: count }, (_, n) => {
    const midnight = firstMidnight + n * DAY_MS;
    const from = midnight + span.startHour * HOUR_MS;
    return { day: civilDay(midnight + HOUR_MS), midnight, from, to: from + span.hours * HOUR_MS };
  });
}

export interface Segment<T> {
  item: T;
  /** Where the item starts and ends on this track, clipped to it (epoch ms). */
  start: number;
  end: number;
  /** The clipped part's position along the track, fractions of its length. */
  offset: number;
  length: number;
  /** The item goes on beyond the track's start or end. */
  cutStart: boolean;
  cutEnd: boolean;
  /** Side by side with overlapping items: lane `lane` of `lanes`. */
  lane: number;
  lanes: number;
}

/** The items that overlap [from, to), clipped to it, each with a lane so that overlapping ones sit side by side. */
export function segments<T extends { start: number; end: number }>(items: readonly T[], from: number, to: number): Segment<T>[] {
  const span = to - from;
  const inside = items
    .filter((it) => it.end > from && it.start < to)
    .map((item) => {
      const start = Math.max(item.start, from);
      const end = Math.min(item.end, to);
      return { item, start, end, offset: (start - from) / span, length: (end - start) / span, cutStart: item.start < from, cutEnd: item.end > to, lane: 0, lanes: 1 };
    })
    .sort((a, b) => a.start - b.start || b.end - a.end);
  // Clusters of transitively overlapping items share a lane count; within one, each takes the first free lane.
  let cluster: Segment<T>[] = [];
  let clusterEnd = -Infinity;
  const laneEnds: number[] = [];
  const close = () => {
    const lanes = Math.max(1, ...cluster.map((s) => s.lane + 1));
    for (const s of cluster) s.lanes = lanes;
    cluster = [];
    laneEnds.length = 0;
  };
  for (const s of inside) {
    if (s.start >= clusterEnd) close();
    let lane = laneEnds.findIndex((end) => end <= s.start);
    if (lane < 0) lane = laneEnds.length;
    laneEnds[lane] = s.end;
    s.lane = lane;
    cluster.push(s);
    clusterEnd = Math.max(clusterEnd, s.end);
  }
  close();
  return inside;
}

/**
 * The plan entries worth drawing: something plays, or a rule lost there (a show cut by the curfew is drawn
 * as a dark block, so one can click it and see why). Plain idle stretches are the background.
 */
export const shownEntries = (entries: readonly PlanEntry[]) => entries.filter((e) => (e.power === 'on' && e.reason !== 'idle') || e.lost.length > 0);

/** Limit windows of one kind merged when they touch (a curfew of many groups is one band). */
export function mergedLimits(limits: readonly LimitWindow[]): LimitWindow[] {
  const sorted = [...limits].sort((a, b) => a.ruleId.localeCompare(b.ruleId) || a.start - b.start);
  const out: LimitWindow[] = [];
  for (const l of sorted) {
    const last = out[out.length - 1];
    if (last && last.ruleId === l.ruleId && l.start <= last.end) last.end = Math.max(last.end, l.end);
    else out.push({ ...l });
  }
  return out;
}

/** Number of colours of the rule palette (styles.css: .sched-c0 … .sched-c7). */
export const PALETTE_SIZE = 8;

/** A rule's colour, stable across pages and reloads: a hash of its id into the palette. Overrides have their own. */
export function paletteIndex(ruleId: string): number {
  let h = 2166136261;
  for (let n = 0; n < ruleId.length; n++) h = Math.imul(h ^ ruleId.charCodeAt(n), 16777619);
  return (h >>> 0) % PALETTE_SIZE;
}

/** Hour labels along a track: every `step` hours from its start ('12', '14', … '04'). */
export function hourTicks(span: DaySpan, step = 2): Array<{ label: string; offset: number }> {
  const out: Array<{ label: string; offset: number }> = [];
  for (let h = 0; h <= span.hours; h += step) out.push({ label: `${String((span.startHour + h) % 24).padStart(2, '0')}:00`, offset: h / span.hours });
  return out;
}

/**
 * The form field a validation problem belongs to, from its JSON pointer (`/when/start/offsetMin`, also
 * with a `body` prefix): the longest known prefix wins; anything else goes above the form.
 */
export function fieldOfPath(path: string, fields: Readonly<Record<string, string>>): string {
  let p = path.replace(/^\/?body(?=\/|$)/, '').replace(/^(?!\/)/, '/');
  for (;;) {
    const field = fields[p];
    if (field) return field;
    const cut = p.lastIndexOf('/');
    if (cut <= 0) return 'form';
    p = p.slice(0, cut);
  }
}

/** The season that matters now: this year's 除夕 → 元宵 until its 元宵 has passed, then next year's. */
export function seasonOf(calendar: readonly CalendarEntry[], today: number, year: number): { from: string; to: string } | null {
  const find = (id: string, y: number) => calendar.find((c) => c.id === id && c.kind === 'festival' && c.date.startsWith(`${y}-`))?.date;
  for (const y of [year, year + 1]) {
    const from = find('chuxi', y);
    const to = find('yuanxiao', y);
    if (from && to && civilMidnight(to) >= today) return { from, to };
  }
  return null;
}


// ---- start skew (the compound page's histogram) ----

export interface Bin {
  from: number;
  to: number;
  count: number;
}

/** Skews into at most `maxBins` equal bins of a whole number of 5 ms, covering min..max. */
export function skewBins(skews: readonly number[], maxBins = 10): Bin[] {
  if (skews.length === 0) return [];
  const lo = Math.floor(Math.min(...skews) / 5) * 5;
  const hi = Math.max(lo + 5, Math.ceil((Math.max(...skews) + 0.0001) / 5) * 5);
  const width = Math.ceil((hi - lo) / maxBins / 5) * 5;
  const bins: Bin[] = [];
  for (let from = lo; from < hi; from += width) bins.push({ from, to: from + width, count: 0 });
  for (const s of skews) bins[Math.min(bins.length - 1, Math.floor((s - lo) / width))]!.count++;
  return bins;
}

/** The compound's most recent show and the skews of its groups. */
export function lastShow(report: SyncReport, compound: string): { show: SyncShow; skews: number[] } | null {
  const show = report.shows.filter((s) => s.compound === compound).sort((a, b) => b.startAt - a.startAt)[0];
  if (!show) return null;
  const skews = report.groups.filter((g) => g.compound === compound && (g.commandId !== undefined ? g.commandId === show.commandId : g.startAt === show.startAt)).map((g) => g.skewMs);
  return { show, skews };
}

