/** The schedule library: rules, the Chinese calendar, the sun, resolution and the save-time analysis. Pure. */
export {
  RuleBodySchema,
  TargetSchema,
  WhenSchema,
  TimeSpecSchema,
  DaySelSchema,
  PlaySchema,
  PlaylistItemSchema,
  SceneRefSchema,
  ClockTimeSchema,
  CivilDaySchema,
  validateRule,
  priorityOf,
  isProgramme,
  DEFAULT_PRIORITY,
  RULE_KINDS,
  PROGRAMME_KINDS,
  LIMIT_KINDS,
  FESTIVAL_IDS,
  SOLAR_TERM_IDS,
  HOLIDAY_IDS,
  SUN_EVENTS,
  type RuleKind,
  type ProgrammeKind,
  type LimitKind,
  type ClockTime,
  type CivilDay,
  type TimeSpec,
  type DaySel,
  type FestivalId,
  type SolarTermId,
  type HolidayId,
  type SunEvent,
  type Play,
  type PlaylistItem,
  type Target,
  type When,
  type RuleBody,
  type Rule,
  type RuleError,
  type RuleValidation,
  type SceneRef as ScheduleSceneRef,
} from './schema.js';
export type { Override, SiteGroup, Site, ScheduleInput, LostWhy, IntentReason, Intent, PlanEntry, LimitWindow, RuleWarning, WarningCode, Plan } from './types.js';
export { calendarYear, festivalDate, lunarToCivil, officialDay, type CalendarEntry } from './calendar.js';
export { sunTime } from './sun.js';
export { resolveAt, compilePlan } from './resolve.js';
export { analyzeRule } from './analyze.js';
export { checkCron } from './cron.js';
export { DEFAULT_ZONE, localDay, localToEpoch } from './zone.js';
