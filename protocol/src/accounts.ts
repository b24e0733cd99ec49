/**
 * Accounts, sessions, personal API tokens and the audit log: the shapes of `/api/auth/*`, `/api/users`,
 * `/api/tokens` and `/api/audit`. Scopes are registry node ids (city, county, street, community,
 * compound); a node covers every compound below it.
 */
import Type from 'typebox';
import { EpochMs, Id } from './payloads.js';

const closed = { additionalProperties: false } as const;

export const USER_ROLES = ['staff', 'officer', 'committee', 'admin'] as const;
export const UserRoleSchema = Type.Enum(USER_ROLES);
export const ACCESS_ACTIONS = ['read', 'operate', 'govern', 'author', 'audit', 'admin', 'self', 'handle'] as const;
export const NODE_LEVELS = ['city', 'county', 'street', 'community', 'compound'] as const;

export const USERNAME_PATTERN = '^[a-z0-9][a-z0-9._-]{1,31}$';
export const Username = Type.String({ pattern: USERNAME_PATTERN, description: 'lower case letters, digits, . _ -; 2 to 32 characters' });
export const PASSWORD_MIN = 10;
export const Password = Type.String({ minLength: PASSWORD_MIN, maxLength: 256, description: `at least ${PASSWORD_MIN} characters` });
const DisplayName = Type.String({ minLength: 1, maxLength: 64 });
const Scopes = Type.Array(Id, { maxItems: 256, uniqueItems: true, description: 'registry node ids' });

export const ScopeNode = Type.Object(
  { id: Id, level: Type.Enum(NODE_LEVELS), name: Type.String(), nameEn: Type.Optional(Type.String()) },
  closed,
);
export type ScopeNode = Type.Static<typeof ScopeNode>;

export const Me = Type.Object(
  {
    username: Type.String(),
    displayName: Type.String(),
    role: UserRoleSchema,
    scopes: Type.Array(Id),
    scopeNodes: Type.Array(ScopeNode),
    compounds: Type.Array(Id, { description: 'compounds this user may read' }),
    operable: Type.Array(Id, { description: 'compounds this user may play, dim, switch off and schedule' }),
    actions: Type.Array(Type.Enum(ACCESS_ACTIONS), { description: 'what the role can do somewhere in its scope' }),
    csrfToken: Type.Union([Type.String(), Type.Null()], { description: 'send as x-csrf-token on cookie-authenticated writes' }),
    via: Type.Enum(['session', 'token', 'admin-token']),
  },
  closed,
);
export type Me = Type.Static<typeof Me>;

export const LoginBody = Type.Object({ username: Type.String({ minLength: 1, maxLength: 64 }), password: Type.String({ minLength: 1, maxLength: 256 }) }, closed);
export type LoginBody = Type.Static<typeof LoginBody>;
export const LogoutBody = Type.Object({ everywhere: Type.Optional(Type.Boolean({ description: "end all of the user's sessions" })) }, closed);
export const PasswordChangeBody = Type.Object({ current: Type.String({ minLength: 1, maxLength: 256 }), password: Password }, closed);

export const User = Type.Object(
  {
    username: Type.String(),
    displayName: Type.String(),
    role: UserRoleSchema,
    scopes: Type.Array(Id),
    disabled: Type.Boolean(),
    createdAt: EpochMs,
    lastLoginAt: Type.Union([EpochMs, Type.Null()]),
  },
  closed,
);
export type User = Type.Static<typeof User>;

export const UserCreateBody = Type.Object(
  {
    username: Username,
    displayName: Type.Optional(DisplayName),
    role: UserRoleSchema,
    scopes: Scopes,
    password: Type.Optional(Password),
  },
  closed,
);
export type UserCreateBody = Type.Static<typeof UserCreateBody>;
export const UserPatchBody = Type.Partial(
  Type.Object({ displayName: DisplayName, role: UserRoleSchema, scopes: Scopes, disabled: Type.Boolean() }, closed),
  { ...closed, minProperties: 1 },
);
export type UserPatchBody = Type.Static<typeof UserPatchBody>;
export const PasswordResetBody = Type.Partial(Type.Pick(UserCreateBody, ['password']), closed);
export const UserCreated = Type.Object(
  { user: User, password: Type.Optional(Type.String({ description: 'the generated password, shown once' })) },
  closed,
);
export const PasswordAnswer = Type.Object({ password: Type.String() }, closed);
export const UsernameParams = Type.Object({ username: Username }, closed);

export const ApiToken = Type.Object(
  {
    id: Type.String(),
    username: Type.String(),
    name: Type.String(),
    createdAt: EpochMs,
    lastUsedAt: Type.Union([EpochMs, Type.Null()]),
    expiresAt: Type.Union([EpochMs, Type.Null()]),
  },
  closed,
);
export type ApiToken = Type.Static<typeof ApiToken>;
export const TokenCreateBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 64 }), expiresInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })) },
  closed,
);
export const TokenCreated = Type.Object({ ...ApiToken.properties, token: Type.String({ description: 'shown once: cdt_…' }) }, closed);
export type TokenCreated = Type.Static<typeof TokenCreated>;
export const TokenListQuery = Type.Object({ all: Type.Optional(Type.Boolean({ description: "admin: every user's tokens" })) }, closed);
export const TokenParams = Type.Object({ id: Type.String({ pattern: '^[a-f0-9]{16}$' }) }, closed);

export const AUDIT_OUTCOMES = ['ok', 'denied', 'failed'] as const;
export const AuditEntry = Type.Object(
  {
    id: Type.Integer(),
    ts: EpochMs,
    actor: Type.Union([Type.String(), Type.Null()]),
    role: Type.Union([Type.String(), Type.Null()]),
    via: Type.Union([Type.String(), Type.Null()]),
    ip: Type.String(),
    action: Type.String({ description: "e.g. auth.login, auth.login.failed, command.compound, scene.create, user.create" }),
    target: Type.Union([Type.String(), Type.Null()]),
    compound: Type.Union([Id, Type.Null()]),
    outcome: Type.Enum(AUDIT_OUTCOMES),
    status: Type.Integer(),
    detail: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
  },
  closed,
);
export type AuditEntry = Type.Static<typeof AuditEntry>;
export const AUDIT_PAGE_MAX = 500;
/** A query string's whole number (query strings are not coerced: the schema checks the digits). */
const QueryInt = (description: string, digits = 16) => Type.String({ pattern: `^[0-9]{1,${digits}}$`, description });
export const AuditQuery = Type.Object(
  {
    actor: Type.Optional(Type.String({ maxLength: 64 })),
    action: Type.Optional(Type.String({ maxLength: 64, description: 'a prefix, e.g. auth.' })),
    outcome: Type.Optional(Type.Enum(AUDIT_OUTCOMES)),
    compound: Type.Optional(Id),
    from: Type.Optional(QueryInt('epoch ms, inclusive')),
    to: Type.Optional(QueryInt('epoch ms, exclusive')),
    offset: Type.Optional(QueryInt('entries to skip, default 0', 9)),
    limit: Type.Optional(QueryInt(`entries per page, default 50, at most ${AUDIT_PAGE_MAX}`, 3)),
    format: Type.Optional(Type.Enum(['json', 'csv'])),
  },
  closed,
);
export type AuditQuery = Type.Static<typeof AuditQuery>;
export const AuditPage = Type.Object({ total: Type.Integer(), items: Type.Array(AuditEntry) }, closed);
export type AuditPage = Type.Static<typeof AuditPage>;
