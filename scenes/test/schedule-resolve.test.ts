import { describe, expect, it } from 'vitest';
import { compilePlan, resolveAt } from '../src/schedule/resolve.js';
import type { PlanEntry } from '../src/schedule/types.js';
import { addDays, dayIndex } from '../src/schedule/zone.js';
import { CURFEW, NIGHTLY, SPRING, at, input, rule, site } from './schedule-helpers.js';

const MIN = 60_000;

function days(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; dayIndex(d) <= dayIndex(to); d = addDays(d, 1)) out.push(d);
  return out;
}

function entryAt(entries: PlanEntry[], group: string, t: number): PlanEntry {
  const e = entries.find((x) => x.groups.includes(group) && x.start <= t && x.end > t);
  if (!e) throw new Error(`no entry for ${group} at ${t}`);
  return e;
}

describe('festival seasons', () => {
  const seasons = [
    ['2026', '2026-02-16', '2026-03-03'],
    ['2027', '2027-02-05', '2027-02-20'],
  ] as const;
  it.each(seasons)('除夕 → 元宵 %s: every evening plays the festival programme and the nightly one loses by priority', (_y, first, last) => {
    const inp = input([NIGHTLY, SPRING, CURFEW]);
    const plan = compilePlan(inp, 'c1', at(addDays(first, -1), '12:00'), at(addDays(last, 1), '23:59'));
    for (const day of days(first, last)) {
      const t = at(day, '20:00');
      for (const intent of resolveAt(inp, 'c1', t)) {
        expect(intent, day).toMatchObject({ scene: { name: 'zodiac-lantern' }, ruleId: 'spring', reason: 'rule', power: 'on' });
      }
      const e = entryAt(plan.entries, 'g01', t);
      expect(e.ruleId, day).toBe('spring');
      expect(e.groups).toHaveLength(16);
      expect(e.lost, day).toContainEqual({ ruleId: 'nightly', why: 'priority' });
    }
    // The evenings either side of the season are the nightly programme's.
    for (const day of [addDays(first, -1), addDays(last, 1)]) expect(entryAt(plan.entries, 'g01', at(day, '20:00')).ruleId, day).toBe('nightly');
  });

  it('plays Mid-Autumn 2026 on 2026-09-25 only', () => {
    const mid = rule('mid-autumn', { kind: 'festival', when: { days: { festival: 'zhongqiu' }, start: { sun: 'sunset' }, end: { at: '22:00' } }, play: { scene: { name: 'moon' } } });
    const plan = compilePlan(input([NIGHTLY, mid]), 'c1', at('2026-09-20', '00:00'), at('2026-09-30', '00:00'));
    const nights = plan.entries.filter((e) => e.ruleId === 'mid-autumn').map((e) => e.start);
    expect(new Set(nights.map((t) => new Date(t + 8 * 3_600_000).toISOString().slice(0, 10)))).toEqual(new Set(['2026-09-25']));
  });

  it('follows a leap-month lunar date (闰六月初一 2025 = 2025-07-25)', () => {
    const leap = rule('leap', { kind: 'festival', when: { days: { lunar: { month: 6, day: 1, leap: true } }, start: { at: '19:00' }, end: { at: '21:00' } }, play: { scene: { name: 'carp' } } });
    const plain = rule('plain', { kind: 'festival', when: { days: { lunar: { month: 6, day: 1 } }, start: { at: '19:00' }, end: { at: '21:00' } }, play: { scene: { name: 'lotus' } } });
    const plan = compilePlan(input([leap, plain]), 'c1', at('2025-06-01', '00:00'), at('2025-09-01', '00:00'));
    const played = (id: string) => plan.entries.filter((e) => e.ruleId === id).map((e) => new Date(e.start + 8 * 3_600_000).toISOString().slice(0, 10));
    expect(played('leap')).toEqual(['2025-07-25']);
    expect(played('plain')).toEqual(['2025-06-25']);
  });
});

describe('priorities, limits and overrides', () => {
  it('cuts a show that runs late at the curfew', () => {
    const late = rule('late', { kind: 'nightly', when: { start: { at: '21:00' }, end: { at: '23:30' } }, play: { scene: { name: 'carp' } } });
    const inp = input([late, CURFEW]);
    const before = resolveAt(inp, 'c1', at('2026-05-06', '22:29'))[0]!;
    expect(before).toMatchObject({ power: 'on', ruleId: 'late', until: at('2026-05-06', '22:30') });
    const after = resolveAt(inp, 'c1', at('2026-05-06', '23:00'))[0]!;
    expect(after).toMatchObject({ power: 'off', scene: null, reason: 'curfew', ruleId: 'curfew', since: at('2026-05-06', '22:30') });
    const plan = compilePlan(inp, 'c1', at('2026-05-06', '12:00'), at('2026-05-07', '12:00'));
    const cut = entryAt(plan.entries, 'g05', at('2026-05-06', '23:00'));
    expect(cut).toMatchObject({ reason: 'curfew', power: 'off', start: at('2026-05-06', '22:30'), end: at('2026-05-06', '23:30') });
    expect(cut.lost).toEqual([{ ruleId: 'late', why: 'curfew' }]);
    expect(plan.limits).toContainEqual({ ruleId: 'curfew', kind: 'curfew', start: at('2026-05-06', '22:30'), end: at('2026-05-07', '06:00') });
  });

  it('puts an override on top and returns to the schedule when it expires', () => {
    const day = '2026-05-06';
    const ov = { id: 'ov1', compound: 'c1', scene: { name: 'fireworks' }, from: at(day, '20:00'), until: at(day, '20:30'), by: 'staff-1' };
    const inp = input([NIGHTLY, CURFEW], [site()], [ov]);
    const during = resolveAt(inp, 'c1', at(day, '20:10'));
    expect(during.every((i) => i.reason === 'override' && i.overrideId === 'ov1' && i.scene?.name === 'fireworks' && i.until === at(day, '20:30'))).toBe(true);
    const back = resolveAt(inp, 'c1', at(day, '20:30'));
    expect(back.every((i) => i.reason === 'rule' && i.ruleId === 'nightly' && i.overrideId === null)).toBe(true);
    const plan = compilePlan(inp, 'c1', at(day, '18:00'), at(day, '23:00'));
    expect(entryAt(plan.entries, 'g01', at(day, '20:10')).lost).toContainEqual({ ruleId: 'nightly', why: 'override' });
    // An override is bound by the curfew too, unless it may break it.
    const lateOv = { ...ov, id: 'ov2', from: at(day, '22:20'), until: at(day, '23:00') };
    expect(resolveAt(input([NIGHTLY, CURFEW], [site()], [lateOv]), 'c1', at(day, '22:45'))[0]).toMatchObject({ reason: 'curfew', power: 'off' });
    expect(resolveAt(input([NIGHTLY, CURFEW], [site()], [{ ...lateOv, breaksCurfew: true }]), 'c1', at(day, '22:45'))[0]).toMatchObject({ reason: 'override', power: 'on' });
    // An override of some groups leaves the others on the schedule.
    const some = resolveAt(input([NIGHTLY], [site()], [{ ...ov, groups: ['g02'] }]), 'c1', at(day, '20:10'));
    expect(some.find((i) => i.group === 'g02')?.reason).toBe('override');
    expect(some.find((i) => i.group === 'g03')?.reason).toBe('rule');
  });

  it('resumes an interrupted nightly playlist where its timeline is, not from the start', () => {
    const day = '2026-05-06';
    const nightly = rule('nightly', {
      kind: 'nightly',
      when: { start: { at: '19:00' }, end: { at: '22:00' } },
      play: { playlist: { items: [{ scene: { name: 'carp' }, durationS: 600 }, { scene: { name: 'starfield' }, durationS: 900, transitionMs: 2000 }, { scene: { name: 'lotus' }, durationS: 300 }] } },
    });
    const county = rule('county-notice', { kind: 'county', when: { days: { dates: [day] }, start: { at: '19:20' }, end: { at: '19:50' } }, play: { scene: { name: 'flag' } } });
    const inp = input([nightly, county]);
    expect(resolveAt(inp, 'c1', at(day, '19:30'))[0]).toMatchObject({ ruleId: 'county-notice', scene: { name: 'flag' } });
    // The cycle is 30 min: at 19:50 the timeline is 20 min into its second cycle, i.e. in item 1 (starfield), begun 19:40.
    const resumed = resolveAt(inp, 'c1', at(day, '19:50'))[0]!;
    expect(resumed).toMatchObject({ ruleId: 'nightly', playlistItem: 1, scene: { name: 'starfield' }, since: at(day, '19:40'), until: at(day, '19:55'), transitionMs: 2000 });
    const plan = compilePlan(inp, 'c1', at(day, '18:00'), at(day, '23:00'));
    const e = entryAt(plan.entries, 'g01', at(day, '19:52'));
    expect(e).toMatchObject({ start: at(day, '19:50'), end: at(day, '19:55'), playlistItem: 1, since: at(day, '19:40') });
    expect(entryAt(plan.entries, 'g01', at(day, '19:30')).lost).toEqual([{ ruleId: 'nightly', why: 'priority' }]);
  });

  it('stops a playlist gracefully (the running item finishes) or hard, and repeats a fixed number of times', () => {
    const day = '2026-05-06';
    const items = [{ scene: { name: 'carp' }, durationS: 1800 }, { scene: { name: 'lotus' }, durationS: 1800 }];
    const mk = (stop: 'graceful' | 'hard', repeat?: number) =>
      rule('p', { kind: 'nightly', when: { start: { at: '19:00' }, end: { at: '20:15' } }, play: { playlist: { items, stop, ...(repeat ? { repeat } : {}) } } });
    const end = (r: ReturnType<typeof mk>) => Math.max(...compilePlan(input([r]), 'c1', at(day, '18:00'), at(day, '23:00')).entries.filter((e) => e.ruleId === 'p').map((e) => e.end));
    expect(end(mk('graceful'))).toBe(at(day, '20:30'));
    expect(end(mk('hard'))).toBe(at(day, '20:15'));
    expect(end(mk('graceful', 1))).toBe(at(day, '20:00'));
  });

  it('shuffles the same way for the same rule and night, differently on other nights', () => {
    const items = Array.from({ length: 8 }, (_, i) => ({ scene: { name: `s${i}` }, durationS: 60 }));
    const r = rule('shuffled', { kind: 'nightly', when: { start: { at: '19:00' }, end: { at: '19:08' } }, play: { playlist: { items, shuffle: true } } });
    const order = (day: string) => compilePlan(input([r]), 'c1', at(day, '18:00'), at(day, '20:00')).entries.filter((e) => e.ruleId === 'shuffled').map((e) => e.playlistItem);
    const a = order('2026-05-06');
    expect(a).toEqual(order('2026-05-06'));
    expect([...a].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const others = ['2026-05-07', '2026-05-08', '2026-05-09'].map(order);
    expect(others.some((o) => JSON.stringify(o) !== JSON.stringify(a))).toBe(true);
  });

  it('caps brightness in quiet hours on weekdays, overrides included', () => {
    const quiet = rule('quiet', { kind: 'quiet', when: { days: { every: 'weekday' }, start: { at: '21:30' }, end: { at: '22:30' } }, maxBrightness: 102 });
    const ov = { id: 'ov', compound: 'c1', scene: { name: 'fireworks' }, brightness: 255, from: at('2026-05-07', '21:40'), until: at('2026-05-07', '21:50'), by: 'x' };
    const inp = input([NIGHTLY, quiet], [site()], [ov]);
    expect(resolveAt(inp, 'c1', at('2026-05-06', '21:45'))[0]).toMatchObject({ brightness: 102, reason: 'quiet', ruleId: 'nightly' }); // Wednesday
    expect(resolveAt(inp, 'c1', at('2026-05-06', '21:15'))[0]).toMatchObject({ brightness: 255, reason: 'rule' });
    expect(resolveAt(inp, 'c1', at('2026-05-09', '21:45'))[0]).toMatchObject({ brightness: 255, reason: 'rule' }); // Saturday
    expect(resolveAt(inp, 'c1', at('2026-05-07', '21:45'))[0]).toMatchObject({ brightness: 102, overrideId: 'ov', scene: { name: 'fireworks' }, reason: 'quiet' });
    const plan = compilePlan(inp, 'c1', at('2026-05-06', '12:00'), at('2026-05-07', '12:00'));
    expect(plan.limits).toContainEqual({ ruleId: 'quiet', kind: 'quiet', start: at('2026-05-06', '21:30'), end: at('2026-05-06', '22:30'), maxBrightness: 102 });
  });

  it('dims a night evenly to fit an energy budget', () => {
    // 16 groups × 200 W for 18:00-22:00 = 12.8 kWh; the budget allows 8.
    const show = rule('show', { kind: 'nightly', when: { start: { at: '18:00' }, end: { at: '22:00' } }, play: { scene: { name: 'carp' } } });
    const budget = rule('budget', { kind: 'budget', when: {}, kwhPerNight: 8 });
    const plan = compilePlan(input([show, budget]), 'c1', at('2026-05-06', '12:00'), at('2026-05-07', '12:00'));
    const lit = plan.entries.filter((e) => e.power === 'on');
    expect(lit.every((e) => e.reason === 'budget' && e.ruleId === 'show')).toBe(true);
    const kwh = lit.reduce((s, e) => s + (e.groups.length * 200 * e.brightness) / 255 * (e.end - e.start) / 3_600_000 / 1000, 0);
    expect(kwh).toBeLessThanOrEqual(8);
    expect(kwh).toBeGreaterThan(7.9);
    expect(plan.warnings).toContainEqual(expect.objectContaining({ ruleId: 'budget', code: 'over-budget', dates: ['2026-05-06'] }));
    expect(plan.limits.some((l) => l.kind === 'budget' && l.start === at('2026-05-06', '18:00') && l.end === at('2026-05-07', '06:00'))).toBe(true);
    // Under budget: untouched.
    const roomy = compilePlan(input([show, { ...budget, kwhPerNight: 20 }]), 'c1', at('2026-05-06', '12:00'), at('2026-05-07', '12:00'));
    expect(roomy.entries.filter((e) => e.power === 'on').every((e) => e.brightness === 255 && e.reason === 'rule')).toBe(true);
  });

  it('keeps wall-clock time across a DST change (Europe/Berlin, 29 March 2026)', () => {
    const berlin = site('b1', 2, { tz: 'Europe/Berlin', lat: 52.52, lon: 13.4, ancestors: ['rong-county'] });
    const r = rule('evening', { kind: 'nightly', tz: 'Europe/Berlin', when: { start: { at: '20:00' }, end: { at: '21:00' } }, play: { scene: { name: 'carp' } } });
    const plan = compilePlan(input([r], [berlin]), 'b1', Date.UTC(2026, 2, 27), Date.UTC(2026, 2, 31));
    const starts = plan.entries.filter((e) => e.ruleId === 'evening').map((e) => e.start);
    expect(starts).toEqual([Date.UTC(2026, 2, 27, 19), Date.UTC(2026, 2, 28, 19), Date.UTC(2026, 2, 29, 18), Date.UTC(2026, 2, 30, 18)]);
    expect(resolveAt(input([r], [berlin]), 'b1', Date.UTC(2026, 2, 29, 18, 30))[0]).toMatchObject({ power: 'on', ruleId: 'evening' });
    expect(resolveAt(input([r], [berlin]), 'b1', Date.UTC(2026, 2, 29, 19, 30))[0]).toMatchObject({ power: 'off', reason: 'idle' });
  });

  it('fires cron rules at their times (node-cron syntax)', () => {
    const r = rule('friday', { kind: 'nightly', priority: 250, when: { cron: '0 20 * * fri', durationMin: 15 }, play: { scene: { name: 'fire' } } });
    const plan = compilePlan(input([NIGHTLY, r]), 'c1', at('2026-05-04', '00:00'), at('2026-05-18', '00:00'));
    const runs = plan.entries.filter((e) => e.ruleId === 'friday');
    expect(runs.map((e) => [e.start, e.end])).toEqual([
      [at('2026-05-08', '20:00'), at('2026-05-08', '20:15')],
      [at('2026-05-15', '20:00'), at('2026-05-15', '20:15')],
    ]);
  });

  it('says why a rule lost when it was disabled or outside its dates', () => {
    const off = rule('off', { kind: 'festival', enabled: false, when: { start: { at: '20:00' }, end: { at: '21:00' } }, play: { scene: { name: 'x' } } });
    const over = rule('over', { kind: 'festival', when: { until: '2026-05-01', start: { at: '20:00' }, end: { at: '21:00' } }, play: { scene: { name: 'y' } } });
    const plan = compilePlan(input([NIGHTLY, off, over]), 'c1', at('2026-05-06', '12:00'), at('2026-05-07', '12:00'));
    const e = entryAt(plan.entries, 'g01', at('2026-05-06', '20:30'));
    expect(e.ruleId).toBe('nightly');
    expect(e.lost).toEqual(expect.arrayContaining([{ ruleId: 'off', why: 'disabled' }, { ruleId: 'over', why: 'outside-dates' }]));
  });
});

describe('plans', () => {
  const rules = [
    NIGHTLY, SPRING, CURFEW,
    rule('quiet', { kind: 'quiet', when: { days: { every: 'weekday' }, start: { at: '21:30' }, end: { at: '22:30' } }, maxBrightness: 102 }),
    rule('budget', { kind: 'budget', when: {}, kwhPerNight: 9 }),
    rule('default-off', { kind: 'default', when: { start: { at: '06:00' }, end: { at: '18:00' } }, play: { power: 'off' } }),
    rule('mid-autumn', { kind: 'festival', when: { days: { festival: 'zhongqiu' }, start: { sun: 'sunset' }, end: { at: '22:15' } }, play: { scene: { name: 'moon' } } }),
    rule('weekend-gate', { kind: 'nightly', priority: 210, target: { compounds: ['c1'], groups: ['g03', 'g04'] }, when: { days: { every: 'weekend' }, start: { at: '19:00' }, end: { at: '20:00' } }, play: { scene: { name: 'gate' } } }),
    rule('friday', { kind: 'nightly', priority: 250, when: { cron: '30 20 * * 5', durationMin: 15 }, play: { scene: { name: 'fire' } } }),
    rule('national', { kind: 'festival', when: { days: { holiday: 'national-day' }, start: { at: '19:00' }, end: { at: '22:00' } }, play: { scene: { name: 'flag' } } }),
  ];
  const from = at('2026-02-01', '00:00');
  const to = from + 62 * 86_400_000;

  it('covers every group at every instant with merged, sorted entries', () => {
    const plan = compilePlan(input(rules), 'c1', from, to);
    for (const g of site().groups) {
      const mine = plan.entries.filter((e) => e.groups.includes(g.id)).sort((a, b) => a.start - b.start);
      expect(mine[0]!.start).toBe(from);
      expect(mine[mine.length - 1]!.end).toBe(to);
      for (let i = 1; i < mine.length; i++) expect(mine[i]!.start, g.id).toBe(mine[i - 1]!.end);
    }
    for (const e of plan.entries) {
      expect(e.end).toBeGreaterThan(e.start);
      expect(e.groups).toEqual([...e.groups].sort());
    }
    expect(plan.entries.length).toBeLessThan(2000);
  });

  it('compiles 62 days × 16 groups × 10 rules quickly', () => {
    const inp = input(rules);
    compilePlan(inp, 'c1', from, to); // warm the calendar caches
    const t0 = performance.now();
    compilePlan(inp, 'c1', from + 3_600_000, to + 3_600_000);
    const ms = performance.now() - t0;
    expect(ms).toBeLessThan(1000); // a safety net on a shared machine; 12-70 ms warm here
  });
});

describe('plans and instants agree', () => {
  it('a plan that starts inside a graceful tail shows the item still finishing, like resolveAt', () => {
    const day = '2026-05-06';
    const r = rule('p', { kind: 'nightly', when: { start: { at: '19:00' }, end: { at: '20:15' } }, play: { playlist: { items: [{ scene: { name: 'carp' }, durationS: 1800 }] } } });
    const t = at(day, '20:20');
    expect(resolveAt(input([r]), 'c1', t)[0]).toMatchObject({ ruleId: 'p', until: at(day, '20:30') });
    const plan = compilePlan(input([r]), 'c1', t, at(day, '23:00'));
    expect(plan.entries[0]).toMatchObject({ start: t, end: at(day, '20:30'), ruleId: 'p', since: at(day, '20:00') });
  });

  it('resolveAt matches the plan at every hour of a festival fortnight', () => {
    const rules = [NIGHTLY, SPRING, CURFEW, rule('quiet', { kind: 'quiet', when: { days: { every: 'workday' }, start: { at: '21:30' }, end: { at: '22:30' } }, maxBrightness: 102 })];
    const inp = input(rules, [site('c1', 3)]);
    const from = at('2026-02-10', '00:00');
    const plan = compilePlan(inp, 'c1', from, from + 14 * 86_400_000);
    for (let t = from; t < from + 14 * 86_400_000; t += 3_600_000 + 7 * MIN) {
      for (const intent of resolveAt(inp, 'c1', t)) {
        const e = entryAt(plan.entries, intent.group, t);
        expect({ scene: intent.scene, power: intent.power, brightness: intent.brightness, ruleId: intent.ruleId, reason: intent.reason }).toEqual({
          scene: e.scene, power: e.power, brightness: e.brightness, ruleId: e.ruleId, reason: e.reason,
        });
      }
    }
  });
});
