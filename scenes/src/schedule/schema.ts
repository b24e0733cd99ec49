/**
 * Schedule rules: their schema (TypeBox, closed objects) and `validateRule`, which reports every error
 * with the JSON pointer of the field (`/when/start/offsetMin`) so an editor can put it next to the input.
 * Brightness is 0-255 everywhere (screens show %); times of day are wall-clock in the rule's zone.
 */
import Type, { type Static, type TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { literals } from '../effects/params.js';
import { SCENE_ID_PATTERN } from '../ids.js';
import { checkCron } from './cron.js';
import { dayIndex, dayOf, isValidZone } from './zone.js';

const closed = { additionalProperties: false } as const;

export const PROGRAMME_KINDS = ['county', 'festival', 'nightly', 'default'] as const;
export const LIMIT_KINDS = ['curfew', 'quiet', 'budget'] as const;
export const RULE_KINDS = [...PROGRAMME_KINDS, ...LIMIT_KINDS] as const;
export type ProgrammeKind = (typeof PROGRAMME_KINDS)[number];
export type LimitKind = (typeof LIMIT_KINDS)[number];
export type RuleKind = (typeof RULE_KINDS)[number];

/** Priorities by kind when a programme rule gives none: county > festival > nightly > default. */
export const DEFAULT_PRIORITY: Record<ProgrammeKind, number> = { county: 400, festival: 300, nightly: 200, default: 100 };

export const FESTIVAL_IDS = [
  'chuxi', 'chunjie', 'yuanxiao', 'duanwu', 'qixi', 'zhongyuan', 'zhongqiu', 'chongyang', 'laba', 'xiaonian',
  'yuandan', 'guoqing', 'qingming',
] as const;
export type FestivalId = (typeof FESTIVAL_IDS)[number];

/** The 24 solar terms (节气) in calendar order from 小寒. */
export const SOLAR_TERM_IDS = [
  'xiaohan', 'dahan', 'lichun', 'yushui', 'jingzhe', 'chunfen', 'qingming', 'guyu', 'lixia', 'xiaoman', 'mangzhong', 'xiazhi',
  'xiaoshu', 'dashu', 'liqiu', 'chushu', 'bailu', 'qiufen', 'hanlu', 'shuangjiang', 'lidong', 'xiaoxue', 'daxue', 'dongzhi',
] as const;
export type SolarTermId = (typeof SOLAR_TERM_IDS)[number];

export const HOLIDAY_IDS = ['new-year', 'spring-festival', 'qingming', 'labour-day', 'dragon-boat', 'mid-autumn', 'national-day'] as const;
export type HolidayId = (typeof HOLIDAY_IDS)[number];

export const SUN_EVENTS = ['sunset', 'sunrise', 'dusk', 'dawn'] as const;
export type SunEvent = (typeof SUN_EVENTS)[number];

const CLOCK_PATTERN = '^([01][0-9]|2[0-3]):[0-5][0-9]$';
const DAY_PATTERN = '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$';

export const ClockTimeSchema = Type.String({ pattern: CLOCK_PATTERN, 'x-kind': 'clock', description: "'HH:MM' local time, 00:00-23:59" });
export const CivilDaySchema = Type.String({ pattern: DAY_PATTERN, 'x-kind': 'day', description: "'YYYY-MM-DD'" });
export type ClockTime = string;
export type CivilDay = string;

export const Brightness = Type.Integer({ minimum: 0, maximum: 255, description: 'output level 0-255' });

/** The same shape as protocol's SceneRef (scenes does not depend on protocol). */
export const SceneRefSchema = Type.Object(
  {
    name: Type.String({ pattern: SCENE_ID_PATTERN, description: 'scene name in the catalog, e.g. "ox-lantern"' }),
    params: Type.Optional(
      Type.Record(Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_]{0,31}$' }), Type.Union([Type.Number(), Type.String({ maxLength: 64 }), Type.Boolean()]), { maxProperties: 32 }),
    ),
    seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 4294967295, description: 'seed for random effects' })),
  },
  closed,
);
export type SceneRef = Static<typeof SceneRefSchema>;

export const TimeSpecSchema = Type.Union(
  [
    Type.Object({ at: ClockTimeSchema }, closed),
    Type.Object(
      {
        sun: literals(SUN_EVENTS),
        offsetMin: Type.Optional(Type.Integer({ minimum: -180, maximum: 180, 'x-unit': 'min', description: 'minutes after (+) or before (-) the event' })),
        notBefore: Type.Optional(ClockTimeSchema),
        notAfter: Type.Optional(ClockTimeSchema),
      },
      closed,
    ),
  ],
  { 'x-variants': ['at', 'sun'] },
);
export type TimeSpec = Static<typeof TimeSpecSchema>;

export const DaySelSchema = Type.Union(
  [
    Type.Object({ every: literals(['day', 'weekday', 'weekend', 'workday', 'restday'] as const) }, closed),
    Type.Object({ weekdays: Type.Array(Type.Integer({ minimum: 1, maximum: 7, description: '1 = Monday … 7 = Sunday' }), { minItems: 1, maxItems: 7 }) }, closed),
    Type.Object({ festival: literals(FESTIVAL_IDS) }, closed),
    Type.Object({ festivalRange: Type.Object({ from: literals(FESTIVAL_IDS), to: literals(FESTIVAL_IDS) }, closed) }, closed),
    Type.Object(
      {
        lunar: Type.Object(
          {
            month: Type.Integer({ minimum: 1, maximum: 12 }),
            day: Type.Union([Type.Integer({ minimum: 1, maximum: 30 }), Type.Literal('last')]),
            leap: Type.Optional(Type.Boolean({ description: 'the leap (闰) month of that number' })),
          },
          closed,
        ),
      },
      closed,
    ),
    Type.Object({ solarTerm: literals(SOLAR_TERM_IDS) }, closed),
    Type.Object({ holiday: literals(HOLIDAY_IDS) }, closed),
    Type.Object({ dates: Type.Array(CivilDaySchema, { minItems: 1, maxItems: 366 }) }, closed),
  ],
  { 'x-variants': ['every', 'weekdays', 'festival', 'festivalRange', 'lunar', 'solarTerm', 'holiday', 'dates'] },
);
export type DaySel = Static<typeof DaySelSchema>;

export const PlaylistItemSchema = Type.Object(
  {
    scene: SceneRefSchema,
    durationS: Type.Integer({ minimum: 1, maximum: 86_400, 'x-unit': 's' }),
    transitionMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 600_000, 'x-unit': 'ms' })),
    brightness: Type.Optional(Brightness),
  },
  closed,
);
export type PlaylistItem = Static<typeof PlaylistItemSchema>;

export const PlaySchema = Type.Union(
  [
    Type.Object({ scene: SceneRefSchema, brightness: Type.Optional(Brightness) }, closed),
    Type.Object(
      {
        playlist: Type.Object(
          {
            items: Type.Array(PlaylistItemSchema, { minItems: 1, maxItems: 64 }),
            repeat: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 10_000 }), Type.Literal('forever')], { default: 'forever' })),
            shuffle: Type.Optional(Type.Boolean()),
            stop: Type.Optional(literals(['graceful', 'hard'] as const, { default: 'graceful' })),
          },
          closed,
        ),
      },
      closed,
    ),
    Type.Object({ power: Type.Literal('off') }, closed),
  ],
  { 'x-variants': ['scene', 'playlist', 'power'] },
);
export type Play = Static<typeof PlaySchema>;

const TargetIds = Type.Array(Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,47}$' }), { maxItems: 512 });
export const TargetSchema = Type.Object({ compounds: Type.Optional(TargetIds), areas: Type.Optional(TargetIds), groups: Type.Optional(TargetIds) }, closed);
export type Target = Static<typeof TargetSchema>;

export const WhenSchema = Type.Object(
  {
    days: Type.Optional(DaySelSchema),
    from: Type.Optional(CivilDaySchema),
    until: Type.Optional(CivilDaySchema),
    start: Type.Optional(TimeSpecSchema),
    end: Type.Optional(TimeSpecSchema),
    cron: Type.Optional(Type.String({ minLength: 1, maxLength: 128, 'x-kind': 'cron' })),
    durationMin: Type.Optional(Type.Integer({ minimum: 1, maximum: 1440, 'x-unit': 'min' })),
  },
  closed,
);
export type When = Static<typeof WhenSchema>;

export const RuleBodySchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64 }),
    kind: literals(RULE_KINDS),
    priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
    enabled: Type.Optional(Type.Boolean({ default: true })),
    target: TargetSchema,
    when: WhenSchema,
    play: Type.Optional(PlaySchema),
    maxBrightness: Type.Optional(Brightness),
    kwhPerNight: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 100_000, 'x-unit': 'kWh' })),
    tz: Type.Optional(Type.String({ minLength: 1, maxLength: 64, 'x-kind': 'zone' })),
  },
  closed,
);
export type RuleBody = Static<typeof RuleBodySchema>;

export interface Rule extends RuleBody {
  id: string;
  revision: number;
}

export interface RuleError {
  path: string;
  message: string;
}
export type RuleValidation = { ok: true } | { ok: false; errors: RuleError[] };

export function isProgramme(kind: RuleKind): kind is ProgrammeKind {
  return (PROGRAMME_KINDS as readonly string[]).includes(kind);
}

/** The rule's effective priority: its own number, or the default of its kind (limits: none, they bind). */
export function priorityOf(rule: Pick<RuleBody, 'kind' | 'priority'>): number {
  if (!isProgramme(rule.kind)) return Infinity;
  return rule.priority ?? DEFAULT_PRIORITY[rule.kind];
}

const ruleValidator = Compile(RuleBodySchema);

/**
 * Validates a rule body: its shape (every error, by JSON pointer) and then what a schema cannot say —
 * a programme plays something and a limit does not, quiet hours name their cap, groups belong to one
 * compound, the cron expression parses, the zone exists, the date range is in order.
 */
export function validateRule(body: unknown): RuleValidation {
  const errors: RuleError[] = [];
  if (!ruleValidator.Check(body)) errors.push(...collectErrors(RuleBodySchema, body, ''));
  if (isObject(body)) errors.push(...semanticErrors(body));
  const unique = dedupe(errors);
  return unique.length === 0 ? { ok: true } : { ok: false, errors: unique };
}

function semanticErrors(b: Record<string, unknown>): RuleError[] {
  const out: RuleError[] = [];
  const kind = b['kind'];
  const programme = typeof kind === 'string' && (PROGRAMME_KINDS as readonly string[]).includes(kind);
  const limit = typeof kind === 'string' && (LIMIT_KINDS as readonly string[]).includes(kind);
  if (programme && b['play'] === undefined) out.push({ path: '/play', message: 'is required: a programme plays a scene, a playlist or power off' });
  if (limit && b['play'] !== undefined) out.push({ path: '/play', message: `a ${String(kind)} rule limits what others play and plays nothing itself` });
  if (kind === 'quiet' && b['maxBrightness'] === undefined) out.push({ path: '/maxBrightness', message: 'is required for quiet hours (0-255, e.g. 102 = 40 %)' });
  if (kind !== 'quiet' && b['maxBrightness'] !== undefined) out.push({ path: '/maxBrightness', message: 'only quiet hours have a brightness cap' });
  if (kind === 'budget' && b['kwhPerNight'] === undefined) out.push({ path: '/kwhPerNight', message: 'is required for an energy budget (kWh per compound per night)' });
  if (kind !== 'budget' && b['kwhPerNight'] !== undefined) out.push({ path: '/kwhPerNight', message: 'only an energy budget has kWh per night' });

  const target = b['target'];
  if (isObject(target)) {
    const n = (k: string) => (Array.isArray(target[k]) ? (target[k] as unknown[]).length : 0);
    if (n('compounds') + n('areas') + n('groups') === 0) out.push({ path: '/target', message: 'must name at least one compound, area or group' });
    else if (n('groups') > 0 && (n('compounds') !== 1 || n('areas') > 0)) out.push({ path: '/target/groups', message: 'groups need exactly one compound and no areas' });
  }

  const tz = b['tz'];
  if (typeof tz === 'string' && !isValidZone(tz)) out.push({ path: '/tz', message: `unknown time zone '${tz}' (IANA name, e.g. Asia/Shanghai)` });

  const when = b['when'];
  if (isObject(when)) {
    const cron = when['cron'];
    const hasStart = when['start'] !== undefined;
    if (typeof cron === 'string') {
      const problem = checkCron(cron);
      if (problem) out.push({ path: '/when/cron', message: problem });
      if (hasStart) out.push({ path: '/when/start', message: 'give either start or cron, not both' });
      if (when['end'] !== undefined) out.push({ path: '/when/end', message: 'a cron rule ends after durationMin, not at end' });
      if (when['durationMin'] === undefined && kind !== 'curfew') out.push({ path: '/when/durationMin', message: 'is required with cron: how long each occurrence lasts' });
      if (when['days'] !== undefined) out.push({ path: '/when/days', message: 'a cron expression chooses its own days' });
    } else if (kind !== 'budget') {
      if (!hasStart) out.push({ path: '/when/start', message: 'is required (or give a cron expression)' });
      if (when['durationMin'] !== undefined && when['end'] !== undefined) out.push({ path: '/when/durationMin', message: 'give either end or durationMin, not both' });
      if (when['end'] === undefined && when['durationMin'] === undefined && kind !== 'curfew') out.push({ path: '/when/end', message: 'is required (or durationMin)' });
    }
    for (const key of ['start', 'end'] as const) {
      const spec = when[key];
      if (isObject(spec) && typeof spec['notBefore'] === 'string' && typeof spec['notAfter'] === 'string' && spec['notBefore'] > spec['notAfter']) {
        out.push({ path: `/when/${key}/notAfter`, message: 'must not be earlier than notBefore' });
      }
    }
    for (const key of ['from', 'until'] as const) {
      const d = when[key];
      if (typeof d === 'string' && new RegExp(DAY_PATTERN).test(d) && !isRealDay(d)) out.push({ path: `/when/${key}`, message: `${d} is not a date` });
    }
    if (typeof when['from'] === 'string' && typeof when['until'] === 'string' && when['from'] > when['until']) {
      out.push({ path: '/when/until', message: 'must not be before from' });
    }
    const days = when['days'];
    if (isObject(days)) {
      if (Array.isArray(days['dates'])) {
        (days['dates'] as unknown[]).forEach((d, i) => {
          if (typeof d === 'string' && new RegExp(DAY_PATTERN).test(d) && !isRealDay(d)) out.push({ path: `/when/days/dates/${i}`, message: `${d} is not a date` });
        });
      }
      if (Array.isArray(days['weekdays']) && new Set(days['weekdays'] as unknown[]).size !== (days['weekdays'] as unknown[]).length) {
        out.push({ path: '/when/days/weekdays', message: 'must not repeat a day' });
      }
    }
  }
  return out;
}

function isRealDay(d: string): boolean {
  return dayOf(dayIndex(d)) === d;
}

// ---------------------------------------------------------------------------------------------
// Error collection: objects and arrays are walked here, unions of objects pick their variant by the
// key present ('x-variants'), leaves go to compiled validators, so every message names one field.

const leafValidators = new WeakMap<object, ReturnType<typeof Compile>>();

function collectErrors(schema: TSchema, value: unknown, path: string): RuleError[] {
  const s = schema as Record<string, unknown>;
  const variants = s['x-variants'];
  if (Array.isArray(variants) && Array.isArray(s['anyOf'])) {
    if (!isObject(value)) return [{ path, message: `must be an object with one of: ${variants.join(', ')}` }];
    const present = (variants as string[]).filter((k) => k in value);
    if (present.length !== 1) {
      return [{ path, message: present.length === 0 ? `must have one of: ${variants.join(', ')}` : `must have only one of: ${present.join(', ')}` }];
    }
    const index = (variants as string[]).indexOf(present[0]!);
    return collectErrors((s['anyOf'] as TSchema[])[index]!, value, path);
  }
  if (s['type'] === 'object' && isObject(s['properties'])) {
    if (!isObject(value)) return [{ path, message: 'must be an object' }];
    const props = s['properties'] as Record<string, TSchema>;
    const out: RuleError[] = [];
    for (const key of (s['required'] as string[] | undefined) ?? []) {
      if (value[key] === undefined) out.push({ path: `${path}/${escapePointer(key)}`, message: 'is required' });
    }
    for (const [key, v] of Object.entries(value)) {
      const prop = props[key];
      if (prop) out.push(...collectErrors(prop, v, `${path}/${escapePointer(key)}`));
      else if (s['additionalProperties'] === false) out.push({ path: `${path}/${escapePointer(key)}`, message: `unknown property '${key}'; known: ${Object.keys(props).join(', ')}` });
    }
    return out;
  }
  if (s['type'] === 'array' && isObject(s['items'])) {
    if (!Array.isArray(value)) return [{ path, message: 'must be a list' }];
    const out: RuleError[] = [];
    if (typeof s['minItems'] === 'number' && value.length < s['minItems']) out.push({ path, message: `must have at least ${s['minItems']} item(s)` });
    if (typeof s['maxItems'] === 'number' && value.length > s['maxItems']) out.push({ path, message: `must have at most ${s['maxItems']} items` });
    value.forEach((item, i) => out.push(...collectErrors(s['items'] as TSchema, item, `${path}/${i}`)));
    return out;
  }
  let v = leafValidators.get(schema);
  if (!v) {
    v = Compile(schema);
    leafValidators.set(schema, v);
  }
  return v.Check(value) ? [] : [{ path, message: leafMessage(s) }];
}

function leafMessage(s: Record<string, unknown>): string {
  if (Array.isArray(s['anyOf'])) {
    const options = (s['anyOf'] as Record<string, unknown>[]).map((o) => (o['const'] !== undefined ? JSON.stringify(o['const']) : leafMessage(o).replace(/^must be /, '')));
    return `must be one of ${options.join(', ')}`;
  }
  if (s['const'] !== undefined) return `must be ${JSON.stringify(s['const'])}`;
  if (s['type'] === 'number' || s['type'] === 'integer') {
    const unit = typeof s['x-unit'] === 'string' ? ` ${s['x-unit']}` : '';
    const what = s['type'] === 'integer' ? 'a whole number' : 'a number';
    const lo = s['minimum'] ?? (s['exclusiveMinimum'] !== undefined ? `more than ${String(s['exclusiveMinimum'])}` : undefined);
    if (lo !== undefined && s['maximum'] !== undefined) return `must be ${what} from ${String(lo)} to ${String(s['maximum'])}${unit}`;
    return `must be ${what}`;
  }
  if (s['type'] === 'boolean') return 'must be true or false';
  if (s['type'] === 'string') {
    const kind = s['x-kind'];
    if (kind === 'clock') return "must be a time 'HH:MM' from 00:00 to 23:59";
    if (kind === 'day') return "must be a date 'YYYY-MM-DD'";
    if (s['pattern'] === SCENE_ID_PATTERN || s['pattern'] === '^[a-z0-9][a-z0-9-]{0,47}$') return 'must be an id: a-z, 0-9 and -, up to 48 characters';
    if (typeof s['minLength'] === 'number' && typeof s['maxLength'] === 'number') return `must be text of ${s['minLength']}-${s['maxLength']} characters`;
    if (typeof s['pattern'] === 'string') return `must match ${s['pattern']}`;
    return 'must be text';
  }
  if (s['type'] === 'object') return 'must be an object';
  return 'is not valid';
}

function dedupe(errors: RuleError[]): RuleError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = `${e.path}\u0000${e.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function escapePointer(s: string): string {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}
