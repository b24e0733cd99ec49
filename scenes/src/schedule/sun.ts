/**
 * Sun events of a civil day at a place, through suncalc 2.x: sunrise/sunset (upper limb at −0.833°)
 * and civil dawn/dusk (−6°). The day is the civil day in the site's zone; suncalc anchors on the solar
 * day nearest the instant it is given, so it is given local noon of that day.
 */
import { getTimes } from 'suncalc';
import type { CivilDay, SunEvent } from './schema.js';
import { localDay, localToEpoch } from './zone.js';

const cache = new Map<string, number | null>();

/** suncalc reads only `valueOf()` of the instant it is given; an epoch stands in for a Date object. */
function instant(ms: number): Date {
  return { valueOf: () => ms } as unknown as Date;
}

/** The instant of the event on that civil day in `tz`; null when the sun does not reach that altitude that day. */
export function sunTime(event: SunEvent, day: CivilDay, lat: number, lon: number, tz: string): number | null {
  const key = `${event}|${day}|${lat}|${lon}|${tz}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const noon = localToEpoch(tz, day, 12 * 60);
  const times = getTimes(instant(noon), lat, lon);
  const at = times[event];
  let result: number | null = at ? at.valueOf() : null;
  // Far from the zone's meridian the event may land on the neighbouring civil day: try that solar day.
  if (result !== null && localDay(tz, result) !== day) {
    const shift = localDay(tz, result) < day ? 1 : -1;
    const other = getTimes(instant(noon + shift * 86_400_000), lat, lon)[event];
    result = other && localDay(tz, other.valueOf()) === day ? other.valueOf() : null;
  }
  if (cache.size > 100_000) cache.clear();
  cache.set(key, result);
  return result;
}
