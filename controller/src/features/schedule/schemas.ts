/**
 * HTTP shapes of the scheduler's routes. Rule bodies are the scenes library's `RuleBodySchema` (validated
 * with its `validateRule`, whose JSON-pointer paths such as `/when/start/offsetMin` the editor puts next to
 * the field); the views add what the controller knows. Answers are documented here once.
 */
import Type from 'typebox';
import { Brightness, EpochMs, Id, Power, SceneRef } from '@caideng/protocol';
import { RuleBodySchema } from '@caideng/scenes';

const closed = { additionalProperties: false } as const;

export const RuleParams = Type.Object({ id: Type.String({ pattern: '^[a-z0-9-]{1,24}$' }) }, closed);
export type RuleParams = Type.Static<typeof RuleParams>;

export const RulesQuery = Type.Object({ compound: Type.Optional(Id) }, closed);
export type RulesQuery = Type.Static<typeof RulesQuery>;

export const OverrideParams = Type.Object({ compound: Id, id: Type.String({ pattern: '^[a-z0-9-]{1,24}$' }) }, closed);
export type OverrideParams = Type.Static<typeof OverrideParams>;

const Millis = Type.String({ pattern: '^[0-9]{1,16}$', description: 'epoch ms' });
export const PlanQuery = Type.Object({ from: Type.Optional(Millis), to: Type.Optional(Millis) }, closed);
export type PlanQuery = Type.Static<typeof PlanQuery>;

export const CalendarQuery = Type.Object({ year: Type.Optional(Type.String({ pattern: '^(19[0-9]{2}|20[0-9]{2}|2100)$', description: 'YYYY, 1900-2100; default this year' })) }, closed);
export type CalendarQuery = Type.Static<typeof CalendarQuery>;

export const OverrideBody = Type.Object(
  {
    scene: Type.Optional(SceneRef),
    power: Type.Optional(Power),
    brightness: Type.Optional(Brightness),
    minutes: Type.Integer({ minimum: 1, maximum: 720, description: 'how long the override holds before the schedule takes over again' }),
    groups: Type.Optional(Type.Array(Id, { minItems: 1, maxItems: 512, uniqueItems: true, description: 'every group of the compound when absent' })),
    breakCurfew: Type.Optional(Type.Boolean({ description: 'light through a curfew: needs `govern` on the compound; audited as override.curfew' })),
  },
  { ...closed, anyOf: [{ required: ['scene'] }, { required: ['power'] }, { required: ['brightness'] }] },
);
export type OverrideBody = Type.Static<typeof OverrideBody>;

export const RuleWarningSchema = Type.Object(
  {
    ruleId: Type.String(),
    code: Type.Enum(['never-fires', 'sun-event-missing', 'clamp-always-wins', 'hidden-by-curfew', 'partly-hidden-by-curfew', 'conflict', 'over-budget']),
    message: Type.String(),
    dates: Type.Optional(Type.Array(Type.String())),
    otherRuleId: Type.Optional(Type.String()),
  },
  closed,
);

const FieldError = Type.Object({ path: Type.String(), message: Type.String() }, closed);

export const RuleView = Type.Interface(
  [RuleBodySchema],
  {
    id: Type.String(),
    revision: Type.Integer({ minimum: 1 }),
    createdBy: Type.String({ description: "a username, or 'system' for the seeded demo programme" }),
    updatedAt: EpochMs,
    editable: Type.Boolean({ description: 'whether the caller may change or delete it' }),
    warnings: Type.Array(RuleWarningSchema),
  },
  closed,
);

export const RuleList = Type.Object({ rules: Type.Array(RuleView) }, closed);
export const RuleSaved = Type.Object({ rule: RuleView, warnings: Type.Array(RuleWarningSchema) }, closed);
export const RuleCheck = Type.Object({ warnings: Type.Array(RuleWarningSchema), errors: Type.Array(FieldError) }, closed);

const Reason = Type.Enum(['rule', 'override', 'curfew', 'quiet', 'budget', 'idle']);
export const PlanEntrySchema = Type.Object(
  {
    start: EpochMs,
    end: EpochMs,
    groups: Type.Array(Type.String()),
    scene: Type.Union([SceneRef, Type.Null()]),
    power: Power,
    brightness: Type.Integer({ minimum: 0, maximum: 255 }),
    ruleId: Type.Union([Type.String(), Type.Null()]),
    overrideId: Type.Union([Type.String(), Type.Null()]),
    reason: Reason,
    playlistItem: Type.Optional(Type.Integer({ minimum: 0 })),
    transitionMs: Type.Optional(Type.Integer({ minimum: 0 })),
    since: Type.Integer({ description: "the show's phase origin (a playlist item's nominal start), epoch ms" }),
    lost: Type.Array(Type.Object({ ruleId: Type.String(), why: Type.Enum(['priority', 'curfew', 'quiet', 'budget', 'override', 'outside-dates', 'disabled']) }, closed)),
  },
  closed,
);

export const LimitWindowSchema = Type.Object(
  { ruleId: Type.String(), kind: Type.Enum(['curfew', 'quiet', 'budget']), start: EpochMs, end: EpochMs, maxBrightness: Type.Optional(Type.Integer()) },
  closed,
);

export const PlanAnswer = Type.Object(
  {
    compound: Id,
    from: EpochMs,
    to: EpochMs,
    entries: Type.Array(PlanEntrySchema),
    limits: Type.Array(LimitWindowSchema),
    warnings: Type.Array(RuleWarningSchema),
    rules: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), kind: Type.String(), priority: Type.Union([Type.Number(), Type.Null()]) }, closed)),
  },
  closed,
);

export const CalendarAnswer = Type.Object(
  {
    year: Type.Integer(),
    entries: Type.Array(
      Type.Object(
        {
          date: Type.String({ description: 'YYYY-MM-DD' }),
          kind: Type.Enum(['festival', 'solar-term', 'holiday', 'workday']),
          id: Type.String(),
          name: Type.Object({ zh: Type.String(), en: Type.String() }, closed),
        },
        closed,
      ),
    ),
  },
  closed,
);

export const OverrideViewSchema = Type.Object(
  {
    id: Type.String(),
    compound: Id,
    groups: Type.Optional(Type.Array(Id)),
    scene: Type.Optional(SceneRef),
    power: Type.Optional(Power),
    brightness: Type.Optional(Brightness),
    from: EpochMs,
    until: EpochMs,
    by: Type.String(),
    breaksCurfew: Type.Optional(Type.Boolean()),
    remainingMs: Type.Integer({ minimum: 0 }),
  },
  closed,
);
export const OverrideCreated = Type.Object({ override: OverrideViewSchema }, closed);
export const OverrideList = Type.Object({ overrides: Type.Array(OverrideViewSchema) }, closed);

export const ClockAnswer = Type.Object(
  {
    now: EpochMs,
    offsetMs: Type.Integer({ description: "the controller's clock minus the wall clock, ms" }),
    speed: Type.Number({ description: 'clock ms per real ms (the demo runs faster)' }),
    shifted: Type.Boolean({ description: 'the clock is not the wall clock: the dashboard says so' }),
  },
  closed,
);

export const IcsAnswer = Type.String({ description: 'text/calendar (iCalendar): the compound’s lantern shows of the next 60 days' });

/** What the schedule says each group should show at this moment (GET /api/schedule/now): the county wall compares it with what plays. */
export const NowIntentSchema = Type.Object(
  {
    group: Id,
    power: Power,
    brightness: Type.Integer({ minimum: 0, maximum: 255 }),
    scene: Type.Union([SceneRef, Type.Null()]),
    ruleId: Type.Union([Type.String(), Type.Null()]),
    overrideId: Type.Union([Type.String(), Type.Null()]),
    reason: Reason,
    since: EpochMs,
    until: Type.Union([EpochMs, Type.Null()]),
  },
  closed,
);
export const ScheduleNowAnswer = Type.Object(
  {
    ts: EpochMs,
    compounds: Type.Array(
      Type.Object(
        {
          compound: Id,
          intents: Type.Array(NowIntentSchema),
          budgetKwh: Type.Union([Type.Number({ minimum: 0 }), Type.Null()], { description: "the tightest enabled energy budget's kWh per night for the compound; null when none" }),
        },
        closed,
      ),
    ),
  },
  closed,
);
