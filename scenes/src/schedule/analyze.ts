/** The save-time report on a rule: never fires, missing sun events, clamps, curfews, conflicts, budgets. */
import type { Rule } from './schema.js';
import type { RuleWarning, ScheduleInput } from './types.js';

export function analyzeRule(_input: ScheduleInput, _rule: Rule, _now: number, _days = 366): RuleWarning[] {
  throw new Error('not implemented');
}
