/**
 * Payload schemas of the bus contract (JSON Schema built with TypeBox) and their TypeScript types.
 * Every payload carries `v` (the contract version) and times as epoch milliseconds (UTC).
 * Objects are closed (`additionalProperties: false`) so a typo in a field name is an error, not a no-op.
 */
import Type from 'typebox';
import { ID_PATTERN, TX_PATTERN } from './ids.js';
import { PROTOCOL_VERSION } from './version.js';

const closed = { additionalProperties: false } as const;

export const Version = Type.Literal(PROTOCOL_VERSION, { description: 'contract version' });
export const EpochMs = Type.Integer({ minimum: 0, maximum: 8_640_000_000_000_000, description: 'epoch milliseconds, UTC' });
export const Id = Type.String({ pattern: ID_PATTERN, description: 'id: [a-z0-9-], 1-48 characters' });
export const Tx = Type.String({ pattern: TX_PATTERN, description: 'transaction id chosen by the sender, echoed in the reply' });
export const Brightness = Type.Integer({ minimum: 0, maximum: 255, description: 'output level 0-255' });
export const Power = Type.Union([Type.Literal('on'), Type.Literal('off')]);

/** Fault codes a lantern group may report; see docs/protocol.md. */
export const FAULT_CODES = ['lamp_failure', 'overcurrent', 'overtemperature', 'supply_loss', 'day_burning', 'driver_fault', 'comm_loss'] as const;
export const FaultCode = Type.Enum(FAULT_CODES);
export type FaultCode = (typeof FAULT_CODES)[number];

/** Scene parameter values: numbers, strings (colours, palette names) or flags. */
export const SceneParams = Type.Record(
  Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_]{0,31}$' }),
  Type.Union([Type.Number(), Type.String({ maxLength: 64 }), Type.Boolean()]),
  { maxProperties: 32 },
);

export const SceneRef = Type.Object(
  {
    name: Type.String({ pattern: ID_PATTERN, description: 'scene name in the catalog, e.g. "ox-lantern"' }),
    params: Type.Optional(SceneParams),
    seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 4294967295, description: 'seed for random effects' })),
  },
  closed,
);
export type SceneRef = Type.Static<typeof SceneRef>;

// ---------------------------------------------------------------------------------------------
// Lantern group (灯组)

/** `…/group/{id}/set`: a command from the controller. At least one of power, brightness, scene. */
export const GroupCommand = Type.Object(
  {
    v: Version,
    tx: Tx,
    ts: EpochMs,
    power: Type.Optional(Power),
    brightness: Type.Optional(Brightness),
    scene: Type.Optional(SceneRef),
    startAt: Type.Optional(EpochMs),
    expiresAt: Type.Optional(EpochMs),
    transitionMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 600_000 })),
  },
  {
    ...closed,
    anyOf: [{ required: ['power'] }, { required: ['brightness'] }, { required: ['scene'] }],
  },
);
export type GroupCommand = Type.Static<typeof GroupCommand>;

export const ACK_STATUSES = ['ok', 'error', 'expired', 'duplicate'] as const;
const ACK_CODE = { maxLength: 64, description: 'machine-readable reason, e.g. CAIDENG_MQTT_BAD_PAYLOAD' } as const;
const ACK_ERROR = { maxLength: 512, description: 'what went wrong, for a person' } as const;
/** `…/group/{id}/ack`: the group's answer to a command, echoing its tx. An `error` must say why (`code`, `error`). */
export const GroupAck = Type.Union([
  Type.Object(
    {
      v: Version,
      tx: Tx,
      ts: EpochMs,
      status: Type.Enum(['ok', 'expired', 'duplicate'] as const),
      code: Type.Optional(Type.String(ACK_CODE)),
      error: Type.Optional(Type.String(ACK_ERROR)),
    },
    closed,
  ),
  Type.Object({ v: Version, tx: Tx, ts: EpochMs, status: Type.Literal('error'), code: Type.String({ ...ACK_CODE, minLength: 1 }), error: Type.String({ ...ACK_ERROR, minLength: 1 }) }, closed),
]);
export type GroupAck = Type.Static<typeof GroupAck>;

/** `…/group/{id}/state` (retained): what the group is doing now. */
export const GroupState = Type.Object(
  {
    v: Version,
    ts: EpochMs,
    power: Power,
    brightness: Brightness,
    scene: Type.Union([SceneRef, Type.Null()]),
    startAt: Type.Optional(EpochMs),
    tx: Type.Optional(Tx),
  },
  closed,
);
export type GroupState = Type.Static<typeof GroupState>;

/** `…/group/{id}/telemetry`: metering, periodic. */
export const GroupTelemetry = Type.Object(
  {
    v: Version,
    ts: EpochMs,
    watts: Type.Number({ minimum: 0, maximum: 100_000 }),
    volts: Type.Optional(Type.Number({ minimum: 0, maximum: 1000 })),
    amps: Type.Optional(Type.Number({ minimum: 0, maximum: 1000 })),
    energyWh: Type.Optional(Type.Number({ minimum: 0, description: 'energy counter since boot' })),
    temperatureC: Type.Optional(Type.Number({ minimum: -60, maximum: 200 })),
    faults: Type.Array(FaultCode, { maxItems: 16, uniqueItems: true }),
    uptimeS: Type.Integer({ minimum: 0 }),
  },
  closed,
);
export type GroupTelemetry = Type.Static<typeof GroupTelemetry>;

// ---------------------------------------------------------------------------------------------
// Availability, for groups, kiosks and bridges (always published retained; "offline" is the MQTT last-will)

/** `…/{group|kiosk|bridge}/{id}/availability`: must be published with the retain flag (CHANNELS says so; ingest enforces it). */
export const Availability = Type.Object(
  {
    v: Version,
    state: Type.Union([Type.Literal('online'), Type.Literal('offline')]),
    ts: EpochMs,
  },
  closed,
);
export type Availability = Type.Static<typeof Availability>;

// ---------------------------------------------------------------------------------------------
// Kiosk (反馈亭): residents' buttons

export const KIOSK_BUTTONS = ['satisfied', 'unsatisfied', 'too_bright', 'too_late', 'broken_lantern', 'help'] as const;
export type KioskButton = (typeof KIOSK_BUTTONS)[number];

/**
 * Which run of a kiosk's press counter a `seq` belongs to: a new id whenever the counter may have started over
 * (reflash, restart without stored state). Optional (added in v1): a kiosk without it has one counter for life.
 */
export const KioskBoot = Type.String({ pattern: '^[A-Za-z0-9_-]{1,36}$' });

/**
 * `…/kiosk/{id}/event`: one press. `seq` increases by one per press within a `boot`; (boot, seq) makes presses
 * idempotent.
 */
export const KioskEvent = Type.Object(
  {
    v: Version,
    button: Type.Enum(KIOSK_BUTTONS),
    ts: EpochMs,
    seq: Type.Integer({ minimum: 0, maximum: 2 ** 53 - 1 }),
    boot: Type.Optional(KioskBoot),
  },
  closed,
);
export type KioskEvent = Type.Static<typeof KioskEvent>;

/** `…/kiosk/{id}/receipt`: the controller confirms a press was stored (or had been already); `boot` echoes the event's. */
export const KioskReceipt = Type.Object(
  {
    v: Version,
    seq: Type.Integer({ minimum: 0 }),
    boot: Type.Optional(KioskBoot),
    status: Type.Union([Type.Literal('stored'), Type.Literal('duplicate')]),
    ts: EpochMs,
  },
  closed,
);
export type KioskReceipt = Type.Static<typeof KioskReceipt>;

// ---------------------------------------------------------------------------------------------
// Request / response between a device and the controller

export const REQUEST_METHODS = ['time.sync', 'ping', 'scene.get'] as const;
export type RequestMethod = (typeof REQUEST_METHODS)[number];

/** `…/{role}/{id}/req` */
export const DeviceRequest = Type.Object(
  {
    v: Version,
    tx: Tx,
    ts: EpochMs,
    method: Type.Enum(REQUEST_METHODS),
    params: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { maxProperties: 32 })),
  },
  closed,
);
export type DeviceRequest = Type.Static<typeof DeviceRequest>;

/** `…/{role}/{id}/res` */
export const DeviceResponse = Type.Union([
  Type.Object(
    { v: Version, tx: Tx, ts: EpochMs, status: Type.Literal('ok'), data: Type.Record(Type.String(), Type.Unknown()) },
    closed,
  ),
  Type.Object(
    { v: Version, tx: Tx, ts: EpochMs, status: Type.Literal('error'), code: Type.String(), error: Type.String() },
    closed,
  ),
]);
export type DeviceResponse = Type.Static<typeof DeviceResponse>;

/** Data of a successful `time.sync`: the device computes offset = controllerTs - (deviceTs + rtt / 2). */
export interface TimeSyncData {
  deviceTs: number;
  controllerTs: number;
}

/** `…/{role}/{id}/error`: the controller tells a device why one of its messages was rejected. */
export const DeviceError = Type.Object(
  {
    v: Version,
    ts: EpochMs,
    code: Type.String(),
    reason: Type.String(),
    topic: Type.String(),
    tx: Type.Optional(Type.String()),
  },
  closed,
);
export type DeviceError = Type.Static<typeof DeviceError>;

// ---------------------------------------------------------------------------------------------
// Compound-level messages (v1-additive): `caideng/v1/{compound}/compound/-/{channel}`, published by the
// controller only, readable by every device and monitor of the compound.

/** One entry of a compound's programme: from `startAt` (until `endAt`, else until the next item) the listed
 *  groups (every group of the compound when absent) show this. At least one of power, brightness, scene. */
export const PlanItem = Type.Object(
  {
    startAt: EpochMs,
    endAt: Type.Optional(EpochMs),
    groups: Type.Optional(Type.Array(Id, { minItems: 1, maxItems: 256, uniqueItems: true })),
    scene: Type.Optional(SceneRef),
    power: Type.Optional(Power),
    brightness: Type.Optional(Brightness),
  },
  {
    ...closed,
    anyOf: [{ required: ['power'] }, { required: ['brightness'] }, { required: ['scene'] }],
  },
);
export type PlanItem = Type.Static<typeof PlanItem>;

/** `…/compound/-/plan` (retained): the compound's programme, filled by the scheduler. `revision` increases with
 *  every change; a device keeps the last plan it saw and may follow it while offline until `validUntil`. */
export const CompoundPlan = Type.Object(
  {
    v: Version,
    ts: EpochMs,
    revision: Type.Integer({ minimum: 0, maximum: 2 ** 53 - 1 }),
    validUntil: EpochMs,
    items: Type.Array(PlanItem, { maxItems: 500 }),
    /** v1-additive: a plan too large for one message comes in parts 1..parts of one revision, in time order. */
    part: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    parts: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  },
  closed,
);
export type CompoundPlan = Type.Static<typeof CompoundPlan>;

/** `…/compound/-/notice`: a notice from the controller to every device of the compound. */
export const CompoundNotice = Type.Object(
  {
    v: Version,
    ts: EpochMs,
    code: Type.String({ minLength: 1, maxLength: 64, description: 'what kind of notice, e.g. "maintenance"' }),
    text: Type.Optional(Type.String({ maxLength: 256, description: 'for a person' })),
  },
  closed,
);
export type CompoundNotice = Type.Static<typeof CompoundNotice>;
