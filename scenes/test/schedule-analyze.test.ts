import { describe, expect, it } from 'vitest';
import { analyzeRule } from '../src/schedule/analyze.js';
import { CURFEW, NIGHTLY, at, input, rule, site } from './schedule-helpers.js';

const NOW = at('2026-01-01', '00:00');
const codes = (ws: { code: string }[]) => ws.map((w) => w.code);

describe('the report on a rule', () => {
  it('says when a rule can never fire', () => {
    const past = rule('past', { kind: 'festival', when: { until: '2025-12-31', start: { at: '19:00' }, end: { at: '20:00' } }, play: { scene: { name: 'x' } } });
    expect(analyzeRule(input([past]), past, NOW)).toEqual([expect.objectContaining({ ruleId: 'past', code: 'never-fires' })]);
    // 2026 has no leap month: 闰六月 does not come in the next year …
    const leap = rule('leap', { kind: 'festival', when: { days: { lunar: { month: 6, day: 1, leap: true } }, start: { at: '19:00' }, end: { at: '20:00' } }, play: { scene: { name: 'x' } } });
    expect(codes(analyzeRule(input([leap]), leap, NOW))).toEqual(['never-fires']);
    // … but it did in 2025.
    expect(analyzeRule(input([leap]), leap, at('2025-01-01', '00:00'))).toEqual([]);
    const nowhere = { ...NIGHTLY, id: 'nowhere', target: { compounds: ['elsewhere'] } };
    expect(codes(analyzeRule(input([nowhere]), nowhere, NOW))).toEqual(['never-fires']);
  });

  it('reports days without the sun event instead of inventing a time', () => {
    const svalbard = site('lyr', 2, { lat: 78.22, lon: 15.65, tz: 'Arctic/Longyearbyen', ancestors: ['rong-county'] });
    const r = rule('midsummer', { kind: 'nightly', when: { start: { sun: 'sunset' }, end: { at: '23:00' } }, play: { scene: { name: 'x' } } });
    const w = analyzeRule(input([r], [svalbard]), r, at('2026-06-01', '00:00', 'Arctic/Longyearbyen'), 30);
    const missing = w.find((x) => x.code === 'sun-event-missing');
    expect(missing?.dates).toContain('2026-06-21');
    expect(missing?.dates).toHaveLength(30);
  });

  it('reports a clamp that always wins', () => {
    const r = rule('late-sunset', { kind: 'nightly', when: { start: { sun: 'sunset', notBefore: '21:00' }, end: { at: '22:00' } }, play: { scene: { name: 'x' } } });
    expect(codes(analyzeRule(input([r]), r, NOW))).toContain('clamp-always-wins');
    expect(codes(analyzeRule(input([NIGHTLY]), NIGHTLY, NOW))).not.toContain('clamp-always-wins');
  });

  it('reports a programme wholly or partly hidden by a curfew', () => {
    const hidden = rule('after-hours', { kind: 'nightly', when: { start: { at: '23:00' }, end: { at: '23:45' } }, play: { scene: { name: 'x' } } });
    const partly = rule('runs-late', { kind: 'nightly', when: { start: { at: '21:00' }, end: { at: '23:00' } }, play: { scene: { name: 'x' } } });
    const inp = input([hidden, partly, CURFEW]);
    const h = analyzeRule(inp, hidden, NOW, 30);
    expect(h).toContainEqual(expect.objectContaining({ code: 'hidden-by-curfew', otherRuleId: 'curfew' }));
    const p = analyzeRule(inp, partly, NOW, 30);
    expect(p).toContainEqual(expect.objectContaining({ code: 'partly-hidden-by-curfew', otherRuleId: 'curfew' }));
    expect(p.find((w) => w.code === 'partly-hidden-by-curfew')?.dates).toHaveLength(30);
    expect(codes(analyzeRule(input([NIGHTLY, CURFEW]), NIGHTLY, NOW, 30))).toEqual([]);
  });

  it('reports a same-priority programme overlapping in time and targets', () => {
    const other = rule('other-nightly', { kind: 'nightly', target: { compounds: ['c1'] }, when: { days: { every: 'weekend' }, start: { at: '21:00' }, end: { at: '23:00' } }, play: { scene: { name: 'y' } } });
    const w = analyzeRule(input([NIGHTLY, other]), NIGHTLY, NOW, 14);
    const conflict = w.find((x) => x.code === 'conflict');
    expect(conflict).toMatchObject({ ruleId: 'nightly', otherRuleId: 'other-nightly' });
    expect(conflict?.dates).toHaveLength(4); // two weekends in the next 14 days
    // A different priority, or other groups, is no conflict.
    expect(codes(analyzeRule(input([NIGHTLY, { ...other, priority: 201 }]), NIGHTLY, NOW, 14))).not.toContain('conflict');
    const a = rule('a', { kind: 'nightly', target: { compounds: ['c1'], groups: ['g01'] }, when: { start: { at: '19:00' }, end: { at: '20:00' } }, play: { scene: { name: 'y' } } });
    const b = rule('b', { kind: 'nightly', target: { compounds: ['c1'], groups: ['g02'] }, when: { start: { at: '19:00' }, end: { at: '20:00' } }, play: { scene: { name: 'y' } } });
    expect(codes(analyzeRule(input([a, b]), a, NOW, 14))).not.toContain('conflict');
  });

  it('reports nights over the energy budget', () => {
    const show = rule('show', { kind: 'nightly', when: { start: { at: '18:00' }, end: { at: '22:00' } }, play: { scene: { name: 'carp' } } });
    const budget = rule('budget', { kind: 'budget', when: {}, kwhPerNight: 8 });
    const w = analyzeRule(input([show, budget]), show, NOW, 7);
    expect(w).toContainEqual(expect.objectContaining({ code: 'over-budget', otherRuleId: 'budget' }));
    expect(w.find((x) => x.code === 'over-budget')?.dates).toHaveLength(7);
    expect(codes(analyzeRule(input([show, budget]), budget, NOW, 7))).toContain('over-budget');
  });
});
