import { describe, expect, it } from 'vitest';
import { checkCron, parseCron } from '../src/schedule/cron.js';
import { DEFAULT_PRIORITY, priorityOf, validateRule, type RuleBody } from '../src/schedule/schema.js';

const NIGHTLY: RuleBody = {
  name: '每晚灯光秀',
  kind: 'nightly',
  target: { compounds: ['xuri-1'] },
  when: { start: { sun: 'sunset', offsetMin: 10 }, end: { at: '22:00' } },
  play: { playlist: { items: [{ scene: { name: 'carp' }, durationS: 600, transitionMs: 1500 }, { scene: { name: 'lotus', params: { speed: 2 } }, durationS: 300 }], shuffle: true, stop: 'hard' } },
};

function errors(body: unknown) {
  const r = validateRule(body);
  return r.ok ? [] : r.errors;
}

describe('rule validation', () => {
  it('accepts the kinds of rule the county uses', () => {
    expect(validateRule(NIGHTLY)).toEqual({ ok: true });
    const ok: unknown[] = [
      { name: '春节', kind: 'festival', target: { areas: ['rong-county'] }, when: { days: { festivalRange: { from: 'chuxi', to: 'yuanxiao' } }, start: { sun: 'dusk', notBefore: '18:00', notAfter: '19:30' }, end: { at: '22:00' } }, play: { scene: { name: 'zodiac-lantern' }, brightness: 200 } },
      { name: '宵禁', kind: 'curfew', target: { areas: ['rong-county'] }, when: { start: { at: '22:30' } } },
      { name: '静', kind: 'quiet', target: { areas: ['rong-county'] }, when: { days: { every: 'weekday' }, start: { at: '21:30' }, end: { at: '22:30' } }, maxBrightness: 102 },
      { name: '电', kind: 'budget', target: { areas: ['rong-county'] }, when: {}, kwhPerNight: 8 },
      { name: 'gate', kind: 'nightly', priority: 250, target: { compounds: ['c1'], groups: ['g1'] }, when: { cron: '0 20 * * 5', durationMin: 15 }, tz: 'Europe/Berlin', play: { power: 'off' } },
      { name: 'leap', kind: 'festival', target: { compounds: ['c1'] }, when: { days: { lunar: { month: 6, day: 'last', leap: true } }, from: '2025-01-01', until: '2025-12-31', start: { at: '19:00' }, durationMin: 60 }, play: { scene: { name: 'x' } } },
    ];
    for (const body of ok) expect(errors(body), JSON.stringify(body)).toEqual([]);
  });

  it('puts each error at its field, as a JSON pointer', () => {
    const bad = {
      ...NIGHTLY,
      name: '',
      priority: 2000,
      extra: true,
      when: { start: { sun: 'sunset', offsetMin: 240 }, end: { at: '24:00' }, days: { lunar: { month: 13, day: 31 } } },
      play: { playlist: { items: [{ scene: { name: 'Carp!' }, durationS: 0 }] } },
    };
    const paths = errors(bad).map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['/name', '/priority', '/extra', '/when/start/offsetMin', '/when/end/at', '/when/days/lunar/month', '/when/days/lunar/day', '/play/playlist/items/0/scene/name', '/play/playlist/items/0/durationS']));
    expect(errors(bad).find((e) => e.path === '/when/start/offsetMin')?.message).toBe('must be a whole number from -180 to 180 min');
    expect(errors(bad).find((e) => e.path === '/when/end/at')?.message).toMatch(/HH:MM/);
  });

  it('names the variant it expects when a union has none or several', () => {
    expect(errors({ ...NIGHTLY, when: { ...NIGHTLY.when, start: { at: '19:00', sun: 'sunset' } } })).toContainEqual({ path: '/when/start', message: 'must have only one of: at, sun' });
    expect(errors({ ...NIGHTLY, when: { ...NIGHTLY.when, days: {} } })).toContainEqual({ path: '/when/days', message: expect.stringContaining('must have one of: every, weekdays, festival') });
    expect(errors({ ...NIGHTLY, when: { ...NIGHTLY.when, days: { festival: 'christmas' } } })).toContainEqual({ path: '/when/days/festival', message: expect.stringContaining('"zhongqiu"') });
  });

  it('checks what a schema cannot say', () => {
    const at = (patch: object) => errors({ ...NIGHTLY, ...patch }).map((e) => e.path);
    expect(at({ play: undefined })).toContain('/play');
    expect(at({ kind: 'curfew' })).toContain('/play');
    expect(at({ kind: 'quiet', play: undefined })).toContain('/maxBrightness');
    expect(at({ kind: 'budget', play: undefined })).toContain('/kwhPerNight');
    expect(at({ maxBrightness: 100 })).toContain('/maxBrightness');
    expect(at({ target: {} })).toContain('/target');
    expect(at({ target: { compounds: ['a', 'b'], groups: ['g1'] } })).toContain('/target/groups');
    expect(at({ target: { areas: ['rong-county'], groups: ['g1'] } })).toContain('/target/groups');
    expect(at({ tz: 'Mars/Olympus' })).toContain('/tz');
    expect(at({ when: { start: { at: '19:00' } } })).toContain('/when/end');
    expect(at({ when: { end: { at: '19:00' } } })).toContain('/when/start');
    expect(at({ when: { ...NIGHTLY.when, from: '2026-03-01', until: '2026-02-01' } })).toContain('/when/until');
    expect(at({ when: { ...NIGHTLY.when, from: '2026-02-30' } })).toContain('/when/from');
    expect(at({ when: { ...NIGHTLY.when, start: { sun: 'sunset', notBefore: '20:00', notAfter: '19:00' } } })).toContain('/when/start/notAfter');
    expect(at({ when: { cron: '0 25 * * *', durationMin: 10 } })).toContain('/when/cron');
    expect(at({ when: { cron: '0 20 * * *' } })).toContain('/when/durationMin');
    expect(at({ when: { ...NIGHTLY.when, days: { weekdays: [1, 1] } } })).toContain('/when/days/weekdays');
  });

  it('gives programmes their priority by kind and limits none', () => {
    expect(DEFAULT_PRIORITY).toEqual({ county: 400, festival: 300, nightly: 200, default: 100 });
    expect(priorityOf({ kind: 'festival' })).toBe(300);
    expect(priorityOf({ kind: 'festival', priority: 50 })).toBe(50);
    expect(priorityOf({ kind: 'curfew', priority: 1 })).toBe(Infinity);
  });
});

describe('cron expressions (node-cron syntax)', () => {
  it('expands fields, names, steps and nicknames', () => {
    const s = parseCron('*/15 18-22 * 1,feb sun,6');
    expect(s.minutes).toEqual([0, 15, 30, 45]);
    expect(s.hours).toEqual([18, 19, 20, 21, 22]);
    expect([...s.months]).toEqual([1, 2]);
    expect([...s.weekdays].sort()).toEqual([0, 6]);
    expect(parseCron('30 0 20 * * 7').seconds).toEqual([30]);
    expect([...parseCron('0 20 * * 7').weekdays]).toEqual([0]);
    expect(parseCron('@daily').hours).toEqual([0]);
    expect(parseCron('0 22-2 * * *').hours).toEqual([0, 1, 2, 22, 23]); // wraps, as node-cron reads it
  });

  it('refuses what is not valid, and what a plan cannot follow', () => {
    expect(checkCron('0 20 * * 5')).toBeNull();
    expect(checkCron('0 20 * *')).toMatch(/5 fields/);
    expect(checkCron('61 20 * * *')).toMatch(/minute/);
    expect(checkCron('*/10 0 20 * * *')).toMatch(/seconds/);
    expect(checkCron('0 20 L * *')).toMatch(/not supported/);
  });
});
