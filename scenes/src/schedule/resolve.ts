/**
 * Resolution: what every group of a compound should do at an instant, and the plan over a span.
 *
 * Order of precedence, per group and instant:
 *  1. programmes (county > festival > nightly > default by default, or the rule's own priority); the
 *     highest active one wins, the others lose with 'priority' (or 'disabled' / 'outside-dates');
 *  2. a manual override on top (the programme loses with 'override');
 *  3. limits bind whatever came out, overrides included unless `breaksCurfew`: a curfew turns the group
 *     off, quiet hours cap its brightness, an energy budget dims the whole night evenly so it fits.
 * A playlist follows its own timeline from the start of its occurrence, so after an interruption it
 * resumes where that timeline is, and `since` is the nominal start of the item (the show's phase origin).
 */
import { hash32, mulberry32 } from '../random.js';
import { occurrences, ruleGroups, zoneOf, type DayNote, type Occurrence } from './occurrences.js';
import { isProgramme, type Rule, type SceneRef } from './schema.js';
import type { Intent, IntentReason, LimitWindow, LostWhy, Override, Plan, PlanEntry, RuleWarning, ScheduleInput, Site, SiteGroup } from './types.js';
import { localDay } from './zone.js';

const HOUR = 3_600_000;

/** What a group does during one segment of the sweep. */
interface State {
  power: 'on' | 'off';
  brightness: number;
  scene: SceneRef | null;
  since: number;
  ruleId: string | null;
  overrideId: string | null;
  reason: IntentReason;
  playlistItem?: number;
  transitionMs?: number;
  lost: Array<{ ruleId: string; why: LostWhy }>;
  /** not bound by limits (an override that may break the curfew) */
  free?: boolean;
  /** memoised stateKey + lostKey */
  key?: string;
}

interface Placed {
  occ: Occurrence;
  /** the end after the stop rule (graceful: the running item finishes; finite repeat: the last item) */
  end: number;
  /** group indexes it covers */
  mask: boolean[];
}

interface Context {
  site: Site;
  groups: SiteGroup[];
  programmes: Placed[];
  curfews: Placed[];
  quiets: Placed[];
  budgets: Placed[];
  overrides: Array<{ ov: Override; mask: boolean[] }>;
  notes: Map<string, DayNote[]>;
  watts: NonNullable<ScheduleInput['watts']>;
}

const defaultWatts: NonNullable<ScheduleInput['watts']> = (scene, brightness, group) => (scene === null && brightness === 0 ? 0 : (group.ratedWatts * brightness) / 255);

function siteOf(input: ScheduleInput, compound: string): Site {
  const site = input.sites.find((s) => s.id === compound);
  if (!site) throw new RangeError(`unknown compound '${compound}'`);
  return site;
}

// ---------------------------------------------------------------------------------------------
// Playlists

interface Playing {
  power: 'on' | 'off';
  brightness: number;
  scene: SceneRef | null;
  since: number;
  item?: number;
  transitionMs?: number;
}

const orderCache = new Map<string, number[]>();

/** The order of a playlist's items in one cycle: as written, or shuffled by a seed of (rule, day, cycle). */
function cycleOrder(rule: Rule, day: string, cycle: number, n: number, shuffle: boolean): number[] {
  if (!shuffle) return identity(n);
  const key = `${rule.id}|${day}|${cycle}|${n}`;
  let order = orderCache.get(key);
  if (!order) {
    order = identity(n);
    const rnd = mulberry32(hash32(stringHash(rule.id), stringHash(day), cycle));
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    if (orderCache.size > 10_000) orderCache.clear();
    orderCache.set(key, order);
  }
  return order;
}

const identities: number[][] = [];
function identity(n: number): number[] {
  return (identities[n] ??= Array.from({ length: n }, (_, i) => i));
}

function stringHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** What an occurrence plays at t (t within [start, end)). */
function playAt(occ: Occurrence, t: number): Playing | null {
  const play = occ.rule.play;
  if (!play) return null;
  if ('power' in play) return { power: 'off', brightness: 0, scene: null, since: occ.start };
  if ('scene' in play) return { power: 'on', brightness: play.brightness ?? 255, scene: play.scene, since: occ.start };
  const pl = play.playlist;
  const items = pl.items;
  const cycleMs = items.reduce((a, it) => a + it.durationS * 1000, 0);
  const elapsed = t - occ.start;
  const cycle = Math.floor(elapsed / cycleMs);
  if (typeof pl.repeat === 'number' && cycle >= pl.repeat) return null;
  const order = cycleOrder(occ.rule, occ.day, cycle, items.length, pl.shuffle ?? false);
  let at = occ.start + cycle * cycleMs;
  for (const index of order) {
    const item = items[index]!;
    const next = at + item.durationS * 1000;
    if (t < next) {
      const p: Playing = { power: 'on', brightness: item.brightness ?? 255, scene: item.scene, since: at, item: index };
      if (item.transitionMs !== undefined) p.transitionMs = item.transitionMs;
      return p;
    }
    at = next;
  }
  return null;
}

/** The boundaries of playlist items of an occurrence within [a, b). */
function itemBoundaries(occ: Occurrence, end: number, a: number, b: number, out: number[]): void {
  const play = occ.rule.play;
  if (!play || !('playlist' in play)) return;
  const pl = play.playlist;
  const cycleMs = pl.items.reduce((s, it) => s + it.durationS * 1000, 0);
  const lo = Math.max(a, occ.start);
  const hi = Math.min(b, end);
  if (hi <= lo) return;
  let cycle = Math.max(0, Math.floor((lo - occ.start) / cycleMs));
  for (let at = occ.start + cycle * cycleMs; at < hi; cycle++) {
    const order = cycleOrder(occ.rule, occ.day, cycle, pl.items.length, pl.shuffle ?? false);
    for (const index of order) {
      if (at > lo && at < hi) out.push(at);
      at += pl.items[index]!.durationS * 1000;
      if (at >= hi) break;
    }
  }
}

/** The end of an occurrence after its stop rule. */
function effectiveEnd(occ: Occurrence): number {
  const play = occ.rule.play;
  if (!play || !('playlist' in play)) return occ.end;
  const pl = play.playlist;
  const cycleMs = pl.items.reduce((s, it) => s + it.durationS * 1000, 0);
  const total = typeof pl.repeat === 'number' ? pl.repeat * cycleMs : Infinity;
  const finished = occ.start + total;
  if (finished <= occ.end) return finished;
  if ((pl.stop ?? 'graceful') === 'hard') return occ.end;
  const running = playAt(occ, occ.end - 1);
  if (!running || running.item === undefined) return occ.end;
  return Math.min(finished, running.since + pl.items[running.item]!.durationS * 1000);
}

// ---------------------------------------------------------------------------------------------
// Context and sweep

function buildContext(input: ScheduleInput, site: Site, a: number, b: number): Context {
  const groups = site.groups;
  const ctx: Context = { site, groups, programmes: [], curfews: [], quiets: [], budgets: [], overrides: [], notes: new Map(), watts: input.watts ?? defaultWatts };
  for (const rule of input.rules) {
    const reach = ruleGroups(rule, site);
    if (reach === false) continue;
    const mask = groups.map((g) => reach === null || reach.has(g.id));
    if (!mask.some(Boolean)) continue;
    const notes: DayNote[] = [];
    // A playlist stopping gracefully runs past its end by up to one item (≤ 1 day): look back that far.
    const lookBack = isProgramme(rule.kind) ? 86_400_000 : 0;
    for (const occ of occurrences(rule, site, a - lookBack, b, notes)) {
      const placed: Placed = { occ, end: isProgramme(rule.kind) ? effectiveEnd(occ) : occ.end, mask };
      if (placed.end <= a) continue;
      if (isProgramme(rule.kind)) ctx.programmes.push(placed);
      else if (occ.status === 'on') (rule.kind === 'curfew' ? ctx.curfews : rule.kind === 'quiet' ? ctx.quiets : ctx.budgets).push(placed);
    }
    ctx.notes.set(rule.id, notes);
  }
  for (const ov of input.overrides) {
    if (ov.compound !== site.id || ov.until <= a || ov.from >= b) continue;
    ctx.overrides.push({ ov, mask: groups.map((g) => !ov.groups || ov.groups.length === 0 || ov.groups.includes(g.id)) });
  }
  return ctx;
}

function breakpoints(ctx: Context, a: number, b: number): number[] {
  const pts: number[] = [a, b];
  const add = (t: number) => {
    if (t > a && t < b) pts.push(t);
  };
  for (const p of ctx.programmes) {
    add(p.occ.start);
    add(p.end);
    if (p.occ.status === 'on') itemBoundaries(p.occ, p.end, a, b, pts);
  }
  for (const list of [ctx.curfews, ctx.quiets, ctx.budgets]) for (const p of list) (add(p.occ.start), add(p.end));
  for (const { ov } of ctx.overrides) (add(ov.from), add(ov.until));
  pts.sort((x, y) => x - y);
  const out: number[] = [];
  for (const t of pts) if (out.length === 0 || out[out.length - 1] !== t) out.push(t);
  return out;
}

const IDLE_LOST: State['lost'] = [];

function better(x: Placed, y: Placed): boolean {
  if (x.occ.priority !== y.occ.priority) return x.occ.priority > y.occ.priority;
  if (x.occ.start !== y.occ.start) return x.occ.start > y.occ.start;
  return x.occ.rule.id < y.occ.rule.id;
}

/** The state of group gi during the segment starting at t; records same-priority clashes in `clashes`. */
interface Active {
  programmes: Placed[];
  curfews: Placed[];
  quiets: Placed[];
  overrides: Context['overrides'];
}

function evaluate(act: Active, gi: number, t: number, clashes?: Map<string, Set<string>>): State {
  let winner: Placed | null = null;
  const active: Placed[] = [];
  for (const p of act.programmes) {
    if (!p.mask[gi] || p.occ.start > t || p.end <= t) continue;
    active.push(p);
    if (p.occ.status === 'on' && (!winner || better(p, winner))) winner = p;
  }
  let playing = winner ? playAt(winner.occ, t) : null;
  const lost: State['lost'] = [];
  const seen = new Set<string>();
  if (winner) seen.add(winner.occ.rule.id);
  for (const p of active) {
    const id = p.occ.rule.id;
    if (seen.has(id)) continue;
    seen.add(id);
    lost.push({ ruleId: id, why: p.occ.status === 'on' ? 'priority' : p.occ.status });
    if (clashes && winner && p.occ.status === 'on' && p.occ.priority === winner.occ.priority) {
      const w = winner.occ.rule.id;
      if (!clashes.has(w)) clashes.set(w, new Set());
      clashes.get(w)!.add(id);
    }
  }
  let state: State;
  if (playing && winner) {
    state = { power: playing.power, brightness: playing.brightness, scene: playing.scene, since: playing.since, ruleId: winner.occ.rule.id, overrideId: null, reason: 'rule', lost };
    if (playing.item !== undefined) state.playlistItem = playing.item;
    if (playing.transitionMs !== undefined) state.transitionMs = playing.transitionMs;
  } else {
    playing = null;
    state = { power: 'off', brightness: 0, scene: null, since: t, ruleId: null, overrideId: null, reason: 'idle', lost: lost.length ? lost : IDLE_LOST };
  }

  // Overrides sit on top: the latest one that covers this group.
  let ov: Override | null = null;
  for (const o of act.overrides) if (o.mask[gi] && o.ov.from <= t && o.ov.until > t && (!ov || o.ov.from > ov.from)) ov = o.ov;
  if (ov) {
    if (winner && playing) state.lost = [{ ruleId: winner.occ.rule.id, why: 'override' }, ...lost];
    const scene = ov.scene ?? (ov.power === 'off' ? null : state.scene);
    const power = ov.power ?? (ov.scene || ov.brightness !== undefined ? 'on' : state.power);
    const brightness = power === 'off' ? 0 : ov.brightness ?? (ov.scene || state.power === 'off' ? 255 : state.brightness);
    state = { power, brightness, scene: power === 'off' ? null : scene, since: ov.from, ruleId: null, overrideId: ov.id, reason: 'override', lost: state.lost };
    if (ov.breaksCurfew) state.free = true;
  }
  if (state.free) return state;

  // Limits bind everything else.
  for (const c of act.curfews) {
    if (!c.mask[gi] || c.occ.start > t || c.end <= t) continue;
    if (state.power === 'on') {
      const cut = state.ruleId ?? null;
      const lostNow = cut ? [{ ruleId: cut, why: 'curfew' as const }, ...state.lost.filter((l) => l.ruleId !== cut)] : state.lost;
      state = { power: 'off', brightness: 0, scene: null, since: t, ruleId: c.occ.rule.id, overrideId: null, reason: 'curfew', lost: lostNow };
    }
    return state;
  }
  let cap = 255;
  let quietId: string | null = null;
  for (const q of act.quiets) {
    if (!q.mask[gi] || q.occ.start > t || q.end <= t) continue;
    const m = q.occ.rule.maxBrightness ?? 255;
    if (m < cap) [cap, quietId] = [m, q.occ.rule.id];
  }
  if (quietId && state.power === 'on' && state.brightness > cap) {
    state.brightness = cap;
    state.reason = 'quiet';
  }
  return state;
}

/** Groups that every rule and override treats alike share one evaluation. */
function groupClasses(ctx: Context): { of: number[]; reps: number[] } {
  const masks = [...ctx.programmes, ...ctx.curfews, ...ctx.quiets, ...ctx.budgets].map((p) => p.mask).concat(ctx.overrides.map((o) => o.mask));
  const unique = [...new Set(masks)];
  const of: number[] = [];
  const reps: number[] = [];
  const seen = new Map<string, number>();
  for (let gi = 0; gi < ctx.groups.length; gi++) {
    let sig = '';
    for (const m of unique) sig += m[gi] ? '1' : '0';
    let c = seen.get(sig);
    if (c === undefined) {
      c = reps.length;
      seen.set(sig, c);
      reps.push(gi);
    }
    of.push(c);
  }
  return { of, reps };
}

interface Sweep {
  times: number[];
  states: State[][];
  clashes: Map<string, Set<string>>;
  overBudget: Array<{ ruleId: string; day: string; start: number; end: number; kwh: number; budget: number }>;
}

function sweep(ctx: Context, a: number, b: number): Sweep {
  const times = breakpoints(ctx, a, b);
  const clashes = new Map<string, Set<string>>();
  const states: State[][] = [];
  const classes = groupClasses(ctx);
  // Sweep with active lists: each segment looks only at what runs then.
  const byStart = (x: Placed, y: Placed) => x.occ.start - y.occ.start;
  const lists = { programmes: [...ctx.programmes].sort(byStart), curfews: [...ctx.curfews].sort(byStart), quiets: [...ctx.quiets].sort(byStart) };
  const ovs = [...ctx.overrides].sort((x, y) => x.ov.from - y.ov.from);
  const next = { programmes: 0, curfews: 0, quiets: 0, overrides: 0 };
  const act: Active = { programmes: [], curfews: [], quiets: [], overrides: [] };
  for (let i = 0; i < times.length - 1; i++) {
    const t = times[i]!;
    for (const k of ['programmes', 'curfews', 'quiets'] as const) {
      const list = lists[k];
      act[k] = act[k].filter((p) => p.end > t);
      while (next[k] < list.length && list[next[k]]!.occ.start <= t) {
        const p = list[next[k]++]!;
        if (p.end > t) act[k].push(p);
      }
    }
    act.overrides = act.overrides.filter((o) => o.ov.until > t);
    while (next.overrides < ovs.length && ovs[next.overrides]!.ov.from <= t) {
      const o = ovs[next.overrides++]!;
      if (o.ov.until > t) act.overrides.push(o);
    }
    const perClass = classes.reps.map((gi) => evaluate(act, gi, t, clashes));
    const row: State[] = new Array(ctx.groups.length);
    for (let gi = 0; gi < row.length; gi++) row[gi] = perClass[classes.of[gi]!]!;
    states.push(row);
  }
  const overBudget = applyBudgets(ctx, times, states);
  return { times, states, clashes, overBudget };
}

/**
 * Energy budgets: a night whose plan would use more than the budget is dimmed evenly (every lit
 * segment of the groups it covers, by the same factor) until it fits; the show keeps its timing.
 */
function applyBudgets(ctx: Context, times: number[], states: State[][]): Sweep['overBudget'] {
  const out: Sweep['overBudget'] = [];
  for (const bud of ctx.budgets) {
    const budget = bud.occ.rule.kwhPerNight ?? Infinity;
    const lo = bud.occ.start;
    const hi = bud.end;
    const energy = (factor: number) => {
      let kwh = 0;
      for (let i = 0; i < states.length; i++) {
        const s0 = Math.max(times[i]!, lo);
        const s1 = Math.min(times[i + 1]!, hi);
        if (s1 <= s0) continue;
        const row = states[i]!;
        for (let gi = 0; gi < row.length; gi++) {
          const st = row[gi]!;
          if (!bud.mask[gi] || st.power !== 'on' || st.free) continue;
          kwh += (ctx.watts(st.scene, Math.floor(st.brightness * factor), ctx.groups[gi]!) * (s1 - s0)) / HOUR / 1000;
        }
      }
      return kwh;
    };
    const full = energy(1);
    if (full <= budget) continue;
    let f0 = 0;
    let f1 = 1;
    for (let k = 0; k < 24; k++) {
      const mid = (f0 + f1) / 2;
      if (energy(mid) <= budget) f0 = mid;
      else f1 = mid;
    }
    out.push({ ruleId: bud.occ.rule.id, day: bud.occ.day, start: lo, end: hi, kwh: full, budget });
    // Segments that straddle the window's edges are split by breakpoints already (budget start/end are breakpoints).
    for (let i = 0; i < states.length; i++) {
      if (times[i]! < lo || times[i]! >= hi) continue;
      const row = states[i]!;
      for (let gi = 0; gi < row.length; gi++) {
        const st = row[gi]!;
        if (!bud.mask[gi] || st.power !== 'on' || st.free) continue;
        const dimmed = Math.floor(st.brightness * f0);
        if (dimmed < st.brightness) row[gi] = { ...st, brightness: dimmed, reason: 'budget', key: undefined };
      }
    }
  }
  return out;
}

function stateKey(s: State): string {
  const playing = s.reason === 'rule' || s.reason === 'override' || s.reason === 'quiet' || s.reason === 'budget';
  return [s.power, s.brightness, s.scene ? JSON.stringify(s.scene) : '', s.ruleId ?? '', s.overrideId ?? '', s.reason, s.playlistItem ?? '', s.transitionMs ?? '', playing ? s.since : ''].join('|');
}

function lostKey(s: State): string {
  return s.lost.map((l) => `${l.ruleId}:${l.why}`).join(',');
}

/** Budget windows reach back and forward to whole nights, so the energy of a night is counted whole. */
function span(input: ScheduleInput, site: Site, from: number, to: number): [number, number] {
  let a = from;
  let b = to;
  for (const rule of input.rules) {
    if (rule.kind !== 'budget' || ruleGroups(rule, site) === false) continue;
    for (const occ of occurrences(rule, site, from, to)) {
      a = Math.min(a, occ.start);
      b = Math.max(b, occ.end);
    }
  }
  return [a, b];
}

interface Compiled {
  ctx: Context;
  sw: Sweep;
}

function compile(input: ScheduleInput, site: Site, from: number, to: number): Compiled {
  const [a, b] = span(input, site, from, to);
  const ctx = buildContext(input, site, a, b);
  return { ctx, sw: sweep(ctx, a, b) };
}

// ---------------------------------------------------------------------------------------------
// Public entry points

/** What every group of the compound should be doing at t: one intent per group, in the site's order. */
export function resolveAt(input: ScheduleInput, compound: string, t: number): Intent[] {
  const site = siteOf(input, compound);
  // A day back so idle and curfew runs know when they began; two days ahead for `until`.
  const from = t - 24 * HOUR;
  const to = t + 48 * HOUR;
  const { ctx, sw } = compile(input, site, from, to);
  const { times, states } = sw;
  let i = 0;
  while (i < states.length - 1 && times[i + 1]! <= t) i++;
  return ctx.groups.map((g, gi) => {
    const st = states[i]![gi]!;
    const key = stateKey(st);
    let start = i;
    while (start > 0 && stateKey(states[start - 1]![gi]!) === key) start--;
    let end = i + 1;
    while (end < states.length && stateKey(states[end]![gi]!) === key) end++;
    const playing = st.reason === 'rule' || st.reason === 'override' || st.reason === 'quiet' || st.reason === 'budget';
    const intent: Intent = {
      group: g.id,
      power: st.power,
      brightness: st.brightness,
      scene: st.scene,
      since: playing ? st.since : Math.max(times[start]!, from),
      until: end < states.length ? times[end]! : null,
      ruleId: st.ruleId,
      overrideId: st.overrideId,
      reason: st.reason,
    };
    if (st.playlistItem !== undefined) intent.playlistItem = st.playlistItem;
    if (st.transitionMs !== undefined) intent.transitionMs = st.transitionMs;
    return intent;
  });
}

/**
 * The plan of a compound over [from, to): contiguous entries (every group covered at every instant,
 * adjacent equal entries joined, groups sorted), the limit windows, and warnings seen on the way.
 */
export function compilePlan(input: ScheduleInput, compound: string, from: number, to: number): Plan {
  const site = siteOf(input, compound);
  const { ctx, sw } = compile(input, site, from, to);
  const entries = buildEntries(ctx, sw, from, to);
  const limits: LimitWindow[] = [];
  for (const [kind, list] of [['curfew', ctx.curfews], ['quiet', ctx.quiets], ['budget', ctx.budgets]] as const) {
    for (const p of list) {
      if (p.end <= from || p.occ.start >= to) continue;
      const w: LimitWindow = { ruleId: p.occ.rule.id, kind, start: p.occ.start, end: p.end };
      if (kind === 'quiet') w.maxBrightness = p.occ.rule.maxBrightness ?? 255;
      limits.push(w);
    }
  }
  limits.sort((x, y) => x.start - y.start || (x.ruleId < y.ruleId ? -1 : 1));
  return { entries, limits, warnings: planWarnings(input, ctx, sw, from, to) };
}

function buildEntries(ctx: Context, sw: Sweep, from: number, to: number): PlanEntry[] {
  const out: PlanEntry[] = [];
  let open = new Map<string, PlanEntry>();
  const { times, states } = sw;
  for (let i = 0; i < states.length; i++) {
    const s0 = Math.max(times[i]!, from);
    const s1 = Math.min(times[i + 1]!, to);
    if (s1 <= s0) continue;
    const byKey = new Map<string, { st: State; groups: string[] }>();
    const row = states[i]!;
    for (let gi = 0; gi < row.length; gi++) {
      const st = row[gi]!;
      const key = (st.key ??= `${stateKey(st)}#${lostKey(st)}`);
      const slot = byKey.get(key);
      if (slot) slot.groups.push(ctx.groups[gi]!.id);
      else byKey.set(key, { st, groups: [ctx.groups[gi]!.id] });
    }
    const next = new Map<string, PlanEntry>();
    for (const [key, { st, groups }] of byKey) {
      groups.sort();
      const full = `${groups.join(',')}@${key}`;
      const prev = open.get(full);
      if (prev && prev.end === s0) {
        prev.end = s1;
        next.set(full, prev);
        continue;
      }
      const playing = st.reason === 'rule' || st.reason === 'override' || st.reason === 'quiet' || st.reason === 'budget';
      const e: PlanEntry = {
        start: s0, end: s1, groups, scene: st.scene, power: st.power, brightness: st.brightness,
        ruleId: st.ruleId, overrideId: st.overrideId, reason: st.reason, lost: st.lost.slice(), since: playing ? st.since : s0,
      };
      if (st.playlistItem !== undefined) e.playlistItem = st.playlistItem;
      if (st.transitionMs !== undefined) e.transitionMs = st.transitionMs;
      out.push(e);
      next.set(full, e);
    }
    open = next;
  }
  out.sort((x, y) => x.start - y.start || (x.groups[0]! < y.groups[0]! ? -1 : 1));
  return out;
}

function planWarnings(input: ScheduleInput, ctx: Context, sw: Sweep, from: number, to: number): RuleWarning[] {
  const out: RuleWarning[] = [];
  const tz = (r: Rule) => zoneOf(r, ctx.site);
  const fromDay = (r: Rule) => localDay(tz(r), from);
  const toDay = (r: Rule) => localDay(tz(r), to);
  for (const rule of input.rules) {
    const notes = ctx.notes.get(rule.id);
    if (!notes) continue;
    const missing = notes.filter((n) => n.sunMissing && n.day >= fromDay(rule) && n.day <= toDay(rule)).map((n) => n.day);
    if (missing.length) out.push({ ruleId: rule.id, code: 'sun-event-missing', message: `the sun event does not happen at ${ctx.site.id} on ${missing.length} day(s); the rule does not play then`, dates: missing });
  }
  for (const [a, others] of sw.clashes) {
    for (const b of others) out.push({ ruleId: a, code: 'conflict', otherRuleId: b, message: `rules '${a}' and '${b}' have the same priority and overlap at ${ctx.site.id}; '${a}' plays (later start, then id)` });
  }
  for (const ob of sw.overBudget) {
    if (ob.end <= from || ob.start >= to) continue;
    out.push({ ruleId: ob.ruleId, code: 'over-budget', dates: [ob.day], message: `the night of ${ob.day} at ${ctx.site.id} would use ${ob.kwh.toFixed(1)} kWh of a ${ob.budget} kWh budget; it is dimmed to fit` });
  }
  return out;
}

/** For the analysis: the compiled sweep of a site over a span. */
export function sweepOf(input: ScheduleInput, compound: string, from: number, to: number): { entries: PlanEntry[]; overBudget: Sweep['overBudget']; clashes: Map<string, Set<string>> } {
  const site = siteOf(input, compound);
  const { ctx, sw } = compile(input, site, from, to);
  return { entries: buildEntries(ctx, sw, from, to), overBudget: sw.overBudget, clashes: sw.clashes };
}
