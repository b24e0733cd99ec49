/**
 * The demo county's programme, seeded once into a fresh store with `--demo` (created by `system`): a
 * nightly show from sunset + 10 min to 22:00, the Spring Festival from 除夕 to 元宵 with the zodiac lantern,
 * a Mid-Autumn night, and the county's curfew at 22:30 with quiet hours after 21:30 on weekdays.
 */
import type { RuleBody } from '@caideng/scenes';

export function demoProgramme(county: string): RuleBody[] {
  const everywhere = { areas: [county] };
  return [
    {
      name: '每晚灯会 Nightly show',
      kind: 'nightly',
      target: everywhere,
      when: { days: { every: 'day' }, start: { sun: 'sunset', offsetMin: 10 }, end: { at: '22:00' } },
      play: {
        playlist: {
          items: [
            { scene: { name: 'red-and-gold' }, durationS: 900, transitionMs: 2000 },
            { scene: { name: 'sky-full-of-stars' }, durationS: 600, transitionMs: 2000 },
            { scene: { name: 'meteor-shower' }, durationS: 300, transitionMs: 2000 },
          ],
          repeat: 'forever',
        },
      },
    },
    {
      name: '春节灯会 除夕至元宵 Spring Festival',
      kind: 'festival',
      target: everywhere,
      when: { days: { festivalRange: { from: 'chuxi', to: 'yuanxiao' } }, start: { sun: 'sunset' }, end: { at: '22:30' } },
      play: { scene: { name: 'zodiac-lantern' } },
    },
    {
      name: '中秋之夜 Mid-Autumn night',
      kind: 'festival',
      target: everywhere,
      when: { days: { festival: 'zhongqiu' }, start: { sun: 'sunset' }, end: { at: '22:30' } },
      play: { scene: { name: 'lotus' } },
    },
    {
      name: '县宵禁 County curfew',
      kind: 'curfew',
      target: everywhere,
      when: { start: { at: '22:30' }, end: { at: '06:00' } },
    },
    {
      name: '工作日静夜 Weekday quiet hours',
      kind: 'quiet',
      target: everywhere,
      when: { days: { every: 'weekday' }, start: { at: '21:30' }, end: { at: '22:30' } },
      maxBrightness: 102,
    },
  ];
}
