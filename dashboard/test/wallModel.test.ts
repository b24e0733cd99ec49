/** The county wall's judgement of a compound (pure): dark, wrong show, fault, partly offline, well. */
import { describe, expect, it } from 'vitest';
import type { DeviceStatus } from '@caideng/protocol';
import type { NowIntent } from '../src/data/wall';
import { href, parseRoute } from '../src/lib/router';
import { problemRank, SETTLE_MS, wallTile } from '../src/views/wall/wallModel';

const NOW = Date.parse('2026-12-02T19:10:00+08:00');
const IDS = ['g01', 'g02'];

const group = (id: string, over: Partial<DeviceStatus> = {}, scene: string | null = 'carp', power: 'on' | 'off' = 'on'): DeviceStatus => ({
  compound: 'c',
  kind: 'group',
  id,
  online: true,
  since: NOW - 60_000,
  state: { v: 1, ts: NOW, power, brightness: 200, scene: scene === null ? null : { name: scene } },
  ...over,
});

const intent = (id: string, scene: string | null = 'carp', since = NOW - 60_000, power: 'on' | 'off' = 'on'): NowIntent => ({
  group: id,
  power,
  brightness: 200,
  scene: scene === null ? null : { name: scene },
  ruleId: 'r1',
  overrideId: null,
  reason: 'rule',
  since,
  until: null,
});

const plan = (...i: NowIntent[]) => new Map(i.map((x) => [x.group, x]));

describe('wall tile', () => {
  it('is well when every group is online and plays what the schedule says', () => {
    const m = wallTile(undefined, [group('g01'), group('g02')], plan(intent('g01'), intent('g02')), IDS, NOW);
    expect(m).toMatchObject({ condition: 'ok', online: 2, total: 2, playing: ['carp'], expected: ['carp'], mismatched: 0 });
  });

  it('is dark when no group is online, or when the schedule says lit and nothing is', () => {
    expect(wallTile(undefined, [group('g01', { online: false }), undefined], plan(intent('g01'), intent('g02')), IDS, NOW).condition).toBe('dark');
    const off = [group('g01', {}, null, 'off'), group('g02', {}, null, 'off')];
    expect(wallTile(undefined, off, plan(intent('g01'), intent('g02')), IDS, NOW).condition).toBe('dark');
    // Off as scheduled is not dark.
    expect(wallTile(undefined, off, plan(intent('g01', null, NOW - 60_000, 'off'), intent('g02', null, NOW - 60_000, 'off')), IDS, NOW).condition).toBe('ok');
  });

  it('marks a wrong show, but not while a schedule change is still reaching the groups', () => {
    const groups = [group('g01', {}, 'lotus'), group('g02')];
    expect(wallTile(undefined, groups, plan(intent('g01'), intent('g02')), IDS, NOW)).toMatchObject({ condition: 'wrong', mismatched: 1 });
    expect(wallTile(undefined, groups, plan(intent('g01', 'carp', NOW - SETTLE_MS + 1000), intent('g02')), IDS, NOW).condition).toBe('ok');
  });

  it('ranks faults and partial outages below dark and wrong; problems sort first', () => {
    const fault = wallTile(undefined, [group('g01', { faults: ['overcurrent'] }), group('g02')], plan(intent('g01'), intent('g02')), IDS, NOW);
    const partial = wallTile(undefined, [group('g01'), group('g02', { online: false })], plan(intent('g01'), intent('g02')), IDS, NOW);
    const dark = wallTile(undefined, [undefined, group('g02', { online: false })], undefined, IDS, NOW);
    const ok = wallTile(undefined, [group('g01'), group('g02')], plan(intent('g01'), intent('g02')), IDS, NOW);
    expect([fault.condition, partial.condition, dark.condition]).toEqual(['fault', 'partial', 'dark']);
    const sorted = [ok, partial, fault, dark].sort((a, b) => problemRank(a) - problemRank(b)).map((m) => m.condition);
    expect(sorted).toEqual(['dark', 'fault', 'partial', 'ok']);
  });

  it('has its own route', () => {
    expect(parseRoute('#/wall')).toEqual({ view: 'wall' });
    expect(href({ view: 'wall' })).toBe('#/wall');
  });
});
