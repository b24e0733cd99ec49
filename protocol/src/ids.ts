/**
 * Identifiers used in topics and the registry: lower-case letters, digits and '-', 1–48 characters,
 * starting with a letter or digit. They appear verbatim as MQTT topic levels, so they can never
 * contain '/', '+', '#' or '$'.
 */
export const ID_PATTERN = '^[a-z0-9][a-z0-9-]{0,47}$';
const ID_RE = new RegExp(ID_PATTERN);

export function isId(value: unknown): value is string {
  return typeof value === 'string' && ID_RE.test(value);
}

/** Transaction ids are chosen by the sender; they may be longer and mixed case (uuids, counters). */
export const TX_PATTERN = '^[A-Za-z0-9_-]{1,64}$';
