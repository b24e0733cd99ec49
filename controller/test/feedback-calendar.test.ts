/**
 * The pure parts of the feedback engine: the business calendar (working hours, China's holidays and 调休
 * workdays from lunar-javascript), the index formula and its buckets, and the seed's measure read from a
 * ticket's history.
 */
import { describe, expect, it } from 'vitest';
import type { TicketView } from '@caideng/protocol';
import { BusinessCalendar, localMidnight } from '../src/features/feedback/businessCalendar.js';
import { bucketsOf, indexOf, nightStart } from '../src/features/feedback/feedback.js';
import { factsOf } from '../src/features/feedback/tickets.js';

const local = (s: string) => {
  const [d, t = '00:00'] = s.split(' ') as [string, string?];
  const [y, m, day] = d.split('-').map(Number) as [number, number, number];
  const [h, min] = t.split(':').map(Number) as [number, number];
  return Date.UTC(y, m - 1, day, h - 8, min);
};
const H = 3_600_000;

describe('business calendar', () => {
  const cal = new BusinessCalendar();

  it('knows weekends, the official holidays and the make-up workdays (调休)', () => {
    expect(cal.isWorkday(local('2026-09-30 12:00'))).toBe(true); // Wednesday
    for (let d = 1; d <= 7; d++) expect(cal.isWorkday(local(`2026-10-0${d} 12:00`)), `October ${d}`).toBe(false); // 国庆节 + 中秋节
    expect(cal.isWorkday(local('2026-10-10 12:00'))).toBe(true); // Saturday, 调休
    expect(cal.isWorkday(local('2026-10-11 12:00'))).toBe(false); // Sunday
    expect(cal.isWorkday(local('2026-02-17 12:00'))).toBe(false); // 春节
    expect(cal.isWorkday(local('2026-02-14 12:00'))).toBe(true); // Saturday before 春节, 调休
    expect(cal.dayMs).toBe(7.5 * H);
  });

  it('adds working time over lunch, nights, the holiday and the weekend', () => {
    expect(cal.add(local('2026-09-29 11:00'), 2 * H)).toBe(local('2026-09-29 14:30'));
    expect(cal.add(local('2026-09-29 17:00'), 1 * H)).toBe(local('2026-09-30 09:00'));
    expect(cal.add(local('2026-09-30 16:00'), 7.5 * H)).toBe(local('2026-10-08 16:00'));
    expect(cal.add(local('2026-10-09 17:00'), 1 * H)).toBe(local('2026-10-10 09:00'));
    expect(cal.add(local('2026-10-10 17:00'), 1 * H)).toBe(local('2026-10-12 09:00'));
    expect(cal.add(local('2026-10-03 03:00'), 0)).toBe(local('2026-10-03 03:00'));
  });

  it('measures working time between two moments, the inverse of add', () => {
    expect(cal.between(local('2026-09-30 16:30'), local('2026-10-08 16:00'))).toBe(7 * H);
    const start = local('2026-10-09 10:15');
    for (const ms of [0.5 * H, 7.5 * H, 40 * H]) expect(cal.between(start, cal.add(start, ms))).toBe(ms);
    expect(cal.between(local('2026-10-02'), local('2026-10-01'))).toBe(0);
  });

  it('takes configured working hours, and refuses nonsense', () => {
    const nineToSix = new BusinessCalendar([{ from: '09:00', to: '18:00' }]);
    expect(nineToSix.add(local('2026-09-30 17:00'), 2 * H)).toBe(local('2026-10-08 10:00'));
    expect(() => new BusinessCalendar([{ from: '12:00', to: '08:00' }])).toThrow(/ends before it starts/);
    expect(() => new BusinessCalendar([{ from: '8:00', to: '12:00' }])).toThrow(/HH:MM/);
    expect(localMidnight(local('2026-10-01 00:30'))).toBe(local('2026-10-01 00:00'));
  });
});

describe('satisfaction index', () => {
  const p = (button: 'satisfied' | 'unsatisfied' | 'too_bright' | 'too_late' | 'help', repeat = false, misuse = false) => ({ button, repeat, misuse });

  it('weighs satisfied 1, too bright and too late 0.25, not satisfied 0; requests, repeats and misuse do not count', () => {
    const presses = [p('satisfied'), p('satisfied'), p('too_bright'), p('too_late'), p('unsatisfied'), p('help'), p('satisfied', true), p('unsatisfied', false, true)];
    expect(indexOf(presses, 5, 0, 1)).toEqual({
      start: 0,
      end: 1,
      index: 50,
      count: 5,
      counts: { satisfied: 2, unsatisfied: 1, too_bright: 1, too_late: 1, broken_lantern: 0, help: 1 },
      misuse: 1,
    });
  });

  it('says "not enough presses" below the minimum, never a score', () => {
    expect(indexOf([p('satisfied'), p('satisfied'), p('satisfied'), p('satisfied')], 5, 0, 1)).toMatchObject({ index: null, reason: 'not-enough-presses', count: 4 });
    expect(indexOf([], 5, 0, 1)).toMatchObject({ index: null, reason: 'not-enough-presses', count: 0 });
  });

  it('cuts nights at local noon and seasons at the festival', () => {
    expect(nightStart(local('2026-10-01 23:00'))).toBe(local('2026-10-01 12:00'));
    expect(nightStart(local('2026-10-02 02:00'))).toBe(local('2026-10-01 12:00'));
    expect(bucketsOf('night', local('2026-10-01 18:00'), local('2026-10-03 18:00'))).toEqual([
      [local('2026-10-01 12:00'), local('2026-10-02 12:00')],
      [local('2026-10-02 12:00'), local('2026-10-03 12:00')],
      [local('2026-10-03 12:00'), local('2026-10-04 12:00')],
    ]);
    expect(bucketsOf('hour', local('2026-10-01 18:30'), local('2026-10-01 20:00'))).toHaveLength(2);
    const [season] = bucketsOf('season', local('2027-01-01'), local('2027-12-31'));
    expect(season![0]).toBeLessThan(local('2027-02-06')); // 春节 2027 is 6 February
    expect(season![1]).toBeGreaterThan(local('2027-02-20')); // 元宵 2027 is 20 February
  });
});

describe("the seed's measure, from a ticket's history", () => {
  it('finds the highest level, the time to first action and to resolution at each level', () => {
    const t = {
      code: 'XJ-2345',
      compound: 'xinghe-jiayuan',
      kind: 'help',
      state: 'resolved',
      level: 'community',
      node: 'nanhu',
      count: 1,
      openedAt: 0,
      updatedAt: 10 * H,
      deadlineAt: null,
      warnAt: null,
      history: [
        { at: 0, by: 'system', action: 'open', toState: 'open', toLevel: 'compound' },
        { at: 3 * H, by: 'system', action: 'escalate', fromLevel: 'compound', toLevel: 'community' },
        { at: 4 * H, by: 'nanhu-officer', action: 'acknowledge', fromState: 'open', toState: 'acknowledged' },
        { at: 10 * H, by: 'nanhu-officer', action: 'resolve', fromState: 'acknowledged', toState: 'resolved' },
      ],
    } as TicketView;
    expect(factsOf(t)).toEqual({ compound: 'xinghe-jiayuan', openedAt: 0, highest: 'community', settled: true, firstAction: { community: H }, resolution: { community: 7 * H } });
  });
});
