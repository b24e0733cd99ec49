/**
 * The live-push contract between the controller and the dashboard (socket.io), and the shapes the
 * HTTP API returns. TypeBox schemas with their types: the controller documents its answers with them
 * (OpenAPI), the browser and the server agree at compile time.
 */
import Type from 'typebox';
import { Brightness, EpochMs, FaultCode, GroupCommand, GroupState, Id, KIOSK_BUTTONS, SceneRef } from './payloads.js';

const closed = { additionalProperties: false } as const;
const Name = Type.String({ minLength: 1, maxLength: 64 });
const Named = { id: Id, name: Name, nameEn: Type.Optional(Name) };

export const FIXTURE_KINDS = ['dimmer', 'relay', 'rgb', 'rgbw', 'pixels'] as const;
export type FixtureKind = (typeof FIXTURE_KINDS)[number];

export const NamedNode = Type.Object(Named, closed);
export type NamedNode = Type.Static<typeof NamedNode>;

export const LanternGroupInfo = Type.Object(
  {
    ...Named,
    fixture: Type.Enum(FIXTURE_KINDS),
    ratedWatts: Type.Number({ minimum: 0, description: 'rated power at full output, watts' }),
    channels: Type.Integer({ minimum: 1, description: 'pixel count for `pixels` fixtures, channel count otherwise' }),
    lantern: Type.Optional(Id),
  },
  closed,
);
export type LanternGroupInfo = Type.Static<typeof LanternGroupInfo>;

export const KioskInfo = NamedNode;
export type KioskInfo = NamedNode;
export const BridgeInfo = NamedNode;
export type BridgeInfo = NamedNode;

export const CompoundInfo = Type.Object(
  {
    ...Named,
    street: Id,
    community: Id,
    groups: Type.Array(LanternGroupInfo),
    kiosks: Type.Array(KioskInfo),
    bridges: Type.Array(BridgeInfo),
  },
  closed,
);
export type CompoundInfo = Type.Static<typeof CompoundInfo>;

export const CountyInfo = Type.Object(
  {
    city: NamedNode,
    county: NamedNode,
    streets: Type.Array(
      Type.Object({ ...Named, communities: Type.Array(Type.Object({ ...Named, compounds: Type.Array(Id) }, closed)) }, closed),
    ),
    compounds: Type.Array(CompoundInfo),
  },
  closed,
);
export type CountyInfo = Type.Static<typeof CountyInfo>;

export const DEVICE_KINDS = ['group', 'kiosk', 'bridge'] as const;
export type DeviceKind = (typeof DEVICE_KINDS)[number];

/** Live status of one device as the controller knows it. */
export const DeviceStatus = Type.Object(
  {
    compound: Id,
    kind: Type.Enum(DEVICE_KINDS),
    id: Id,
    online: Type.Boolean(),
    since: Type.Integer({ description: 'when availability last changed, epoch ms (controller clock)' }),
    state: Type.Optional(GroupState),
    watts: Type.Optional(Type.Number({ minimum: 0 })),
    faults: Type.Optional(Type.Array(FaultCode)),
    telemetryTs: Type.Optional(Type.Integer({ description: 'device timestamp of the latest telemetry, epoch ms' })),
    seenAt: Type.Optional(Type.Integer({ description: 'controller receive time of the latest message, epoch ms' })),
  },
  closed,
);
export type DeviceStatus = Type.Static<typeof DeviceStatus>;

/** A scene's display name; either language may be missing. */
export const SceneTitle = Type.Object({ zh: Type.Optional(Type.String()), en: Type.Optional(Type.String()) }, closed);
export type SceneTitle = Type.Static<typeof SceneTitle>;

/** A parameter a command may pass to a scene: type, range, unit and default (the scenes library's ParamSpec). */
export const SceneParamSpec = Type.Union([
  Type.Object(
    {
      type: Type.Enum(['number', 'integer']),
      min: Type.Number(),
      max: Type.Number(),
      default: Type.Optional(Type.Number()),
      unit: Type.String(),
      description: Type.String(),
    },
    closed,
  ),
  Type.Object({ type: Type.Literal('boolean'), default: Type.Boolean(), description: Type.String() }, closed),
  Type.Object({ type: Type.Literal('color'), default: Type.String(), description: Type.String() }, closed),
  Type.Object(
    { type: Type.Literal('enum'), values: Type.Immutable(Type.Array(Type.String())), default: Type.Optional(Type.String()), description: Type.String() },
    closed,
  ),
  Type.Object({ type: Type.Literal('date'), description: Type.String() }, closed),
]);
export type SceneParamSpec = Type.Static<typeof SceneParamSpec>;

/** One entry of GET /api/scenes: a built-in lantern scene or one of the county's own. */
export const SceneSummary = Type.Object(
  {
    name: Id,
    title: SceneTitle,
    builtin: Type.Boolean(),
    params: Type.Record(Type.String(), SceneParamSpec),
    revision: Type.Optional(Type.Integer({ minimum: 1, description: 'stored scenes only' })),
    updatedAt: Type.Optional(Type.Integer({ description: 'stored scenes only, epoch ms' })),
  },
  closed,
);
export type SceneSummary = Type.Static<typeof SceneSummary>;

export const CompoundSummary = Type.Object(
  {
    id: Id,
    groups: Type.Integer({ minimum: 0 }),
    groupsOnline: Type.Integer({ minimum: 0 }),
    kiosks: Type.Integer({ minimum: 0 }),
    kiosksOnline: Type.Integer({ minimum: 0 }),
    faults: Type.Integer({ minimum: 0, description: 'groups reporting at least one fault' }),
    watts: Type.Number({ minimum: 0, description: 'sum over the online groups' }),
  },
  closed,
);
export type CompoundSummary = Type.Static<typeof CompoundSummary>;

// ---------------------------------------------------------------------------------------------
// Paging of the live status (GET /api/state and the socket.io snapshot)

/** Devices per page of GET /api/state unless `limit` says otherwise, and the largest `limit`. */
export const STATE_PAGE_DEFAULT = 1000;
export const STATE_PAGE_MAX = 5000;

/** One page of GET /api/state. */
export const StatePage = Type.Object(
  {
    ts: EpochMs,
    devices: Type.Array(DeviceStatus),
    summaries: Type.Array(CompoundSummary, { description: "every compound's summary on the first page (no cursor); empty on later pages" }),
    next: Type.Optional(Type.String({ description: 'cursor of the next page; absent on the last page' })),
  },
  closed,
);
export type StatePage = Type.Static<typeof StatePage>;

/**
 * One part of the socket.io snapshot that answers `subscribe`. A snapshot is sent in parts of a bounded
 * number of devices: `part` counts from 0, `last` marks the final one; the summaries travel in part 0.
 * Each part is read from the live state when it is sent, so `devices` batches that arrive between parts
 * are never older than the parts after them.
 */
export const SnapshotPart = Type.Object(
  {
    ts: EpochMs,
    snapshot: Type.Integer({ minimum: 1, description: 'numbers the snapshots of one connection; a newer subscribe starts a new one' }),
    part: Type.Integer({ minimum: 0 }),
    last: Type.Boolean(),
    devices: Type.Array(DeviceStatus),
    summaries: Type.Array(CompoundSummary, { description: 'part 0 only; empty in later parts' }),
  },
  closed,
);
export type SnapshotPart = Type.Static<typeof SnapshotPart>;

export const SubscribeResult = Type.Object(
  {
    ok: Type.Boolean(),
    compounds: Type.Array(Id),
    error: Type.Optional(Type.String()),
    code: Type.Optional(Type.String({ description: 'an error code from docs/errors.md' })),
  },
  closed,
);
export type SubscribeResult = Type.Static<typeof SubscribeResult>;

// ---------------------------------------------------------------------------------------------
// Commands (GET /api/commands/{id}, and the answer of POST …/commands)

export const DELIVERY_STATUSES = ['sent', 'ok', 'error', 'expired', 'duplicate', 'timeout'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** What a command asks of the groups: the group command without its envelope. */
export const CommandBody = Type.Omit(GroupCommand, ['v', 'tx', 'ts'], closed);
export type CommandBody = Type.Static<typeof CommandBody>;

export const Delivery = Type.Object(
  {
    group: Id,
    status: Type.Enum(DELIVERY_STATUSES, { description: 'sent until the group acks (ok, error, expired, duplicate) or the ack times out' }),
    sentAt: EpochMs,
    ackedAt: Type.Union([EpochMs, Type.Null()]),
    latencyMs: Type.Union([Type.Integer(), Type.Null()]),
    settledAt: Type.Union([EpochMs, Type.Null()], { description: 'when the delivery reached its outcome (ack, timeout, expiry); null while sent' }),
    code: Type.Union([Type.String(), Type.Null()]),
    error: Type.Union([Type.String(), Type.Null()]),
  },
  closed,
);
export type Delivery = Type.Static<typeof Delivery>;

/** Who or what issued a command: a person at the dashboard, the scheduler, an alert's action, a script. */
export const COMMAND_SOURCES = ['manual', 'schedule', 'alert', 'api'] as const;
export type CommandSource = (typeof COMMAND_SOURCES)[number];

export const CommandRecord = Type.Object(
  {
    id: Type.String(),
    compound: Id,
    issuedAt: EpochMs,
    source: Type.Union([Type.Enum(COMMAND_SOURCES), Type.Null()], { description: 'null only for commands stored before sources were recorded' }),
    issuer: Type.Union([Type.String(), Type.Null()], { description: 'a username, a rule id, or operator-token' }),
    command: CommandBody,
    deliveries: Type.Array(Delivery),
    pending: Type.Integer({ minimum: 0, description: 'deliveries still waiting for an ack' }),
  },
  closed,
);
export type CommandRecord = Type.Static<typeof CommandRecord>;

// ---------------------------------------------------------------------------------------------
// Energy estimate (POST /api/compounds/{id}/energy-estimate)

export const GroupEstimate = Type.Object(
  {
    group: Id,
    ratedWatts: Type.Number(),
    averageWatts: Type.Number(),
    peakWatts: Type.Number({ description: 'highest single frame; the sum over groups is an upper bound (groups rarely peak together)' }),
    wattHours: Type.Number(),
  },
  closed,
);
export type GroupEstimate = Type.Static<typeof GroupEstimate>;

export const EnergyEstimate = Type.Object(
  {
    compound: Id,
    scene: SceneRef,
    minutes: Type.Integer(),
    brightness: Type.Optional(Brightness),
    groups: Type.Array(GroupEstimate),
    total: Type.Object({ averageWatts: Type.Number(), peakWatts: Type.Number(), wattHours: Type.Number() }, closed),
  },
  closed,
);
export type EnergyEstimate = Type.Static<typeof EnergyEstimate>;

// ---------------------------------------------------------------------------------------------
// socket.io events

export const PressView = Type.Object(
  { ts: EpochMs, compound: Id, kiosk: Id, button: Type.Enum(KIOSK_BUTTONS), seq: Type.Integer({ minimum: 0 }) },
  closed,
);
export type PressView = Type.Static<typeof PressView>;

/** Events the server emits. Device changes are batched (at most one batch per `batchMs`) and coalesced per device. */
export interface ServerToClientEvents {
  snapshot: (payload: SnapshotPart) => void;
  devices: (payload: { ts: number; changes: DeviceStatus[] }) => void;
  summaries: (payload: { ts: number; summaries: CompoundSummary[] }) => void;
  press: (payload: PressView) => void;
  /** A compound's schedule changed (a rule, or an override began or ended): fetch its plan again. */
  schedule: (payload: { compound: string; revision: number; at: number }) => void;
}

export interface ClientToServerEvents {
  /**
   * Join the rooms of these compounds ('*' for all the viewer may see); answered with a snapshot in parts,
   * then the ack. Rate-limited per connection: an excess subscribe is answered `ok: false` with
   * `code: 'CAIDENG_ERR_RATE_LIMITED'`.
   */
  subscribe: (compounds: string[] | '*', ack?: (result: SubscribeResult) => void) => void;
}
