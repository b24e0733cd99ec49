/**
 * Request and answer schemas shared by the routes, declared once (JSON Schema from TypeBox). Shapes that
 * exist in `protocol` are derived from it, never copied, so a bound changed there holds here too.
 */
import Type, { type TSchema } from 'typebox';
import { CaidengError, CommandBody, Id, STATE_PAGE_DEFAULT, STATE_PAGE_MAX, TX_PATTERN } from '@caideng/protocol';

const closed = { additionalProperties: false } as const;

export const CompoundParams = Type.Object({ compound: Id }, closed);
export type CompoundParams = Type.Static<typeof CompoundParams>;

export const GroupParams = Type.Object({ compound: Id, group: Id }, closed);
export type GroupParams = Type.Static<typeof GroupParams>;

export const CommandParams = Type.Object({ id: Type.String({ pattern: TX_PATTERN }) }, closed);
export type CommandParams = Type.Static<typeof CommandParams>;

export const StateQuery = Type.Object(
  {
    compound: Type.Optional(Id),
    limit: Type.Optional(
      Type.String({ pattern: '^[1-9][0-9]{0,3}$', description: `devices per page, default ${STATE_PAGE_DEFAULT}, at most ${STATE_PAGE_MAX}` }),
    ),
    cursor: Type.Optional(
      Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,47}/(group|kiosk|bridge)/[a-z0-9][a-z0-9-]{0,47}$', description: "the previous page's `next`" }),
    ),
  },
  closed,
);
export type StateQuery = Type.Static<typeof StateQuery>;

/** A command to one group: the protocol's group command without its envelope (v, tx, ts). */
export const GroupCommandBody = answer(CommandBody, 'at least one of power, brightness, scene; expiresAt in the future and after startAt');
export type GroupCommandBody = Type.Static<typeof GroupCommandBody>;

export const CompoundCommandBody = Type.Interface(
  [CommandBody],
  { groups: Type.Optional(Type.Array(Id, { minItems: 1, maxItems: 512, uniqueItems: true, description: 'target groups; every group of the compound when absent' })) },
  { ...closed, description: 'a group command for several groups of the compound' },
);
export type CompoundCommandBody = Type.Static<typeof CompoundCommandBody>;

export const WaitQuery = Type.Object(
  { wait: Type.Optional(Type.String({ pattern: '^[0-9]{1,5}$', description: 'wait up to this many ms (at most 60000) for the acks' })) },
  closed,
);
export type WaitQuery = Type.Static<typeof WaitQuery>;

/**
 * The checks a schema cannot make: a command's times against the clock. A command that expired before
 * it was sent, or that expires before it starts, would reach no lantern.
 * @throws CAIDENG_ERR_VALIDATION with the field's path, like a schema error.
 */
export function checkCommandTimes(body: { startAt?: number; expiresAt?: number }, now: number): void {
  const problems: Array<{ path: string; message: string }> = [];
  if (body.expiresAt !== undefined && body.expiresAt <= now) {
    problems.push({ path: 'body/expiresAt', message: `must be in the future (the controller's clock is ${now})` });
  }
  if (body.expiresAt !== undefined && body.startAt !== undefined && body.expiresAt <= body.startAt) {
    problems.push({ path: 'body/expiresAt', message: 'must be after startAt' });
  }
  if (problems.length > 0) throw validationError(problems);
}

/** A CAIDENG_ERR_VALIDATION error with the same `details` as a schema error. */
export function validationError(problems: Array<{ path: string; message: string }>): CaidengError {
  return new CaidengError('CAIDENG_ERR_VALIDATION', [problems.map((p) => `${p.path}: ${p.message}`).join('; ')], problems);
}

// ---------------------------------------------------------------------------------------------
// Answers

/** The one error body (http/errors.ts). */
export const ErrorBody = Type.Object(
  {
    statusCode: Type.Integer({ minimum: 400, maximum: 599 }),
    code: Type.String({ pattern: '^CAIDENG_', description: 'a code from docs/errors.md' }),
    error: Type.String({ description: 'the HTTP status text' }),
    message: Type.String(),
    details: Type.Optional(Type.Unknown({ description: 'validation errors: [{ path, message }]' })),
  },
  { ...closed, description: 'an error; see docs/errors.md' },
);

/** An answer with no body (204). */
export const NoContent = Type.Null({ description: 'no content' });

/** A schema with a description for the OpenAPI document (of an answer, or of a body). */
export function answer<T extends TSchema>(schema: T, description: string): T {
  return { ...schema, description } as T;
}
