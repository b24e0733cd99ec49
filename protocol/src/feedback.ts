/**
 * Residents' feedback: presses joined to what was lit, the satisfaction index, alerts with actions, and
 * tickets that climb the five-level chain compound → community → street → county → city (小事不出小区、
 * 难事不出社区). The shapes the HTTP API answers and socket.io pushes, and the kiosk's retained `status`.
 * docs/feedback.md explains the rules behind them.
 */
import Type from 'typebox';
import { Brightness, EpochMs, FaultCode, Id, KIOSK_BUTTONS, Version } from './payloads.js';

const closed = { additionalProperties: false } as const;

/** Where a ticket is owned: the registry's levels below the province. */
export const LEVELS = ['compound', 'community', 'street', 'county', 'city'] as const;
export type Level = (typeof LEVELS)[number];
export const LevelSchema = Type.Enum(LEVELS);

export const TICKET_STATES = ['open', 'acknowledged', 'in_progress', 'waiting_resident', 'waiting_parts', 'resolved', 'closed', 'reopened'] as const;
export type TicketState = (typeof TICKET_STATES)[number];
export const TicketStateSchema = Type.Enum(TICKET_STATES);

export const KioskButtonSchema = Type.Enum(KIOSK_BUTTONS);

// ---------------------------------------------------------------------------------------------
// Presses

/** One lantern group at the moment of a press. */
export const LitGroup = Type.Object(
  {
    group: Id,
    online: Type.Boolean(),
    power: Type.Union([Type.Enum(['on', 'off'] as const), Type.Null()]),
    brightness: Type.Union([Brightness, Type.Null()]),
    scene: Type.Union([Type.String(), Type.Null()]),
    faults: Type.Array(FaultCode),
  },
  closed,
);
export type LitGroup = Type.Static<typeof LitGroup>;

export const Lit = Type.Object({ groups: Type.Array(LitGroup) }, closed);
export type Lit = Type.Static<typeof Lit>;

/** A stored press, with what was lit in its compound at that moment. */
export const PressView = Type.Object(
  {
    id: Type.String({ description: 'kiosk.boot.seq.variant, unique within the compound' }),
    compound: Id,
    kiosk: Id,
    button: KioskButtonSchema,
    deviceTs: EpochMs,
    /** Same as deviceTs: the name the live feed used before presses were classified. */
    ts: EpochMs,
    receivedAt: EpochMs,
    seq: Type.Integer({ minimum: 0 }),
    boot: Type.Optional(Type.String()),
    repeat: Type.Boolean({ description: 'the same button on the same kiosk within the repeat window: kept, not counted' }),
    misuse: Type.Boolean({ description: 'the kiosk was pressed abnormally fast: kept, excluded from index, alerts and tickets' }),
    ticket: Type.Optional(Type.String({ description: 'code of the ticket the press opened or joined' })),
    lit: Lit,
  },
  closed,
);
export type PressView = Type.Static<typeof PressView>;

const Range = {
  from: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$', description: 'epoch ms' })),
  to: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$', description: 'epoch ms' })),
};

export const PressesQuery = Type.Object(
  {
    compound: Type.Optional(Id),
    ...Range,
    limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,3}$', description: 'default 200, at most 2000' })),
  },
  closed,
);
export type PressesQuery = Type.Static<typeof PressesQuery>;
export const PressesAnswer = Type.Object({ presses: Type.Array(PressView) }, closed);
export type PressesAnswer = Type.Static<typeof PressesAnswer>;

// ---------------------------------------------------------------------------------------------
// Satisfaction index

export const INDEX_BUCKETS = ['hour', 'night', 'season'] as const;
export type IndexBucketKind = (typeof INDEX_BUCKETS)[number];

export const IndexQuery = Type.Object({ compound: Type.Optional(Id), ...Range, by: Type.Optional(Type.Enum(INDEX_BUCKETS)) }, closed);
export type IndexQuery = Type.Static<typeof IndexQuery>;

export const IndexBucket = Type.Object(
  {
    start: EpochMs,
    end: EpochMs,
    index: Type.Union([Type.Integer({ minimum: 0, maximum: 100 }), Type.Null()], { description: 'null below feedback.minPresses' }),
    reason: Type.Optional(Type.Literal('not-enough-presses')),
    count: Type.Integer({ minimum: 0, description: 'opinion presses counted in the index' }),
    counts: Type.Record(Type.String(), Type.Integer({ minimum: 0 }), { description: 'counted presses by button' }),
    misuse: Type.Integer({ minimum: 0, description: 'presses flagged as misuse (not counted)' }),
  },
  closed,
);
export type IndexBucket = Type.Static<typeof IndexBucket>;

export const IndexAnswer = Type.Object(
  {
    by: Type.Enum(INDEX_BUCKETS),
    compounds: Type.Array(Type.Object({ compound: Id, buckets: Type.Array(IndexBucket), total: IndexBucket }, closed)),
  },
  closed,
);
export type IndexAnswer = Type.Static<typeof IndexAnswer>;

// ---------------------------------------------------------------------------------------------
// Alerts

export const ALERT_KINDS = ['unsatisfied', 'too_bright', 'broken_with_fault', 'kiosk_misuse', 'kiosk_silent', 'kiosk_offline'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];
export const ALERT_STATES = ['open', 'acknowledged', 'acted', 'ticketed'] as const;
export type AlertState = (typeof ALERT_STATES)[number];
export const ALERT_ACTIONS = ['dim', 'quiet', 'end_show', 'acknowledge'] as const;
export type AlertAction = (typeof ALERT_ACTIONS)[number];

export const Bilingual = Type.Object({ zh: Type.String(), en: Type.String() }, closed);

export const AlertView = Type.Object(
  {
    id: Type.String(),
    compound: Id,
    kiosk: Type.Optional(Id),
    kind: Type.Enum(ALERT_KINDS),
    raisedAt: EpochMs,
    state: Type.Enum(ALERT_STATES),
    lit: Lit,
    scene: Type.Union([Type.String(), Type.Null()], { description: 'the scene most lit groups were playing' }),
    brightness: Type.Union([Brightness, Type.Null()]),
    groups: Type.Array(Id, { description: 'the groups lit (for broken_with_fault: the faulty ones)' }),
    presses: Type.Integer({ minimum: 0, description: 'presses behind the alert' }),
    actions: Type.Array(
      Type.Object({ action: Type.Enum(ALERT_ACTIONS), by: Type.String(), at: EpochMs, result: Type.Optional(Type.String()) }, closed),
    ),
    ticket: Type.Optional(Type.String()),
    message: Bilingual,
  },
  closed,
);
export type AlertView = Type.Static<typeof AlertView>;

export const AlertsQuery = Type.Object(
  { compound: Type.Optional(Id), state: Type.Optional(Type.Enum(['open', 'acknowledged', 'all'] as const)), limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,3}$' })) },
  closed,
);
export type AlertsQuery = Type.Static<typeof AlertsQuery>;
export const AlertsAnswer = Type.Object({ alerts: Type.Array(AlertView) }, closed);
export const AlertAnswer = Type.Object({ alert: AlertView }, closed);
export const AlertParams = Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9-]{1,40}$' }) }, closed);
export type AlertParams = Type.Static<typeof AlertParams>;
export const AlertActionBody = Type.Object(
  { action: Type.Enum(ALERT_ACTIONS), level: Type.Optional(Type.Integer({ minimum: 0, maximum: 255, description: 'dim only; default feedback.dimLevel' })) },
  closed,
);
export type AlertActionBody = Type.Static<typeof AlertActionBody>;

// ---------------------------------------------------------------------------------------------
// Tickets

export const TICKET_KINDS = ['broken_lantern', 'help', 'alert'] as const;
export type TicketKind = (typeof TICKET_KINDS)[number];
export const TICKET_ACTIONS = ['acknowledge', 'start', 'wait_resident', 'wait_parts', 'resolve', 'close', 'escalate', 'return', 'reopen', 'comment'] as const;
export type TicketAction = (typeof TICKET_ACTIONS)[number];

export const TicketHistoryEntry = Type.Object(
  {
    at: EpochMs,
    by: Type.String({ description: "a username, or 'system'" }),
    action: Type.String(),
    fromState: Type.Optional(TicketStateSchema),
    toState: Type.Optional(TicketStateSchema),
    fromLevel: Type.Optional(LevelSchema),
    toLevel: Type.Optional(LevelSchema),
    note: Type.Optional(Type.String()),
  },
  closed,
);
export type TicketHistoryEntry = Type.Static<typeof TicketHistoryEntry>;

export const TICKET_CODE_PATTERN = '^[A-Z]{1,3}-[2-9A-HJ-NP-Z]{4}$';
export const TicketCode = Type.String({ pattern: TICKET_CODE_PATTERN });

export const TicketView = Type.Object(
  {
    code: TicketCode,
    compound: Id,
    kiosk: Type.Optional(Id),
    group: Type.Optional(Id),
    kind: Type.Enum(TICKET_KINDS),
    state: TicketStateSchema,
    level: LevelSchema,
    node: Id,
    count: Type.Integer({ minimum: 1, description: 'presses merged into the ticket' }),
    openedAt: EpochMs,
    updatedAt: EpochMs,
    deadlineAt: Type.Union([EpochMs, Type.Null()], { description: "when the level's business-time deadline passes; null when no clock runs" }),
    warnAt: Type.Union([EpochMs, Type.Null()]),
    pausedAt: Type.Optional(EpochMs),
    confirmed: Type.Optional(Type.Union([Type.Literal('telemetry'), Type.Null()])),
    proposal: Type.Optional(Type.Union([Type.Literal('resolve'), Type.Null()])),
    alert: Type.Optional(Type.String()),
    history: Type.Array(TicketHistoryEntry),
  },
  closed,
);
export type TicketView = Type.Static<typeof TicketView>;

export const TicketsQuery = Type.Object(
  {
    level: Type.Optional(LevelSchema),
    state: Type.Optional(TicketStateSchema),
    node: Type.Optional(Id),
    compound: Type.Optional(Id),
    limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,3}$' })),
  },
  closed,
);
export type TicketsQuery = Type.Static<typeof TicketsQuery>;
export const TicketsAnswer = Type.Object({ tickets: Type.Array(TicketView) }, closed);
export const TicketAnswer = Type.Object({ ticket: TicketView }, closed);
export const TicketParams = Type.Object({ code: Type.String({ minLength: 1, maxLength: 16 }) }, closed);
export type TicketParams = Type.Static<typeof TicketParams>;
export const TicketActionBody = Type.Object(
  { action: Type.Enum(TICKET_ACTIONS), note: Type.Optional(Type.String({ minLength: 1, maxLength: 1000, description: 'required for escalate and return' })) },
  closed,
);
export type TicketActionBody = Type.Static<typeof TicketActionBody>;

/** A ticket as anyone may see it (`/t/{code}`): no usernames, no notes. */
export const PublicTicket = Type.Object(
  {
    code: TicketCode,
    kind: Type.Enum(TICKET_KINDS),
    state: TicketStateSchema,
    level: LevelSchema,
    openedAt: EpochMs,
    updatedAt: EpochMs,
    history: Type.Array(Type.Pick(TicketHistoryEntry, ['at', 'action', 'fromState', 'toState', 'fromLevel', 'toLevel'], closed)),
  },
  closed,
);
export type PublicTicket = Type.Static<typeof PublicTicket>;

// ---------------------------------------------------------------------------------------------
// The seed's measure: 小事不出小区、难事不出社区

export const MeasureQuery = Type.Object({ by: Type.Optional(Type.Enum(['month', 'season'] as const)), node: Type.Optional(Id) }, closed);
export type MeasureQuery = Type.Static<typeof MeasureQuery>;
const LevelMs = Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]);
const PerLevel = Type.Object({ compound: LevelMs, community: LevelMs, street: LevelMs, county: LevelMs, city: LevelMs }, closed);
export const MeasureRow = Type.Object(
  {
    node: Id,
    level: Type.Enum(['compound', 'community', 'street', 'county'] as const),
    period: Type.String({ description: "'2026-10' or 'season-2027'" }),
    tickets: Type.Integer({ minimum: 0 }),
    settledAtCompound: Type.Number({ minimum: 0, maximum: 1 }),
    settledByCommunity: Type.Number({ minimum: 0, maximum: 1 }),
    medianFirstActionMs: PerLevel,
    medianResolutionMs: PerLevel,
    reachedStreet: Type.Integer({ minimum: 0 }),
    reachedCounty: Type.Integer({ minimum: 0 }),
    reachedCity: Type.Integer({ minimum: 0 }),
  },
  closed,
);
export type MeasureRow = Type.Static<typeof MeasureRow>;
export const MeasureAnswer = Type.Object({ rows: Type.Array(MeasureRow) }, closed);
export type MeasureAnswer = Type.Static<typeof MeasureAnswer>;

// ---------------------------------------------------------------------------------------------
// Kiosk page provisioning and the kiosk's status topic

export const PageLinkAnswer = Type.Object({ url: Type.String(), expiresAt: EpochMs }, closed);
export const ClaimBody = Type.Object({ code: Type.String({ minLength: 16, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }) }, closed);
export type ClaimBody = Type.Static<typeof ClaimBody>;
export const ClaimAnswer = Type.Object(
  { username: Type.String(), password: Type.String(), wsUrl: Type.String(), compound: Id, kiosk: Id, buttons: Type.Array(KioskButtonSchema) },
  closed,
);
export type ClaimAnswer = Type.Static<typeof ClaimAnswer>;

/** `…/kiosk/{id}/status` (retained): the kiosk's recent tickets, newest first, for the resident at the screen. */
export const KioskStatus = Type.Object(
  {
    v: Version,
    ts: EpochMs,
    tickets: Type.Array(Type.Object({ code: TicketCode, state: TicketStateSchema, level: LevelSchema, updatedAt: EpochMs }, closed), { maxItems: 5 }),
  },
  closed,
);
export type KioskStatus = Type.Static<typeof KioskStatus>;
