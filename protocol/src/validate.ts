/**
 * Decoding of bus payloads: size check, JSON parse, schema check, with a reason a device can act on.
 * Validators are compiled once per channel; decoding returns a result instead of throwing (hot path).
 */
import { Compile, type Validator } from 'typebox/compile';
import type { TSchema } from 'typebox';
import { CHANNELS, type Channel, type ChannelPayloads } from './topics.js';
import { MAX_PAYLOAD_BYTES } from './version.js';
import type { ErrorCode } from './errors.js';

export type DecodeResult<T> =
  | { ok: true; value: T }
  | { ok: false; code: ErrorCode; reason: string };

const validators = new Map<Channel, Validator>();

function validatorFor(channel: Channel): Validator {
  let v = validators.get(channel);
  if (!v) {
    v = Compile(CHANNELS[channel].schema as TSchema) as unknown as Validator;
    validators.set(channel, v);
  }
  return v;
}

/** Formats schema errors as `path: message; …`, at most `limit` of them. */
export function describeErrors(validator: Validator, value: unknown, limit = 5): string {
  const errors = validator.Errors(value);
  const parts: string[] = [];
  for (const e of errors) {
    if (parts.length >= limit) break;
    const path = e.instancePath === '' ? '/' : e.instancePath;
    parts.push(`${path}: ${e.message}`);
  }
  if (errors.length > limit) parts.push(`(${errors.length - limit} more)`);
  return parts.join('; ') || 'invalid';
}

/** Decodes a payload for `channel`. */
export function decodePayload<C extends Channel>(
  channel: C,
  payload: Uint8Array | string,
  maxBytes: number = MAX_PAYLOAD_BYTES,
): DecodeResult<ChannelPayloads[C]> {
  const size = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength;
  if (size > maxBytes) {
    return { ok: false, code: 'CAIDENG_MQTT_TOO_LARGE', reason: `payload of ${size} bytes exceeds the limit of ${maxBytes} bytes` };
  }
  let value: unknown;
  try {
    value = JSON.parse(typeof payload === 'string' ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8'));
  } catch (err) {
    return { ok: false, code: 'CAIDENG_MQTT_BAD_JSON', reason: `payload is not valid JSON: ${(err as Error).message}` };
  }
  return checkPayload(channel, value);
}

/** Checks an already-parsed value against the schema of `channel`. */
export function checkPayload<C extends Channel>(channel: C, value: unknown): DecodeResult<ChannelPayloads[C]> {
  const validator = validatorFor(channel);
  if (validator.Check(value)) return { ok: true, value: value as ChannelPayloads[C] };
  return { ok: false, code: 'CAIDENG_MQTT_BAD_PAYLOAD', reason: `payload does not match the '${channel}' schema: ${describeErrors(validator, value)}` };
}

/** Encodes a payload after checking it: the controller and simulators never send what they would reject. */
export function encodePayload<C extends Channel>(channel: C, value: ChannelPayloads[C]): Buffer {
  const checked = checkPayload(channel, value);
  if (!checked.ok) throw new TypeError(checked.reason);
  return Buffer.from(JSON.stringify(value));
}
