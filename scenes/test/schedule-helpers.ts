/** Shared fixtures of the schedule tests: a Rong County compound, rule builders and local times. */
import type { Rule, RuleBody } from '../src/schedule/schema.js';
import type { ScheduleInput, Site } from '../src/schedule/types.js';
import { localToEpoch } from '../src/schedule/zone.js';

export const SHANGHAI = 'Asia/Shanghai';

export function site(id = 'c1', groups = 16, extra: Partial<Site> = {}): Site {
  return {
    id,
    ancestors: ['xuri-community', 'xuyang-street', 'rong-county', 'zigong'],
    lat: 29.45,
    lon: 104.42,
    groups: Array.from({ length: groups }, (_, i) => ({ id: `g${String(i + 1).padStart(2, '0')}`, ratedWatts: 200, fixture: 'lantern', channels: 3 })),
    ...extra,
  };
}

export function rule(id: string, body: Partial<RuleBody> & Pick<RuleBody, 'kind' | 'when'>): Rule {
  return { id, revision: 1, name: id, target: { areas: ['rong-county'] }, ...body } as Rule;
}

/** Epoch ms of a wall-clock time in a zone. */
export function at(day: string, clock: string, tz = SHANGHAI): number {
  const [h, m] = clock.split(':').map(Number) as [number, number];
  return localToEpoch(tz, day, h * 60 + m);
}

export function input(rules: Rule[], sites: Site[] = [site()], overrides: ScheduleInput['overrides'] = []): ScheduleInput {
  return { rules, sites, overrides };
}

export const NIGHTLY = rule('nightly', {
  kind: 'nightly',
  when: { start: { sun: 'sunset', offsetMin: 10 }, end: { at: '22:00' } },
  play: { playlist: { items: [{ scene: { name: 'carp' }, durationS: 600 }, { scene: { name: 'starfield' }, durationS: 900 }, { scene: { name: 'lotus' }, durationS: 300 }] } },
});
export const SPRING = rule('spring', {
  kind: 'festival',
  when: { days: { festivalRange: { from: 'chuxi', to: 'yuanxiao' } }, start: { sun: 'sunset' }, end: { at: '22:00' } },
  play: { scene: { name: 'zodiac-lantern' } },
});
export const CURFEW = rule('curfew', { kind: 'curfew', when: { start: { at: '22:30' } } });
