/**
 * The topic contract. Every caideng topic has six levels:
 *
 *   caideng/v1/{compound}/{role}/{device}/{channel}
 *
 * `role` says what kind of device the topic belongs to; `channel` says what flows on it. The table
 * CHANNELS is the single source of truth: who publishes, QoS, retained, and the payload schema.
 * docs/protocol.md is checked against it by a test.
 */
import type { TSchema } from 'typebox';
import { isId } from './ids.js';
import {
  Availability,
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
import { TOPIC_BASE, TOPIC_ROOT, PROTOCOL_VERSION } from './version.js';

export const ROLES = ['group', 'kiosk', 'bridge', 'monitor'] as const;
/** group = lantern group (灯组) controller; kiosk = residents' feedback kiosk; bridge = a compound gateway acting for
 *  its groups and kiosks; monitor = read-only observer of one compound (property staff tools). */
export type Role = (typeof ROLES)[number];

export type Publisher = 'device' | 'controller';

export interface ChannelSpec {
  /** Roles whose topics carry this channel. */
  roles: readonly Role[];
  /** Who publishes on it. `device` includes a bridge acting for the device. */
  publisher: Publisher;
  qos: 0 | 1;
  retained: boolean;
  schema: TSchema;
  description: string;
}

export const CHANNELS = {
  set: {
    roles: ['group'],
    publisher: 'controller',
    qos: 1,
    retained: false,
    schema: GroupCommand,
    description: 'command: power, brightness, scene, synchronized start, expiry',
  },
  ack: {
    roles: ['group'],
    publisher: 'device',
    qos: 1,
    retained: false,
    schema: GroupAck,
    description: 'answer to a command, echoing its tx',
  },
  state: {
    roles: ['group'],
    publisher: 'device',
    qos: 1,
    retained: true,
    schema: GroupState,
    description: 'what the group is doing now',
  },
  telemetry: {
    roles: ['group'],
    publisher: 'device',
    qos: 0,
    retained: false,
    schema: GroupTelemetry,
    description: 'metering: watts, temperature, faults, uptime',
  },
  availability: {
    roles: ['group', 'kiosk', 'bridge'],
    publisher: 'device',
    qos: 1,
    retained: true,
    schema: Availability,
    description: 'online on connect, offline by last-will',
  },
  event: {
    roles: ['kiosk'],
    publisher: 'device',
    qos: 1,
    retained: false,
    schema: KioskEvent,
    description: "a resident's button press",
  },
  receipt: {
    roles: ['kiosk'],
    publisher: 'controller',
    qos: 1,
    retained: false,
    schema: KioskReceipt,
    description: 'the press was stored (or was already)',
  },
  req: {
    roles: ['group', 'kiosk', 'bridge'],
    publisher: 'device',
    qos: 1,
    retained: false,
    schema: DeviceRequest,
    description: 'request to the controller with a tx',
  },
  res: {
    roles: ['group', 'kiosk', 'bridge'],
    publisher: 'controller',
    qos: 1,
    retained: false,
    schema: DeviceResponse,
    description: 'response to a request, same tx',
  },
  error: {
    roles: ['group', 'kiosk', 'bridge', 'monitor'],
    publisher: 'controller',
    qos: 1,
    retained: false,
    schema: DeviceError,
    description: 'why a message from this device was rejected',
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
}

export interface DeviceAddress {
  compound: string;
  role: Role;
  device: string;
}

export interface TopicParts extends DeviceAddress {
  channel: Channel;
}

const ROLE_SET: ReadonlySet<string> = new Set(ROLES);

export function isRole(value: string): value is Role {
  return ROLE_SET.has(value);
}

export function isChannel(value: string): value is Channel {
  return Object.prototype.hasOwnProperty.call(CHANNELS, value);
}

/** Whether `channel` exists for `role` in the contract. */
export function channelAllowed(role: Role, channel: Channel): boolean {
  return (CHANNELS[channel].roles as readonly Role[]).includes(role);
}

/**
 * Builds a topic. Refuses wildcards and bad ids: a topic built here is always a valid, concrete topic.
 * @throws TypeError when an id is not `[a-z0-9-]` or the channel does not exist for the role.
 */
export function topic(address: DeviceAddress, channel: Channel): string {
  if (!isId(address.compound)) throw new TypeError(`invalid compound id '${address.compound}'`);
  if (!isId(address.device)) throw new TypeError(`invalid device id '${address.device}'`);
  if (!channelAllowed(address.role, channel)) throw new TypeError(`channel '${channel}' does not exist for role '${address.role}'`);
  return `${TOPIC_BASE}/${address.compound}/${address.role}/${address.device}/${channel}`;
}

/** Subscription filter for every topic of one compound. */
export function compoundFilter(compound: string): string {
  if (!isId(compound)) throw new TypeError(`invalid compound id '${compound}'`);
  return `${TOPIC_BASE}/${compound}/#`;
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
  if (!isRole(role)) return { ok: false, reason: `unknown role '${role}', expected one of ${ROLES.join(', ')}` };
  if (!isId(device)) return { ok: false, reason: `invalid device id '${device}'` };
  if (!isChannel(channel)) return { ok: false, reason: `unknown channel '${channel}'` };
  if (!channelAllowed(role, channel)) return { ok: false, reason: `channel '${channel}' does not exist for role '${role}'` };
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
