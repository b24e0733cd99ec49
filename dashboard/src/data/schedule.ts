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
import type {
  CalendarEntry,
  DaySel,
  FestivalId,
  HolidayId,
  IntentReason,
  LimitKind,
  LimitWindow,
  LostWhy,
  Override,
  Play,
  PlanEntry,
  PlaylistItem,
  ProgrammeKind,
  RuleBody,
  RuleKind,
  RuleWarning,
  ScheduleSceneRef as SceneRef,
  SolarTermId,
  SunEvent,
  Target,
  TimeSpec,
  WarningCode,
} from '@caideng/scenes';

// ---- wire shapes: the rule schema and plan types of scenes' scheduler (types only; nothing of scenes is bundled) ----

export type {
  CalendarEntry,
  DaySel,
  FestivalId,
  HolidayId,
  IntentReason,
  LimitKind,
  LimitWindow,
  LostWhy,
  Play,
  PlanEntry,
  PlaylistItem,
  ProgrammeKind,
  RuleBody,
  RuleKind,
  RuleWarning,
  SceneRef,
  SolarTermId,
  SunEvent,
  Target,
  TimeSpec,
  WarningCode,
};

// The pickers' choices, in the order the form offers them; `satisfies` keeps them in step with scenes' ids.
export const PROGRAMME_KINDS = ['nightly', 'festival', 'default', 'county'] as const satisfies readonly ProgrammeKind[];
export const LIMIT_KINDS = ['curfew', 'quiet', 'budget'] as const satisfies readonly LimitKind[];
/** Kinds that only those who govern may set (officers, admin). */
export const GOVERNED_KINDS: readonly RuleKind[] = ['county', 'curfew', 'quiet', 'budget'];
export const DEFAULT_PRIORITY: Record<ProgrammeKind, number> = { county: 400, festival: 300, nightly: 200, default: 100 };
export const isLimit = (kind: RuleKind): kind is LimitKind => (LIMIT_KINDS as readonly string[]).includes(kind);
export const SUN_EVENTS = ['sunset', 'dusk', 'sunrise', 'dawn'] as const satisfies readonly SunEvent[];
export const FESTIVALS = ['chuxi', 'chunjie', 'yuanxiao', 'qingming', 'duanwu', 'qixi', 'zhongyuan', 'zhongqiu', 'chongyang', 'xiaonian', 'laba', 'yuandan', 'guoqing'] as const satisfies readonly FestivalId[];
export const SOLAR_TERMS = [
  'lichun', 'yushui', 'jingzhe', 'chunfen', 'qingming', 'guyu', 'lixia', 'xiaoman', 'mangzhong', 'xiazhi', 'xiaoshu', 'dashu',
  'liqiu', 'chushu', 'bailu', 'qiufen', 'hanlu', 'shuangjiang', 'lidong', 'xiaoxue', 'daxue', 'dongzhi', 'xiaohan', 'dahan',
] as const satisfies readonly SolarTermId[];
export const HOLIDAYS = ['new-year', 'spring-festival', 'qingming', 'labour-day', 'dragon-boat', 'mid-autumn', 'national-day'] as const satisfies readonly HolidayId[];
export const EVERY = ['day', 'weekday', 'weekend', 'workday', 'restday'] as const satisfies ReadonlyArray<Extract<DaySel, { every: unknown }>['every']>;

export interface RuleView extends RuleBody {
  id: string;
  revision: number;
  createdBy: string;
  updatedAt: number;
  editable: boolean;
  warnings: RuleWarning[];
}

export interface PlanRuleInfo {
  id: string;
  name: string;
  kind: RuleKind;
  /** null for limits (they bind everything below, whatever the number). */
  priority: number | null;
}
/** GET /api/compounds/:compound/plan: scenes' compiled plan with the compound, the range and the rules it names. */
export interface Plan {
  compound: string;
  from: number;
  to: number;
  entries: PlanEntry[];
  limits: LimitWindow[];
  warnings: RuleWarning[];
  rules: PlanRuleInfo[];
}

export interface OverrideView extends Override {
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

/** GET /api/sync (protocol's sync report): one group's last start that had a `startAt`; late is positive. */
export interface SyncGroup {
  compound: string;
  group: string;
  skewMs: number;
  startAt: number;
  startedAt?: number;
  commandId?: string;
  at: number;
}
/** One show (a command with a `startAt`): percentiles of |skew| over the groups that reported, null before any. */
export interface SyncShow {
  commandId: string;
  compound: string;
  startAt: number;
  groups: number;
  reported: number;
  missing?: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}
export interface SyncReport {
  ts?: number;
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

/**
 * Listens for the controller's `schedule` push while a schedule screen is open: sent to a compound's room
 * (the live data's subscription joins them) when a rule touching it is saved or deleted, or an override
 * begins or ends. Any of them means "fetch again".
 */
export const subscribeScheduleChanges = refCounted(() =>
  withSocket((socket) => {
    const onSchedule = () => bumpSchedule();
    socket.on('schedule', onSchedule);
    return () => {
      socket.off('schedule', onSchedule);
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
