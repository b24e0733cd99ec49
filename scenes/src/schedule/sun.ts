/** Sun events of a civil day at a place (suncalc 2.x), as epoch ms. */
import type { CivilDay, SunEvent } from './schema.js';

export function sunTime(_event: SunEvent, _day: CivilDay, _lat: number, _lon: number, _tz: string): number | null {
  throw new Error('not implemented');
}
