/**
 * The compound's public lantern shows as iCalendar, for residents' phone calendars: one event per show
 * (consecutive plan entries of one rule or override joined), titled with the scenes' Chinese names.
 */
import ical, { ICalCalendarMethod } from 'ical-generator';
import type { PlanEntry } from '@caideng/scenes';

export interface IcsInput {
  compound: { id: string; name: string };
  entries: readonly PlanEntry[];
  /** Rule names by id. */
  ruleName: (id: string) => string | undefined;
  /** A scene's Chinese title (its name when it has none). */
  sceneTitle: (name: string) => string;
  now: number;
}

interface Show {
  key: string;
  start: number;
  end: number;
  ruleId: string | null;
  scenes: string[];
}

export function compoundCalendar(input: IcsInput): string {
  const shows: Show[] = [];
  const open = new Map<string, Show>();
  const sorted = [...input.entries].filter((e) => e.power === 'on' && e.scene !== null && (e.reason === 'rule' || e.reason === 'override' || e.reason === 'quiet'));
  sorted.sort((a, b) => a.start - b.start);
  for (const e of sorted) {
    const key = e.ruleId ?? `override:${e.overrideId ?? ''}`;
    const show = open.get(key);
    const title = input.sceneTitle(e.scene!.name);
    if (show && e.start <= show.end) {
      show.end = Math.max(show.end, e.end);
      if (!show.scenes.includes(title)) show.scenes.push(title);
      continue;
    }
    const next: Show = { key, start: e.start, end: e.end, ruleId: e.ruleId, scenes: [title] };
    open.set(key, next);
    shows.push(next);
  }
  const cal = ical({ name: `${input.compound.name} 灯会`, prodId: { company: 'caideng', product: 'schedule', language: 'ZH' }, method: ICalCalendarMethod.PUBLISH });
  for (const s of shows) {
    const rule = s.ruleId ? input.ruleName(s.ruleId) : undefined;
    cal.createEvent({
      id: `${input.compound.id}-${s.key}-${s.start}@caideng`,
      start: new Date(s.start),
      end: new Date(s.end),
      stamp: new Date(input.now),
      summary: `${s.scenes.join('、')}`,
      description: `${input.compound.name}${rule ? ` · ${rule}` : ''}`,
      location: input.compound.name,
    });
  }
  return cal.toString();
}
