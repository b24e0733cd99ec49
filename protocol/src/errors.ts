/**
 * Every error code caideng gives a device or a person, in one place. MQTT rejections go out on the
 * device's `error` topic; HTTP errors share one body shape: `{ statusCode, code, error, message, details? }`.
 * docs/errors.md documents each code; a test keeps the two in step.
 */
export interface ErrorSpec {
  /** HTTP status for API errors; 0 for codes only used on the bus. */
  status: number;
  /** Message template; `%s` is replaced by the arguments in order. */
  message: string;
}

export const ERRORS = {
  // --- bus (MQTT) rejections --------------------------------------------------------------
  CAIDENG_MQTT_BAD_TOPIC: { status: 0, message: 'topic not in the contract: %s' },
  CAIDENG_MQTT_FORBIDDEN: { status: 0, message: 'not allowed for this device: %s' },
  CAIDENG_MQTT_BAD_JSON: { status: 0, message: 'payload is not valid JSON: %s' },
  CAIDENG_MQTT_BAD_PAYLOAD: { status: 0, message: 'payload does not match the schema: %s' },
  CAIDENG_MQTT_TOO_LARGE: { status: 0, message: 'payload of %s bytes exceeds the limit of %s bytes' },
  CAIDENG_MQTT_RETAIN_NOT_ALLOWED: { status: 0, message: "messages on channel '%s' must not be retained" },
  CAIDENG_MQTT_UNKNOWN_DEVICE: { status: 0, message: "device '%s' is not in the registry" },
  CAIDENG_MQTT_RETAIN_REQUIRED: { status: 0, message: "messages on channel '%s' must be published with the retain flag" },
  CAIDENG_MQTT_RATE_LIMITED: { status: 0, message: "more than %s '%s' messages per second from device '%s'" },
  // --- HTTP API -----------------------------------------------------------------------------
  CAIDENG_ERR_VALIDATION: { status: 400, message: 'request is invalid: %s' },
  CAIDENG_ERR_BAD_JSON: { status: 400, message: 'request body is not valid JSON: %s' },
  CAIDENG_ERR_NO_GROUPS: { status: 409, message: "compound '%s' has no lantern groups to command" },
  CAIDENG_ERR_EMPTY_COMMAND: { status: 400, message: 'a command needs at least one of power, brightness or scene' },
  CAIDENG_ERR_UNAUTHORIZED: { status: 401, message: 'sign in first, or send Authorization: Bearer <API token>' },
  CAIDENG_ERR_FORBIDDEN: { status: 403, message: 'your role or scope does not allow this: %s' },
  CAIDENG_ERR_CSRF: { status: 403, message: 'a signed-in write must send the x-csrf-token header from GET /api/auth/me' },
  CAIDENG_ERR_LOGIN_FAILED: { status: 401, message: 'wrong username or password' },
  CAIDENG_ERR_LOGIN_LOCKED: { status: 429, message: 'too many failed sign-ins: try again in %s minutes' },
  CAIDENG_ERR_USER_EXISTS: { status: 409, message: "a user named '%s' exists already" },
  CAIDENG_ERR_USER_NOT_FOUND: { status: 404, message: "user '%s' not found" },
  CAIDENG_ERR_TOKEN_NOT_FOUND: { status: 404, message: "API token '%s' not found" },
  CAIDENG_ERR_SCOPE_UNKNOWN: { status: 400, message: "scope '%s' is not a node of the registry" },
  CAIDENG_ERR_WRONG_PASSWORD: { status: 400, message: 'the current password is wrong' },
  CAIDENG_ERR_LAST_ADMIN: { status: 409, message: 'this would leave no enabled admin' },
  CAIDENG_ERR_NOT_FOUND: { status: 404, message: 'no route %s' },
  CAIDENG_ERR_COMPOUND_NOT_FOUND: { status: 404, message: "compound '%s' not found" },
  CAIDENG_ERR_GROUP_NOT_FOUND: { status: 404, message: "lantern group '%s' not found in compound '%s'" },
  CAIDENG_ERR_SCENE_NOT_FOUND: { status: 404, message: "scene '%s' not found" },
  CAIDENG_ERR_SCENE_EXISTS: { status: 409, message: "a scene named '%s' exists already" },
  CAIDENG_ERR_SCENE_READ_ONLY: { status: 403, message: "scene '%s' is built in and read-only; copy it to change it" },
  CAIDENG_ERR_SCENE_INVALID: { status: 400, message: 'scene is invalid: %s' },
  CAIDENG_ERR_COMMAND_NOT_FOUND: { status: 404, message: "command '%s' not found" },
  CAIDENG_ERR_PAYLOAD_TOO_LARGE: { status: 413, message: 'request body is too large' },
  CAIDENG_ERR_UNSUPPORTED_MEDIA: { status: 415, message: 'request body must be application/json' },
  CAIDENG_ERR_INTERNAL: { status: 500, message: 'internal error' },
  CAIDENG_ERR_DEVICE_NOT_FOUND: { status: 404, message: "device '%s' is not in the registry" },
  CAIDENG_ERR_CREDENTIAL_NOT_FOUND: { status: 404, message: "device '%s' has no credential to revoke" },
  CAIDENG_ERR_RATE_LIMITED: { status: 429, message: 'too many requests; retry in %s' },
  CAIDENG_ERR_BAD_CURSOR: { status: 400, message: "cursor '%s' does not name a device of this listing" },
  CAIDENG_ERR_ESTIMATE_TOO_LARGE: { status: 400, message: 'the estimate needs %s units of rendering, more than the limit of %s; ask for fewer groups' },
  CAIDENG_ERR_ESTIMATE_BUSY: { status: 503, message: 'energy estimates are busy (%s waiting); retry shortly' },
  CAIDENG_ERR_ESTIMATE_TIMEOUT: { status: 503, message: 'the energy estimate did not finish within %s ms' },
  // --- scheduler ------------------------------------------------------------------------------
  CAIDENG_ERR_CURFEW: { status: 409, message: "refused by rule '%s' (%s): lanterns stay off until %s" },
  CAIDENG_ERR_QUIET_HOURS: { status: 409, message: "refused by rule '%s' (%s): brightness %s is above the quiet-hours cap of %s until %s" },
  CAIDENG_ERR_BUDGET: { status: 409, message: "refused by rule '%s' (%s): brightness %s is above the %s tonight's energy budget allows until %s" },
  CAIDENG_ERR_RULE_NOT_FOUND: { status: 404, message: "no schedule rule '%s'" },
  CAIDENG_ERR_OVERRIDE_NOT_FOUND: { status: 404, message: "no active override '%s' on compound '%s'" },
  // --- start-up -----------------------------------------------------------------------------
  CAIDENG_ERR_CONFIG: { status: 0, message: 'configuration is invalid: %s' },
  CAIDENG_ERR_REGISTRY: { status: 0, message: 'registry file is invalid: %s' },
  CAIDENG_ERR_PROVISIONING: { status: 0, message: 'provisioning file %s is unreadable: %s' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

export function formatError(code: ErrorCode, ...args: Array<string | number>): string {
  let i = 0;
  return ERRORS[code].message.replace(/%s/g, () => String(args[i++] ?? ''));
}

/** An error with a stable code, for the controller's HTTP API and start-up checks. */
export class CaidengError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly details: unknown;
  constructor(code: ErrorCode, args: Array<string | number> = [], details?: unknown) {
    super(formatError(code, ...args));
    this.name = 'CaidengError';
    this.code = code;
    this.statusCode = ERRORS[code].status || 500;
    this.details = details;
  }
}
