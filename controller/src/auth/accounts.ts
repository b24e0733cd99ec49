/**
 * People's accounts (users with a role and scopes), their sign-in with lockout, and personal API
 * tokens. Passwords are scrypt hashes; tokens are `cdt_<id>_<secret>` with a salted SHA-256 of the
 * secret (192 random bits, like device secrets). Generated passwords are written to the provisioning
 * file (mode 0600) until their user changes them, the only place they can be read again.
 * Users are read from the store on every request, so a user disabled by the CLI is refused at once.
 */
import { randomBytes } from 'node:crypto';
import { CaidengError, PASSWORD_MIN, type ApiToken, type TokenCreated, type User, type UserCreateBody, type UserPatchBody } from '@caideng/protocol';
import { Feature, type FeatureContext } from '../features/feature.js';
import { PeriodicJob } from '../store/jobs.js';
import type { Registry } from '../registry/registry.js';
import type { UserTable } from '../store/schema.js';
import { hashSecret, newSecret, verifySecret } from '../credentials/secrets.js';
import { readProvisioning, writeProvisioning, type ProvisionedUser } from '../credentials/provisioning.js';
import { generatePassword, hashPassword, NO_USER_HASH, verifyPassword } from './passwords.js';
import { ScopeTree } from './scopes.js';
import { validationError } from '../http/schemas.js';
import type { Principal, UserRole } from './access.js';

/** The demo county's users, one per role (created with `auth.demoUsers` when their scopes exist). */
export const DEMO_USERS: readonly { username: string; displayName: string; role: UserRole; scopes: string[] }[] = [
  { username: 'xinghe-staff', displayName: '星河物业 张敏', role: 'staff', scopes: ['xinghe-jiayuan', 'xinghe-chuntian'] },
  { username: 'nanhu-officer', displayName: '南湖社区 李红', role: 'officer', scopes: ['nanhu'] },
  { username: 'xuyang-officer', displayName: '旭阳镇 王强', role: 'officer', scopes: ['xuyang'] },
  { username: 'committee', displayName: '荣县红色物业委员会', role: 'committee', scopes: ['rong-county'] },
];

export type LoginResult = { ok: true; user: User } | { ok: false; locked: false } | { ok: false; locked: true; retryAfterS: number };

interface Attempts {
  failures: number;
  since: number;
  lockedUntil: number;
}

/** Usernames whose failures are remembered; the oldest is forgotten first (a bounded map). */
const MAX_TRACKED = 10_000;
const TOKEN_RE = /^cdt_([a-f0-9]{16})_([A-Za-z0-9_-]{32})$/;
/** last_used_at is written at most this often per token. */
const TOUCH_MS = 60_000;

export class Accounts extends Feature {
  tree!: ScopeTree;
  private readonly attempts = new Map<string, Attempts>();
  private readonly touched = new Map<string, number>();

  constructor(
    ctx: FeatureContext,
    /** Null for the command line, which sets `tree` from the store (ScopeTree.fromStore). */
    private readonly registry: Registry | null,
  ) {
    super(ctx, 'accounts');
    this.pruneJob = new PeriodicJob({ what: 'prune expired sessions', log: this.log, intervalMs: 3_600_000, firstDelayMs: 60_000, run: async () => void (await this.pruneSessions()) });
  }

  /** Expired sessions are refused when read; this deletes the ones nobody comes back with. */
  private readonly pruneJob: PeriodicJob;

  override async stop(): Promise<void> {
    await super.stop();
    await this.pruneJob.stop();
  }

  /** Deletes sessions past their idle time or absolute lifetime; returns how many. */
  async pruneSessions(now = Date.now()): Promise<number> {
    const { sessionIdleMinutes, sessionMaxHours } = this.ctx.config.auth;
    const r = await this.ctx.db
      .deleteFrom('sessions')
      .where((eb) => eb.or([eb('last_seen', '<=', now - sessionIdleMinutes * 60_000), eb('created_at', '<=', now - sessionMaxHours * 3_600_000)]))
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  override async start(): Promise<void> {
    this.pruneJob.start();
    if (this.registry) this.tree = new ScopeTree(this.registry.county);
    const { db } = this.ctx;
    const existing = await db.selectFrom('users').select('username').execute();
    const have = new Set(existing.map((u) => u.username));
    const seed: { username: string; displayName: string; role: UserRole; scopes: string[] }[] = [];
    if (!existing.some(() => true)) seed.push({ username: 'admin', displayName: 'Administrator', role: 'admin', scopes: [] });
    if (this.ctx.config.auth.demoUsers) {
      for (const u of DEMO_USERS) if (!have.has(u.username) && u.scopes.every((s) => this.tree.node(s))) seed.push(u);
    }
    if (seed.length === 0) return;
    const issued: ProvisionedUser[] = [];
    for (const u of seed) {
      const password = generatePassword();
      issued.push({ username: u.username, password, role: u.role, scopes: u.scopes });
      await this.insert({ ...u, password });
    }
    this.updateFile((users) => [...users.filter((x) => !issued.some((i) => i.username === x.username)), ...issued]);
    this.log.info({ users: issued.map((u) => u.username) }, 'created users with generated passwords (see npm run credentials)');
  }

  // --- users -------------------------------------------------------------------------------------

  async list(): Promise<User[]> {
    const rows = await this.ctx.db.selectFrom('users').selectAll().orderBy('username').execute();
    return rows.map(toUser);
  }

  async get(username: string): Promise<User | undefined> {
    const row = await this.row(username);
    return row ? toUser(row) : undefined;
  }

  /** Creates a user; without a password one is generated and returned (and kept in the provisioning file). */
  async create(body: UserCreateBody): Promise<{ user: User; password?: string }> {
    this.checkScopes(body.role, body.scopes);
    if (await this.row(body.username)) throw new CaidengError('CAIDENG_ERR_USER_EXISTS', [body.username]);
    const generated = body.password === undefined ? generatePassword() : undefined;
    const password = body.password ?? generated!;
    await this.insert({ username: body.username, displayName: body.displayName ?? body.username, role: body.role, scopes: body.scopes, password });
    if (generated) this.updateFile((users) => [...users.filter((u) => u.username !== body.username), { username: body.username, password, role: body.role, scopes: body.scopes }]);
    const user = (await this.get(body.username))!;
    return generated ? { user, password: generated } : { user };
  }

  /** Changes a user; disabling, a new role or new scopes end the user's sessions (the caller emits it). */
  async update(username: string, patch: UserPatchBody): Promise<User> {
    const row = await this.row(username);
    if (!row) throw new CaidengError('CAIDENG_ERR_USER_NOT_FOUND', [username]);
    const role = patch.role ?? (row.role as UserRole);
    const scopes = patch.scopes ?? (JSON.parse(row.scopes) as string[]);
    this.checkScopes(role, scopes);
    const losesAdmin = row.role === 'admin' && !row.disabled && (role !== 'admin' || patch.disabled === true);
    if (losesAdmin && (await this.enabledAdmins()) <= 1) throw new CaidengError('CAIDENG_ERR_LAST_ADMIN');
    await this.ctx.db
      .updateTable('users')
      .set({
        display_name: patch.displayName ?? row.display_name,
        role,
        scopes: JSON.stringify(scopes),
        disabled: patch.disabled === undefined ? row.disabled : patch.disabled ? 1 : 0,
        updated_at: Date.now(),
      })
      .where('username', '=', username)
      .execute();
    this.updateFile((users) => users.map((u) => (u.username === username ? { ...u, role, scopes } : u)));
    // What a session may do is read afresh on each request; live connections hold theirs, so they close.
    if (patch.disabled) await this.endSessions(username, 'changed');
    else if (patch.role !== undefined || patch.scopes !== undefined) this.ctx.bus.emit('auth.sessions.ended', { username, reason: 'changed' });
    return (await this.get(username))!;
  }

  /** Ends a user's sessions (all, or all but `keep`, a hashed session id); their live connections close. */
  async endSessions(username: string, reason: 'everywhere' | 'changed' | 'password' = 'everywhere', keep?: string): Promise<number> {
    let q = this.ctx.db.deleteFrom('sessions').where('username', '=', username);
    if (keep) q = q.where('id_hash', '!=', keep);
    const r = await q.executeTakeFirst();
    this.ctx.bus.emit('auth.sessions.ended', { username, reason, ...(keep ? { except: keep } : {}) });
    return Number(r.numDeletedRows);
  }

  /** Sets a user's password (generated when not given, then kept in the provisioning file); their sessions end (but `keep`). */
  async setPassword(username: string, password?: string, keep?: string): Promise<string> {
    const row = await this.row(username);
    if (!row) throw new CaidengError('CAIDENG_ERR_USER_NOT_FOUND', [username]);
    const next = password ?? generatePassword();
    const now = Date.now();
    await this.ctx.db
      .updateTable('users')
      .set({ password_hash: await hashPassword(next), password_changed_at: now, updated_at: now })
      .where('username', '=', username)
      .execute();
    this.updateFile((users) => {
      const rest = users.filter((u) => u.username !== username);
      // A password its user chose is nobody else's to read: only generated ones stay in the file.
      return password === undefined ? [...rest, { username, password: next, role: row.role, scopes: JSON.parse(row.scopes) as string[] }] : rest;
    });
    await this.endSessions(username, 'password', keep);
    return next;
  }

  /** A signed-in user changes their own password; the other sessions end (the caller keeps the current one). */
  async changeOwnPassword(username: string, current: string, password: string, keep?: string): Promise<void> {
    const row = await this.row(username);
    if (!row || !(await verifyPassword(current, row.password_hash))) throw new CaidengError('CAIDENG_ERR_WRONG_PASSWORD');
    await this.setPassword(username, password, keep);
  }

  // --- sign-in -----------------------------------------------------------------------------------

  /**
   * Checks a sign-in. Unknown users, wrong passwords and disabled accounts look the same and take the
   * same time. After `lockoutAfter` failures within `lockoutMinutes`, the username is locked for
   * `lockoutMinutes`: every attempt is refused, the right password too.
   */
  async login(username: string, password: string, now = Date.now()): Promise<LoginResult> {
    const key = username.toLowerCase();
    const { lockoutAfter, lockoutMinutes } = this.ctx.config.auth;
    const windowMs = lockoutMinutes * 60_000;
    const a = this.attempts.get(key);
    if (a && a.lockedUntil > now) return { ok: false, locked: true, retryAfterS: Math.ceil((a.lockedUntil - now) / 1000) };
    const row = await this.row(key);
    const matches = await verifyPassword(password, row?.password_hash ?? NO_USER_HASH);
    if (row && matches && !row.disabled) {
      this.attempts.delete(key);
      await this.ctx.db.updateTable('users').set({ last_login_at: now }).where('username', '=', row.username).execute();
      return { ok: true, user: toUser({ ...row, last_login_at: now }) };
    }
    const entry = a && now - a.since < windowMs ? a : { failures: 0, since: now, lockedUntil: 0 };
    entry.failures++;
    if (entry.failures >= lockoutAfter) entry.lockedUntil = now + windowMs;
    this.attempts.delete(key);
    this.attempts.set(key, entry);
    if (this.attempts.size > MAX_TRACKED) this.attempts.delete(this.attempts.keys().next().value!);
    return { ok: false, locked: false };
  }

  /** The principal of a signed-in user, or null when the user is gone or disabled. */
  async principalOf(username: string, via: Principal['via']): Promise<Principal | null> {
    const row = await this.row(username);
    if (!row || row.disabled) return null;
    return { username: row.username, role: row.role as UserRole, scopes: JSON.parse(row.scopes) as string[], via };
  }

  async displayName(username: string): Promise<string> {
    return (await this.row(username))?.display_name ?? username;
  }

  // --- API tokens --------------------------------------------------------------------------------

  async createToken(username: string, name: string, expiresInDays?: number): Promise<TokenCreated> {
    const id = randomBytes(8).toString('hex');
    const secret = newSecret();
    const { salt, hash } = hashSecret(secret);
    const now = Date.now();
    const expiresAt = expiresInDays ? now + expiresInDays * 86_400_000 : null;
    await this.ctx.db
      .insertInto('api_tokens')
      .values({ id, username, name, salt, hash, created_at: now, last_used_at: null, expires_at: expiresAt })
      .execute();
    return { id, username, name, createdAt: now, lastUsedAt: null, expiresAt, token: `cdt_${id}_${secret}` };
  }

  async listTokens(username: string | null): Promise<ApiToken[]> {
    let q = this.ctx.db.selectFrom('api_tokens').select(['id', 'username', 'name', 'created_at', 'last_used_at', 'expires_at']).orderBy('created_at');
    if (username !== null) q = q.where('username', '=', username);
    const rows = await q.execute();
    return rows.map((r) => ({ id: r.id, username: r.username, name: r.name, createdAt: r.created_at, lastUsedAt: r.last_used_at, expiresAt: r.expires_at }));
  }

  /** Revokes a token of `username` (any user's when null); false when there is no such token. */
  async revokeToken(id: string, username: string | null): Promise<boolean> {
    let q = this.ctx.db.deleteFrom('api_tokens').where('id', '=', id);
    if (username !== null) q = q.where('username', '=', username);
    const result = await q.executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** The principal a personal API token stands for, or null (unknown, wrong, expired, user disabled). */
  async verifyToken(token: string, now = Date.now()): Promise<Principal | null> {
    const m = TOKEN_RE.exec(token);
    if (!m) return null;
    const row = await this.ctx.db.selectFrom('api_tokens').selectAll().where('id', '=', m[1]!).executeTakeFirst();
    if (!row || !verifySecret(m[2]!, row.salt, row.hash)) return null;
    if (row.expires_at !== null && row.expires_at <= now) return null;
    if (now - (this.touched.get(row.id) ?? 0) > TOUCH_MS) {
      this.touched.set(row.id, now);
      if (this.touched.size > MAX_TRACKED) this.touched.delete(this.touched.keys().next().value!);
      await this.ctx.db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', row.id).execute();
    }
    return this.principalOf(row.username, 'token');
  }

  // --- internals ---------------------------------------------------------------------------------

  private row(username: string): Promise<UserTable | undefined> {
    return this.ctx.db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
  }

  private async enabledAdmins(): Promise<number> {
    const r = await this.ctx.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).where('role', '=', 'admin').where('disabled', '=', 0).executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  private checkScopes(role: UserRole, scopes: readonly string[]): void {
    scopes.forEach((s, i) => {
      if (!this.tree.node(s)) throw new CaidengError('CAIDENG_ERR_SCOPE_UNKNOWN', [s], [{ path: `body/scopes/${i}`, message: `'${s}' is not a registry node` }]);
    });
    if (role !== 'admin' && scopes.length === 0) {
      throw validationError([{ path: 'body/scopes', message: 'a staff, officer or committee user needs at least one scope' }]);
    }
  }

  private async insert(u: { username: string; displayName: string; role: UserRole; scopes: string[]; password: string }): Promise<void> {
    if (u.password.length < PASSWORD_MIN) throw validationError([{ path: 'body/password', message: `at least ${PASSWORD_MIN} characters` }]);
    const now = Date.now();
    await this.ctx.db
      .insertInto('users')
      .values({
        username: u.username,
        display_name: u.displayName,
        role: u.role,
        scopes: JSON.stringify(u.scopes),
        password_hash: await hashPassword(u.password),
        disabled: 0,
        created_at: now,
        updated_at: now,
        password_changed_at: now,
        last_login_at: null,
      })
      .execute();
  }

  /** Rewrites the users' part of the provisioning file (the devices' part is the credentials feature's). */
  private updateFile(change: (users: ProvisionedUser[]) => ProvisionedUser[]): void {
    const dataDir = this.ctx.config.dataDir;
    try {
      const file = readProvisioning(dataDir) ?? { version: 1 as const, mqtt: { url: '' }, devices: [] };
      writeProvisioning(dataDir, { ...file, users: change(file.users ?? []) });
    } catch (err) {
      this.log.error({ err }, 'could not update the users in the provisioning file');
    }
  }
}

function toUser(r: UserTable): User {
  return {
    username: r.username,
    displayName: r.display_name,
    role: r.role as UserRole,
    scopes: JSON.parse(r.scopes) as string[],
    disabled: r.disabled === 1,
    createdAt: r.created_at,
    lastLoginAt: r.last_login_at,
  };
}
