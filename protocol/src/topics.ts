/**
 * The topic contract. Every caideng topic has six levels:
 *
 *   caideng/v1/{compound}/{role}/{device}/{channel}
 *
 * `role` says what kind of device the topic belongs to; `channel` says what flows on it. Messages for a
 * whole compound use the compound-level address `caideng/v1/{compound}/compound/-/{channel}` (v1-additive).
 * The table CHANNELS is the single source of truth: who publishes, QoS, retained, and the payload schema.
 * docs/protocol.md is checked against it by a test.
 */
import type { TSchema } from 'typebox';
import { isId } from './ids.js';
import {
  Availability,
  CompoundNotice,
  CompoundPlan,
  DeviceError,
  DeviceRequest,
  DeviceResponse,
  GroupAck,
  GroupCommand,
  GroupState,
  GroupTelemetry,
  KioskEvent,
  KioskReceipt,
} from './payloads.js';
import { KioskStatus } from './feedback.js';
import { TOPIC_BASE, TOPIC_ROOT, PROTOCOL_VERSION } from './version.js';

export const ROLES = ['group', 'kiosk', 'bridge', 'monitor'] as const;
/** group = lantern group (灯组) controller; kiosk = residents' feedback kiosk; bridge = a compound gateway acting for
 *  its groups and kiosks; monitor = read-only observer of one compound (property staff tools). */
export type Role = (typeof ROLES)[number];

/** The compound-level address: role `compound` with the fixed device level `-`. Only the controller publishes
 *  there; every device and monitor of the compound may subscribe. No device has this role. */
export const COMPOUND_ROLE = 'compound' as const;
export const COMPOUND_DEVICE = '-' as const;
/** A topic's role level: a device role or the compound-level address. */
export type TopicRole = Role | typeof COMPOUND_ROLE;

export type Publisher = 'device' | 'controller';

export interface ChannelSpec {
  /** Roles whose topics carry this channel (`compound`: the compound-level address). */
  roles: readonly TopicRole[];
  /** Who publishes on it. `device` includes a bridge acting for the device. */
  publisher: Publisher;
  /** QoS the publisher uses, and the controller when it publishes on the channel. */
  qos: 0 | 1;
  /** Whether the broker keeps the last message: the retain flag is allowed. On other channels it is refused. */
  retained: boolean;
  /** Every message must carry the retain flag; one without it is rejected (CAIDENG_MQTT_RETAIN_REQUIRED). */
  retainRequired: boolean;
  schema: TSchema;
  description: string;
}

export const CHANNELS = {
  set: {
    roles: ['group'],
    publisher: 'controller',
    qos: 1,
    retained: false,
    retainRequired: false,
    schema: GroupCommand,
    description: 'command: power, brightness, scene, synchronized start, expiry',
  },
  ack: {
    roles: ['group'],
    publisher: 'device',
    qos: 1,
    retained: false,
    retainRequired: false,
    schema: GroupAck,
    description: 'answer to a command, echoing its tx',
  },
  state: {
    roles: ['group'],
    publisher: 'device',
    qos: 1,
    retained: true,
    retainRequired: false,
    schema: GroupState,
    description: 'what the group is doing now',
  },
  telemetry: {
    roles: ['group'],
    publisher: 'device',
    qos: 0,
    retained: false,
    retainRequired: false,
    schema: GroupTelemetry,
    description: 'metering: watts, temperature, faults, uptime',
  },
  availability: {
    roles: ['group', 'kiosk', 'bridge'],
    publisher: 'device',
    qos: 1,
    retained: true,
    retainRequired: true,
    schema: Availability,
    description: 'online on connect, offline by last-will',
  },
  event: {
    roles: ['kiosk'],
    publisher: 'device',
    qos: 1,
    retained: false,
    retainRequired: false,
    schema: KioskEvent,
    description: "a resident's button press",
  },
  receipt: {
    roles: ['kiosk'],
    publisher: 'controller',
    qos: 1,
    retained: false,
    retainRequired: false,
    schema: KioskReceipt,
    description: 'the press was stored (or was already)',
  },
  req: {
    roles: ['group', 'kiosk', 'bridge'],
    publisher: 'device',
    qos: 1,
    retained: false,
    retainRequired: false,
    schema: DeviceRequest,
    description: 'request to the controller with a tx',
  },
  res: {
    roles: ['group', 'kiosk', 'bridge'],
    publisher: 'controller',
    qos: 1,
    retained: false,
    retainRequired: false,
    schema: DeviceResponse,
    description: 'response to a request, same tx',
  },
  error: {
    roles: ['group', 'kiosk', 'bridge', 'monitor'],
    publisher: 'controller',
    qos: 1,
    retained: false,
    retainRequired: false,
    schema: DeviceError,
    description: 'why a message from this device was rejected',
  },
  plan: {
    roles: ['compound'],
    publisher: 'controller',
    qos: 1,
    retained: true,
    retainRequired: true,
    schema: CompoundPlan,
    description: "the compound's programme, filled by the scheduler",
  },
  notice: {
    roles: ['compound'],
    publisher: 'controller',
    qos: 1,
    retained: false,
    retainRequired: false,
    schema: CompoundNotice,
    description: 'a notice to every device of the compound',
  },
  status: {
    roles: ['kiosk'],
    publisher: 'controller',
    qos: 1,
    retained: true,
    retainRequired: true,
    schema: KioskStatus,
    description: "the kiosk's recent tickets and their states, for the resident",
  },
} as const satisfies Record<string, ChannelSpec>;

export type Channel = keyof typeof CHANNELS;

/** Payload type of each channel: the typed topic contract. */
export interface ChannelPayloads {
  set: GroupCommand;
  ack: GroupAck;
  state: GroupState;
  telemetry: GroupTelemetry;
  availability: Availability;
  event: KioskEvent;
  receipt: KioskReceipt;
  req: DeviceRequest;
  res: DeviceResponse;
  error: DeviceError;
  plan: CompoundPlan;
  notice: CompoundNotice;
  status: KioskStatus;
}

/** Channels of the compound-level address. */
export type CompoundChannel = { [C in Channel]: typeof COMPOUND_ROLE extends (typeof CHANNELS)[C]['roles'][number] ? C : never }[Channel];

export interface DeviceAddress {
  compound: string;
  role: Role;
  device: string;
}

/** The compound-level address of one compound. */
export interface CompoundAddress {
  compound: string;
  role: typeof COMPOUND_ROLE;
  device: typeof COMPOUND_DEVICE;
}

/** Where a topic points: one device, or a whole compound. */
export type Address = DeviceAddress | CompoundAddress;

export type TopicParts = Address & { channel: Channel };
/** A parsed topic of one device (not the compound-level address). */
export type DeviceTopicParts = DeviceAddress & { channel: Channel };

export function compoundAddress(compound: string): CompoundAddress {
  return { compound, role: COMPOUND_ROLE, device: COMPOUND_DEVICE };
}

const ROLE_SET: ReadonlySet<string> = new Set(ROLES);

export function isRole(value: string): value is Role {
  return ROLE_SET.has(value);
}

export function isChannel(value: string): value is Channel {
  return Object.prototype.hasOwnProperty.call(CHANNELS, value);
}

/** Whether `channel` exists for `role` in the contract. */
export function channelAllowed(role: TopicRole, channel: Channel): boolean {
  return (CHANNELS[channel].roles as readonly TopicRole[]).includes(role);
}

/**
 * Builds a topic. Refuses wildcards and bad ids: a topic built here is always a valid, concrete topic.
 * @throws TypeError when an id is not `[a-z0-9-]` or the channel does not exist for the role.
 */
export function topic(address: Address, channel: Channel): string {
  if (!isId(address.compound)) throw new TypeError(`invalid compound id '${address.compound}'`);
  if (address.role === COMPOUND_ROLE ? address.device !== COMPOUND_DEVICE : !isId(address.device)) {
    throw new TypeError(`invalid device id '${address.device}'`);
  }
  if (!channelAllowed(address.role, channel)) throw new TypeError(`channel '${channel}' does not exist for role '${address.role}'`);
  return `${TOPIC_BASE}/${address.compound}/${address.role}/${address.device}/${channel}`;
}

/** Subscription filter for every topic of one compound. */
export function compoundFilter(compound: string): string {
  if (!isId(compound)) throw new TypeError(`invalid compound id '${compound}'`);
  return `${TOPIC_BASE}/${compound}/#`;
}

/** Subscription filter for every compound-level topic of one compound (`caideng/v1/{compound}/compound/-/#`). */
export function compoundLevelFilter(compound: string): string {
  if (!isId(compound)) throw new TypeError(`invalid compound id '${compound}'`);
  return `${TOPIC_BASE}/${compound}/${COMPOUND_ROLE}/${COMPOUND_DEVICE}/#`;
}

/** Subscription filter for one channel of one role across a compound, e.g. every group's `set`. */
export function channelFilter(compound: string | '+', role: Role, channel: Channel): string {
  if (compound !== '+' && !isId(compound)) throw new TypeError(`invalid compound id '${compound}'`);
  return `${TOPIC_BASE}/${compound}/${role}/+/${channel}`;
}

export type ParseResult = { ok: true; parts: TopicParts } | { ok: false; reason: string };

/** Parses a concrete topic. The reason says what is wrong, for the device's error topic. */
export function parseTopic(value: string): ParseResult {
  const levels = value.split('/');
  if (levels.length !== 6) {
    return { ok: false, reason: `expected 6 levels caideng/v${PROTOCOL_VERSION}/{compound}/{role}/{device}/{channel}, got ${levels.length}` };
  }
  const [root, version, compound, role, device, channel] = levels as [string, string, string, string, string, string];
  if (root !== TOPIC_ROOT) return { ok: false, reason: `topic must start with '${TOPIC_ROOT}/'` };
  if (version !== `v${PROTOCOL_VERSION}`) return { ok: false, reason: `unsupported contract version '${version}', this controller speaks v${PROTOCOL_VERSION}` };
  if (!isId(compound)) return { ok: false, reason: `invalid compound id '${compound}'` };
  if (role === COMPOUND_ROLE) {
    if (device !== COMPOUND_DEVICE) return { ok: false, reason: `the compound-level address has device '${COMPOUND_DEVICE}', got '${device}'` };
  } else {
    if (!isRole(role)) return { ok: false, reason: `unknown role '${role}', expected one of ${[...ROLES, COMPOUND_ROLE].join(', ')}` };
    if (!isId(device)) return { ok: false, reason: `invalid device id '${device}'` };
  }
  if (!isChannel(channel)) return { ok: false, reason: `unknown channel '${channel}'` };
  if (!channelAllowed(role, channel)) return { ok: false, reason: `channel '${channel}' does not exist for role '${role}'` };
  if (role === COMPOUND_ROLE) return { ok: true, parts: { compound, role, device: COMPOUND_DEVICE, channel } };
  return { ok: true, parts: { compound, role, device, channel } };
}

/** MQTT username (and client id) of a device: `{compound}/{role}/{device}`. */
export function deviceUsername(address: DeviceAddress): string {
  return `${address.compound}/${address.role}/${address.device}`;
}

export function parseDeviceUsername(username: string): DeviceAddress | null {
  const levels = username.split('/');
  if (levels.length !== 3) return null;
  const [compound, role, device] = levels as [string, string, string];
  if (!isId(compound) || !isRole(role) || !isId(device)) return null;
  return { compound, role, device };
}
