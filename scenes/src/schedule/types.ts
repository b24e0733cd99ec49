/** What the scheduler takes in (rules, overrides, sites) and gives out (intents, plans, warnings). */
import type { CivilDay, Rule, SceneRef } from './schema.js';

/** A manual "play X for N minutes" on a compound (all groups, or some), on top of every rule. */
export interface Override {
  id: string;
  compound: string;
  groups?: string[];
  scene?: SceneRef;
  power?: 'on' | 'off';
  brightness?: number;
  from: number;
  until: number;
  by: string;
  /** Only with the right role: the override is not bound by curfew, quiet hours or budget. */
  breaksCurfew?: boolean;
}

export interface SiteGroup {
  id: string;
  ratedWatts: number;
  fixture: string;
  channels: number;
}

/** A compound as the scheduler sees it: where it is (for the sun), what it is under (for targets), its groups. */
export interface Site {
  id: string;
  /** community, street, county, city ids */
  ancestors: string[];
  lat: number;
  lon: number;
  tz?: string;
  groups: SiteGroup[];
}

export interface ScheduleInput {
  rules: Rule[];
  overrides: Override[];
  sites: Site[];
  /** Watts of a scene on a group, for budgets (the controller passes scenes' estimate); default ratedWatts × brightness/255. */
  watts?: (scene: SceneRef | null, brightness: number, group: SiteGroup) => number;
}

export type LostWhy = 'priority' | 'curfew' | 'quiet' | 'budget' | 'override' | 'outside-dates' | 'disabled';
export type IntentReason = 'rule' | 'override' | 'curfew' | 'quiet' | 'budget' | 'idle';

/** What one group should be doing. */
export interface Intent {
  group: string;
  power: 'on' | 'off';
  brightness: number;
  scene: SceneRef | null;
  /** When this intent began by the plan (a playlist item's nominal start): the show's phase origin. */
  since: number;
  /** When it changes next (null: beyond the horizon computed). */
  until: number | null;
  ruleId: string | null;
  overrideId: string | null;
  /** 'idle' = nothing scheduled: off. */
  reason: IntentReason;
  playlistItem?: number;
  /** the playlist item's transition into this scene */
  transitionMs?: number;
}

export interface PlanEntry {
  start: number;
  end: number;
  groups: string[];
  scene: SceneRef | null;
  power: 'on' | 'off';
  brightness: number;
  ruleId: string | null;
  overrideId: string | null;
  reason: IntentReason;
  playlistItem?: number;
  transitionMs?: number;
  /** the show's phase origin, as Intent.since (for entries that play; else the entry's start) */
  since: number;
  lost: Array<{ ruleId: string; why: LostWhy }>;
}

export interface LimitWindow {
  ruleId: string;
  kind: 'curfew' | 'quiet' | 'budget';
  start: number;
  end: number;
  maxBrightness?: number;
}

export type WarningCode = 'never-fires' | 'sun-event-missing' | 'clamp-always-wins' | 'hidden-by-curfew' | 'partly-hidden-by-curfew' | 'conflict' | 'over-budget';

export interface RuleWarning {
  ruleId: string;
  code: WarningCode;
  /** English */
  message: string;
  dates?: CivilDay[];
  otherRuleId?: string;
}

export interface Plan {
  entries: PlanEntry[];
  limits: LimitWindow[];
  warnings: RuleWarning[];
}
