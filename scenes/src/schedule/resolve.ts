/** Resolution: what every group of a compound should do at an instant, and the plan over a span. */
import type { Intent, Plan, ScheduleInput } from './types.js';

export function resolveAt(_input: ScheduleInput, _compound: string, _t: number): Intent[] {
  throw new Error('not implemented');
}

export function compilePlan(_input: ScheduleInput, _compound: string, _from: number, _to: number): Plan {
  throw new Error('not implemented');
}
