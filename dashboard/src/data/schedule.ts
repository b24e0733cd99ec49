/**
 * The scheduler's routes: rules (GET/POST/PUT/DELETE /api/rules, POST /api/rules/check while editing), a
 * compound's resolved plan (GET /api/compounds/:compound/plan), the Chinese calendar (GET /api/calendar),
 * manual overrides (POST …/override, GET …/overrides, DELETE …/overrides/:id), the demo clock
 * (GET /api/clock) and start skew (GET /api/sync). Wire shapes follow scenes' schedule schema; the page
 * imports them as types only.
 */
import type { DeviceStatus } from '@caideng/protocol';
import { refCounted, writable } from '../lib/store';
import { deleteJson, getJson, postJson, request } from './api';
import { withSocket } from './socket';

// ---- wire shapes (scenes/src/schedule: RuleBody, PlanEntry, …) ----

export type ProgrammeKind = 'county' | 'festival' | 'nightly' | 'default';
export type LimitKind = 'curfew' | 'quiet' | 'budget';
export type RuleKind = ProgrammeKind | LimitKind;
export const PROGRAMME_KINDS = ['nightly', 'festival', 'default', 'county'] as const satisfies readonly ProgrammeKind[];
export const LIMIT_KINDS = ['curfew', 'quiet', 'budget'] as const satisfies readonly LimitKind[];
/** Kinds that only those who govern may set (officers, admin). */
export const GOVERNED_KINDS: readonly RuleKind[] = ['county', 'curfew', 'quiet', 'budget'];
export const DEFAULT_PRIORITY: Record<ProgrammeKind, number> = { county: 400, festival: 300, nightly: 200, default: 100 };
export const isLimit = (kind: RuleKind): kind is LimitKind => (LIMIT_KINDS as readonly string[]).includes(kind);

export type SunEvent = 'sunset' | 'sunrise' | 'dusk' | 'dawn';
export const SUN_EVENTS = ['sunset', 'dusk', 'sunrise', 'dawn'] as const satisfies readonly SunEvent[];
export type TimeSpec = { at: string } | { sun: SunEvent; offsetMin?: number; notBefore?: string; notAfter?: string };

export const FESTIVALS = ['chuxi', 'chunjie', 'yuanxiao', 'qingming', 'duanwu', 'qixi', 'zhongyuan', 'zhongqiu', 'chongyang', 'xiaonian', 'laba', 'yuandan', 'guoqing'] as const;
export type FestivalId = (typeof FESTIVALS)[number];
export const SOLAR_TERMS = [
  'lichun', 'yushui', 'jingzhe', 'chunfen', 'qingming', 'guyu', 'lixia', 'xiaoman', 'mangzhong', 'xiazhi', 'xiaoshu', 'dashu',
  'liqiu', 'chushu', 'bailu', 'qiufen', 'hanlu', 'shuangjiang', 'lidong', 'xiaoxue', 'daxue', 'dongzhi', 'xiaohan', 'dahan',
] as const;
export type SolarTermId = (typeof SOLAR_TERMS)[number];
export const HOLIDAYS = ['new-year', 'spring-festival', 'qingming', 'labour-day', 'dragon-boat', 'mid-autumn', 'national-day'] as const;
export type HolidayId = (typeof HOLIDAYS)[number];
export const EVERY = ['day', 'weekday', 'weekend', 'workday', 'restday'] as const;

export type DaySel =
  | { every: (typeof EVERY)[number] }
  | { weekdays: number[] }
  | { festival: FestivalId }
  | { festivalRange: { from: FestivalId; to: FestivalId } }
  | { lunar: { month: number; day: number | 'last'; leap?: boolean } }
  | { solarTerm: SolarTermId }
  | { holiday: HolidayId }
  | { dates: string[] };

export interface SceneRef {
  name: string;
  params?: Record<string, unknown>;
}
export interface PlaylistItem {
  scene: SceneRef;
  durationS: number;
  transitionMs?: number;
  brightness?: number;
}
export type Play =
  | { scene: SceneRef; brightness?: number }
  | { playlist: { items: PlaylistItem[]; repeat?: number | 'forever'; shuffle?: boolean; stop?: 'graceful' | 'hard' } }
  | { power: 'off' };

export interface Target {
  compounds?: string[];
  areas?: string[];
  groups?: string[];
}

export interface RuleBody {
  name: string;
  kind: RuleKind;
  priority?: number;
  enabled?: boolean;
  target: Target;
  when: { days?: DaySel; from?: string; until?: string; start?: TimeSpec; end?: TimeSpec; cron?: string; durationMin?: number };
  play?: Play;
  maxBrightness?: number;
  kwhPerNight?: number;
  tz?: string;
}

export type WarningCode = 'never-fires' | 'sun-event-missing' | 'clamp-always-wins' | 'hidden-by-curfew' | 'partly-hidden-by-curfew' | 'conflict' | 'over-budget';
export interface RuleWarning {
  ruleId: string;
  code: WarningCode;
  message: string;
  dates?: string[];
  otherRuleId?: string;
}

export interface RuleView extends RuleBody {
  id: string;
  revision: number;
  createdBy: string;
  updatedAt: number;
  editable: boolean;
  warnings: RuleWarning[];
}

export type LostWhy = 'priority' | 'curfew' | 'quiet' | 'budget' | 'override' | 'outside-dates' | 'disabled';
export type IntentReason = 'rule' | 'override' | 'curfew' | 'quiet' | 'budget' | 'idle';
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
  lost: Array<{ ruleId: string; why: LostWhy }>;
}
export interface LimitWindow {
  ruleId: string;
  kind: LimitKind;
  start: number;
  end: number;
  maxBrightness?: number;
}
export interface PlanRuleInfo {
  id: string;
  name: string;
  kind: RuleKind;
  priority: number;
}
export interface Plan {
  compound: string;
  from: number;
  to: number;
  entries: PlanEntry[];
  limits: LimitWindow[];
  warnings: RuleWarning[];
  rules: PlanRuleInfo[];
}

export interface CalendarEntry {
  date: string;
  kind: 'festival' | 'solar-term' | 'holiday' | 'workday';
  id: string;
  name: { zh: string; en: string };
}

export interface OverrideView {
  id: string;
  compound: string;
  groups?: string[];
  scene?: SceneRef;
  power?: 'on' | 'off';
  brightness?: number;
  from: number;
  until: number;
  by: string;
  breaksCurfew?: boolean;
  remainingMs: number;
}
export interface OverrideBody {
  scene?: SceneRef;
  power?: 'on' | 'off';
  brightness?: number;
  minutes: number;
  groups?: string[];
  breakCurfew?: boolean;
}

export interface ClockInfo {
  now: number;
  offsetMs: number;
  speed: number;
  shifted: boolean;
}

export interface SyncGroup {
  compound: string;
  group: string;
  skewMs: number;
  startAt: number;
  at: number;
}
export interface SyncShow {
  commandId: string;
  compound: string;
  startAt: number;
  groups: number;
  reported: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}
export interface SyncReport {
  groups: SyncGroup[];
  shows: SyncShow[];
}

export interface FieldError {
  path: string;
  message: string;
}
export interface CheckResult {
  warnings: RuleWarning[];
  errors: FieldError[];
}

// ---- calls ----

const enc = encodeURIComponent;

export const fetchRules = (compound?: string, signal?: AbortSignal) =>
  getJson<{ rules: RuleView[] }>(compound ? `/api/rules?compound=${enc(compound)}` : '/api/rules', signal).then((r) => r.rules);
export const checkRule = (body: RuleBody, signal?: AbortSignal) => request<CheckResult>('POST', '/api/rules/check', body, signal ? { signal } : {});
export const createRule = (body: RuleBody) => postJson<{ rule: RuleView; warnings: RuleWarning[] }>('/api/rules', body);
export const updateRule = (id: string, body: RuleBody) => request<{ rule: RuleView; warnings: RuleWarning[] }>('PUT', `/api/rules/${enc(id)}`, body);
export const deleteRule = (id: string) => deleteJson(`/api/rules/${enc(id)}`);
export const fetchPlan = (compound: string, from: number, to: number, signal?: AbortSignal) =>
  getJson<Plan>(`/api/compounds/${enc(compound)}/plan?from=${Math.round(from)}&to=${Math.round(to)}`, signal);
export const fetchCalendar = (year: number, signal?: AbortSignal) => getJson<{ year: number; entries: CalendarEntry[] }>(`/api/calendar?year=${year}`, signal).then((r) => r.entries);
export const startOverride = (compound: string, body: OverrideBody) => postJson<{ override: OverrideView }>(`/api/compounds/${enc(compound)}/override`, body).then((r) => r.override);
export const fetchOverrides = (compound: string, signal?: AbortSignal) => getJson<{ overrides: OverrideView[] }>(`/api/compounds/${enc(compound)}/overrides`, signal).then((r) => r.overrides);
export const endOverride = (compound: string, id: string) => deleteJson(`/api/compounds/${enc(compound)}/overrides/${enc(id)}`);
export const fetchSync = (compound?: string, signal?: AbortSignal) => getJson<SyncReport>(compound ? `/api/sync?compound=${enc(compound)}` : '/api/sync', signal, { quiet403: true });

// ---- "something in the schedule changed": socket push when the controller sends one, and local saves ----

/** Bumped whenever the schedule may have changed: a save or delete here, an override, or the controller's push. */
export const scheduleRevision = writable(0);
export const bumpSchedule = () => scheduleRevision.update((n) => n + 1);

/** The socket events the scheduler pushes (when the controller has them); any of them means "fetch again". */
const SCHEDULE_EVENTS = ['schedule', 'schedule.changed', 'override', 'override.changed'] as const;

/** Listens for the controller's schedule pushes while a schedule screen is open. */
export const subscribeScheduleChanges = refCounted(() =>
  withSocket((socket) => {
    const loose = socket as unknown as { on(ev: string, fn: () => void): void; off(ev: string, fn: () => void): void };
    for (const ev of SCHEDULE_EVENTS) loose.on(ev, bumpSchedule);
    return () => {
      for (const ev of SCHEDULE_EVENTS) loose.off(ev, bumpSchedule);
    };
  }),
);

// ---- the controller's clock (demo: shifted and faster) ----

export interface ClockState {
  /** The controller's answer, and our own time when it came. */
  info: ClockInfo | null;
  receivedAt: number;
}

export const clock = writable<ClockState>({ info: null, receivedAt: 0 });

/** The controller's time now: its answer advanced by the local time since, times its speed. */
export function controllerNow(state: ClockState = clock.get(), local = Date.now()): number {
  if (!state.info) return local;
  return state.info.now + (local - state.receivedAt) * state.info.speed;
}

/** Asks for the clock at start and every 5 minutes (a restarted controller may have a new one). */
export const subscribeClock = refCounted(() => {
  const abort = new AbortController();
  const load = () =>
    getJson<ClockInfo>('/api/clock', abort.signal, { quiet403: true })
      .then((info) => clock.set({ info, receivedAt: Date.now() }))
      .catch(() => undefined /* no scheduler on this controller: the real clock it is */);
  void load();
  const timer = setInterval(load, 5 * 60_000);
  return () => {
    abort.abort();
    clearInterval(timer);
  };
});

// ---- Asia/Shanghai civil time (UTC+8, no DST) ----

export const SHANGHAI_OFFSET_MS = 8 * 3600_000;
export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;

/** Epoch ms of 00:00 Asia/Shanghai on the day containing `t`. */
export const shanghaiMidnight = (t: number) => Math.floor((t + SHANGHAI_OFFSET_MS) / DAY_MS) * DAY_MS - SHANGHAI_OFFSET_MS;
/** 'YYYY-MM-DD' of `t` in Asia/Shanghai. */
export const civilDay = (t: number) => new Date(t + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);
/** Epoch ms of 00:00 Asia/Shanghai of a 'YYYY-MM-DD'. */
export const civilMidnight = (day: string) => Date.parse(`${day}T00:00:00+08:00`);
/** 'HH:MM' of `t` in Asia/Shanghai. */
export const clockTime = (t: number) => new Date(t + SHANGHAI_OFFSET_MS).toISOString().slice(11, 16);
/** ISO weekday (1 = Monday … 7 = Sunday) of `t` in Asia/Shanghai. */
export const isoWeekday = (t: number) => ((new Date(t + SHANGHAI_OFFSET_MS).getUTCDay() + 6) % 7) + 1;

/**
 * A group's last start skew (ms: when it actually started minus the command's planned start), when the
 * controller reports it (`DeviceStatus.skewMs`, from the sync monitor); undefined before the first timed start.
 */
export function skewOf(s: DeviceStatus | undefined): number | undefined {
  const v = (s as (DeviceStatus & { skewMs?: number }) | undefined)?.skewMs;
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}
