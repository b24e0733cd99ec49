/**
 * The history API (GET /api/history, /api/energy and their neighbours): time series for the dashboard and
 * other tools, epoch ms on the wire, points as `[ts, value]` at a resolution chosen from the range.
 */
import Type from 'typebox';
import { EpochMs, Id, KIOSK_BUTTONS } from './payloads.js';

const closed = { additionalProperties: false } as const;

export const HISTORY_SERIES = ['power', 'energy', 'online', 'satisfaction'] as const;
export type HistorySeries = (typeof HISTORY_SERIES)[number];
export const HISTORY_LEVELS = ['raw', 'minute', 'hour', 'day'] as const;
export type HistoryLevel = (typeof HISTORY_LEVELS)[number];

/** An epoch-ms query field (query strings are text). */
const EpochText = Type.String({ pattern: '^[0-9]{1,15}$', description: 'epoch milliseconds' });

/** The range and scope every history query shares. */
export const HistoryRange = Type.Object(
  {
    compound: Type.Optional(Id),
    from: EpochText,
    to: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$', description: 'epoch milliseconds; default now' })),
  },
  closed,
);
export type HistoryRange = Type.Static<typeof HistoryRange>;

export const HistoryQuery = Type.Interface(
  [HistoryRange],
  {
    series: Type.Enum(HISTORY_SERIES, {
      description: 'power: watts (mean per group, summed); energy: kWh per bucket; online: share of groups online (0-1); satisfaction: kiosk presses per bucket',
    }),
    group: Type.Optional({ ...Id, description: 'power and energy of one lantern group (with compound); online and satisfaction are per compound' }),
    button: Type.Optional(Type.Enum(KIOSK_BUTTONS, { description: 'satisfaction only: presses of this button' })),
    level: Type.Optional(Type.Enum(HISTORY_LEVELS, { description: 'resolution; chosen from the range when absent (raw = 10 s buckets)' })),
  },
  closed,
);
export type HistoryQuery = Type.Static<typeof HistoryQuery>;

export const HistoryPoint = Type.Tuple([EpochMs, Type.Number()], { description: '[bucket start, value]' });
export type HistoryPoint = Type.Static<typeof HistoryPoint>;

export const HistoryAnswer = Type.Object(
  {
    series: Type.Enum(HISTORY_SERIES),
    level: Type.Enum(HISTORY_LEVELS),
    bucketMs: Type.Integer({ minimum: 1 }),
    from: EpochMs,
    to: EpochMs,
    unit: Type.String({ description: "'W', 'kWh', 'share' or 'presses'" }),
    points: Type.Array(HistoryPoint),
  },
  closed,
);
export type HistoryAnswer = Type.Static<typeof HistoryAnswer>;

export const EnergyQuery = Type.Interface(
  [Type.Partial(HistoryRange)],
  { season: Type.Optional(Type.String({ pattern: '^[0-9]{4}$', description: 'the festival season of this year (Spring Festival eve to the Lantern Festival) instead of from/to' })) },
  closed,
);
export type EnergyQuery = Type.Static<typeof EnergyQuery>;

export const NightEnergy = Type.Object(
  { night: Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description: "the evening's local date (a night runs noon to noon)" }), kWh: Type.Number(), cost: Type.Number() },
  closed,
);
export type NightEnergy = Type.Static<typeof NightEnergy>;

export const EnergyAnswer = Type.Object(
  {
    compound: Type.Optional(Id),
    from: EpochMs,
    to: EpochMs,
    kWh: Type.Number({ minimum: 0 }),
    cost: Type.Number({ minimum: 0 }),
    currency: Type.String(),
    byNight: Type.Array(NightEnergy),
  },
  closed,
);
export type EnergyAnswer = Type.Static<typeof EnergyAnswer>;

export const GroupFiguresQuery = Type.Interface(
  [HistoryRange],
  { limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,2}$', description: 'groups in the answer, default 10, at most 999' })) },
  closed,
);
export type GroupFiguresQuery = Type.Static<typeof GroupFiguresQuery>;

/** Per lantern group over the range, largest first: hours lit (burn hours) or fault reports. */
export const GroupFigures = Type.Object(
  {
    from: EpochMs,
    to: EpochMs,
    unit: Type.String({ description: "'h' (burn hours) or 'reports' (fault codes reported, summed over readings)" }),
    groups: Type.Array(Type.Object({ compound: Id, group: Id, value: Type.Number({ minimum: 0 }) }, closed)),
  },
  closed,
);
export type GroupFigures = Type.Static<typeof GroupFigures>;
