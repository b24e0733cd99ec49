/**
 * Topic access rules. Pure functions: given who is asking and what, return null when allowed or the
 * reason it is not. A device reaches only its own compound, and only in its role:
 *
 * | role    | publishes                                            | subscribes                          |
 * |---------|------------------------------------------------------|-------------------------------------|
 * | group   | its own state, telemetry, availability, ack, req     | its own topics (set, res, error)    |
 * | kiosk   | its own event, availability, req                     | its own topics (receipt, res, error)|
 * | bridge  | its own topics, and device channels of the groups    | anything in its compound            |
 * |         | and kiosks of its compound (it acts for them)        |                                     |
 * | monitor | nothing (read-only property-staff tools)             | anything in its compound            |
 *
 * The compound-level address `caideng/v1/{compound}/compound/-/…` (plan, notice) is published by the
 * controller only; every device and monitor of the compound may subscribe to it.
 */
import { CHANNELS, COMPOUND_DEVICE, COMPOUND_ROLE, TOPIC_BASE, type TopicParts } from '@caideng/protocol';
import type { Identity } from './identity.js';

const BASE_LEVELS = TOPIC_BASE.split('/');

export function publishDenied(who: Identity, target: TopicParts): string | null {
  if (target.compound !== who.compound) {
    return `compound '${target.compound}' is not yours; you belong to '${who.compound}'`;
  }
  if (CHANNELS[target.channel].publisher !== 'device' || target.role === COMPOUND_ROLE) {
    return `only the controller publishes on '${target.channel}'`;
  }
  switch (who.role) {
    case 'group':
    case 'kiosk':
      if (target.role !== who.role || target.device !== who.device) {
        return `a ${who.role} may publish only on its own topics (${TOPIC_BASE}/${who.compound}/${who.role}/${who.device}/…)`;
      }
      return null;
    case 'bridge':
      if (target.role === 'bridge') {
        return target.device === who.device ? null : 'a bridge may publish only on its own bridge topics';
      }
      if (target.role === 'monitor') return 'monitors have no device channels';
      if (target.channel === 'req') return 'a bridge sends requests on its own req topic';
      return null;
    case 'monitor':
      return 'monitors are read-only';
  }
}

/**
 * Checks a subscription filter. Wildcards are allowed only inside what the identity may read:
 * `caideng/v1/+/…` or `#` spanning compounds is refused.
 */
export function subscribeDenied(who: Identity, filter: string): string | null {
  const levels = filter.split('/');
  for (let i = 0; i < BASE_LEVELS.length; i++) {
    if (levels[i] !== BASE_LEVELS[i]) return `only ${TOPIC_BASE}/${who.compound}/… may be subscribed`;
  }
  const compound = levels[2];
  if (compound !== who.compound) {
    return `compound '${compound ?? ''}' is not yours; you belong to '${who.compound}'`;
  }
  if (who.role === 'monitor' || who.role === 'bridge') return null;
  // group and kiosk: their own device subtree, and their compound's compound-level address.
  const role = levels[3];
  const device = levels[4];
  const own = role === who.role && device === who.device;
  const compoundLevel = role === COMPOUND_ROLE && device === COMPOUND_DEVICE;
  if (!own && !compoundLevel) {
    return `a ${who.role} may subscribe only to its own topics (${TOPIC_BASE}/${who.compound}/${who.role}/${who.device}/…) and its compound's (${TOPIC_BASE}/${who.compound}/${COMPOUND_ROLE}/${COMPOUND_DEVICE}/…)`;
  }
  if (levels.length > 6) return 'topic filter is deeper than the contract';
  return null;
}
