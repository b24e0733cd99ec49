/**
 * The check every incoming PUBLISH passes before the broker routes or retains it: topic in the
 * contract, allowed for this identity, retain flag as the contract says (required, allowed or
 * refused by channel), payload within size and schema. It returns the decoded payload
 * or a rejection; it never throws (hot path).
 */
import {
  CHANNELS,
  COMPOUND_ROLE,
  decodePayload,
  parseTopic,
  type ChannelPayloads,
  type DeviceTopicParts,
  type ErrorCode,
} from '@caideng/protocol';
import { publishDenied } from './acl.js';
import type { Identity } from './identity.js';

export type IngestResult =
  | { ok: true; parts: DeviceTopicParts; payload: ChannelPayloads[keyof ChannelPayloads] }
  | { ok: false; code: ErrorCode; reason: string };

export interface IngestOptions {
  maxPayloadBytes: number;
  /** Whether a device exists in the registry (a bridge may only act for registered devices). */
  deviceExists: (compound: string, role: string, device: string) => boolean;
}

export function checkIncoming(
  who: Identity,
  topic: string,
  payload: Buffer,
  retain: boolean,
  options: IngestOptions,
): IngestResult {
  const parsed = parseTopic(topic);
  if (!parsed.ok) return { ok: false, code: 'CAIDENG_MQTT_BAD_TOPIC', reason: `topic '${topic}' is not in the contract: ${parsed.reason}` };
  const parts = parsed.parts;
  const denied = publishDenied(who, parts);
  if (denied) return { ok: false, code: 'CAIDENG_MQTT_FORBIDDEN', reason: `publishing to '${topic}' is not allowed: ${denied}` };
  // publishDenied refuses every compound-level topic already (only the controller publishes there); this narrows the type.
  if (parts.role === COMPOUND_ROLE) return { ok: false, code: 'CAIDENG_MQTT_FORBIDDEN', reason: `only the controller publishes on '${topic}'` };
  if (!options.deviceExists(parts.compound, parts.role, parts.device)) {
    return { ok: false, code: 'CAIDENG_MQTT_UNKNOWN_DEVICE', reason: `device '${parts.compound}/${parts.role}/${parts.device}' is not in the registry` };
  }
  const spec = CHANNELS[parts.channel];
  if (retain && !spec.retained) {
    return { ok: false, code: 'CAIDENG_MQTT_RETAIN_NOT_ALLOWED', reason: `messages on channel '${parts.channel}' must not be retained` };
  }
  if (!retain && spec.retainRequired) {
    return { ok: false, code: 'CAIDENG_MQTT_RETAIN_REQUIRED', reason: `messages on channel '${parts.channel}' must be published with the retain flag` };
  }
  const decoded = decodePayload(parts.channel, payload, options.maxPayloadBytes);
  if (!decoded.ok) return decoded;
  return { ok: true, parts, payload: decoded.value };
}
