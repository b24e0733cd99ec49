/** The Chinese calendar through lunar-javascript: festivals, solar terms, official holidays and 调休 workdays. */
import type { CivilDay, FestivalId, HolidayId } from './schema.js';

export interface CalendarEntry {
  date: CivilDay;
  kind: 'festival' | 'solar-term' | 'holiday' | 'workday';
  id: string;
  name: { zh: string; en: string };
}

export function calendarYear(_year: number): CalendarEntry[] {
  throw new Error('not implemented');
}

export function festivalDate(_id: FestivalId, _year: number): CivilDay {
  throw new Error('not implemented');
}

export function lunarToCivil(_lunarYear: number, _month: number, _day: number | 'last', _leap?: boolean): CivilDay | null {
  throw new Error('not implemented');
}

export function officialDay(_day: CivilDay): { holiday: HolidayId | null; workday: boolean; name?: { zh: string; en: string } } {
  throw new Error('not implemented');
}
