/**
 * The credentials file the controller writes for simulators and bridges (`npm run credentials`,
 * var/demo/credentials.json in demo mode): broker address and one entry per device.
 */
import { readFile } from 'node:fs/promises';
import { deviceUsername, isId, type Role } from '@caideng/protocol';

export const FIXTURES = ['dimmer', 'relay', 'rgb', 'rgbw', 'pixels'] as const;
/** How a lantern group is driven: one PWM dimmer, an on/off relay, RGB(W) channels, or addressable pixels. */
export type Fixture = (typeof FIXTURES)[number];

interface DeviceCredentialBase {
  /** MQTT username and client id: `{compound}/{role}/{device}`. */
  username: string;
  /** The device secret (MQTT password). */
  password: string;
  compound: string;
  device: string;
  /** The bridge (gateway) that speaks for this device, when one does. */
  bridge?: string;
}

export interface GroupCredential extends DeviceCredentialBase {
  role: 'group';
  fixture: Fixture;
  /** Output channels: 1 for a dimmer or relay, 3/4 for RGB(W), the pixel count for pixels. */
  channels: number;
  /** Power drawn at full output, in watts. */
  ratedWatts: number;
}

export interface KioskCredential extends DeviceCredentialBase {
  role: 'kiosk';
}

/** Bridges and monitors appear in the file too; simulators ignore them. */
export interface OtherCredential extends DeviceCredentialBase {
  role: Exclude<Role, 'group' | 'kiosk'>;
}

export type DeviceCredential = GroupCredential | KioskCredential | OtherCredential;

export interface CredentialsFile {
  version: 1;
  /** Other keys the controller writes (a WebSocket URL, the HTTP API) are ignored here. */
  mqtt: { url: string };
  devices: DeviceCredential[];
}

/** Used for a group entry that leaves out its fixture fields. */
export const DEFAULT_FIXTURE = { fixture: 'dimmer', channels: 1, ratedWatts: 100 } as const;

export class CredentialsError extends Error {
  override readonly name = 'CredentialsError';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks a parsed credentials file; the error names the entry and the field that is wrong. */
export function parseCredentials(value: unknown, source = 'credentials'): CredentialsFile {
  const fail = (msg: string): never => {
    throw new CredentialsError(`${source}: ${msg}`);
  };
  if (!isObject(value)) return fail('expected a JSON object');
  if (value['version'] !== 1) return fail(`unsupported version ${JSON.stringify(value['version'])}, expected 1`);
  const mqtt = value['mqtt'];
  if (!isObject(mqtt) || typeof mqtt['url'] !== 'string' || mqtt['url'] === '') return fail('mqtt.url must be a non-empty string');
  const devices = value['devices'];
  if (!Array.isArray(devices)) return fail('devices must be an array');
  const seen = new Set<string>();
  const out: DeviceCredential[] = devices.map((d: unknown, i): DeviceCredential => {
    const at = `devices[${i}]`;
    if (!isObject(d)) return fail(`${at} must be an object`);
    for (const key of ['username', 'password', 'compound', 'role', 'device'] as const) {
      if (typeof d[key] !== 'string' || d[key] === '') return fail(`${at}.${key} must be a non-empty string`);
    }
    const { username, password, compound, role, device } = d as Record<string, string>;
    if (!isId(compound)) return fail(`${at}.compound '${compound}' is not an id ([a-z0-9-], 1-48 characters)`);
    if (!isId(device)) return fail(`${at}.device '${device}' is not an id ([a-z0-9-], 1-48 characters)`);
    if (role !== 'group' && role !== 'kiosk' && role !== 'bridge' && role !== 'monitor') {
      return fail(`${at}.role '${role}' must be one of group, kiosk, bridge, monitor`);
    }
    const expected = deviceUsername({ compound: compound!, role, device: device! });
    if (username !== expected) return fail(`${at}.username '${username}' must be '${expected}'`);
    if (seen.has(expected)) return fail(`${at}: duplicate username '${expected}'`);
    seen.add(expected);
    const bridge = d['bridge'];
    if (bridge !== undefined && (typeof bridge !== 'string' || !isId(bridge))) return fail(`${at}.bridge must be a bridge id`);
    const base = { username: expected, password: password!, compound: compound!, device: device!, ...(bridge !== undefined ? { bridge } : {}) };
    if (role === 'group') {
      // Missing fixture fields take the defaults of the most common set (one 100 W dimmer); wrong ones are errors.
      const fixture = d['fixture'] ?? DEFAULT_FIXTURE.fixture;
      if (typeof fixture !== 'string' || !(FIXTURES as readonly string[]).includes(fixture)) {
        return fail(`${at}.fixture must be one of ${FIXTURES.join(', ')}`);
      }
      const channels = d['channels'] ?? DEFAULT_FIXTURE.channels;
      if (typeof channels !== 'number' || !Number.isInteger(channels) || channels < 1) return fail(`${at}.channels must be a positive integer`);
      const ratedWatts = d['ratedWatts'] ?? DEFAULT_FIXTURE.ratedWatts;
      if (typeof ratedWatts !== 'number' || !Number.isFinite(ratedWatts) || ratedWatts <= 0) return fail(`${at}.ratedWatts must be a positive number`);
      return { ...base, role, fixture: fixture as Fixture, channels, ratedWatts };
    }
    return { ...base, role };
  });
  return { version: 1, mqtt: { url: mqtt['url'] }, devices: out };
}

/** Reads and checks a credentials file. */
export async function loadCredentials(path: string): Promise<CredentialsFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new CredentialsError(`cannot read credentials file '${path}': ${(err as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new CredentialsError(`credentials file '${path}' is not valid JSON: ${(err as Error).message}`);
  }
  return parseCredentials(value, path);
}

export function isGroupCredential(d: DeviceCredential): d is GroupCredential {
  return d.role === 'group';
}

export function isKioskCredential(d: DeviceCredential): d is KioskCredential {
  return d.role === 'kiosk';
}
