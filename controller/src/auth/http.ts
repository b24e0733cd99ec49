/**
 * Authentication and authorization of every `/api/*` request and every socket.io connection, in one
 * place. A route declares its access in its config (auth/access.ts); a route under `/api/` without a
 * declaration fails to register, so a forgotten check cannot ship. Per request:
 * - who: a personal API token or the operator token (`Authorization: Bearer …`), else the session
 *   cookie (@fastify/session, rows in SQLite);
 * - cookie-authenticated writes carry the CSRF token (`x-csrf-token`, @fastify/csrf-protection);
 * - `authorize()` with the route's action and compound;
 * - writes and refusals go to the audit log when the answer is sent.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fastifyCookie, { Signer, fastifyCookie as cookieTools } from '@fastify/cookie';
import fastifySession from '@fastify/session';
import fastifyCsrf from '@fastify/csrf-protection';
import { Tokens as CsrfTokens } from '@fastify/csrf';
import { CaidengError } from '@caideng/protocol';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { Db } from '../store/db.js';
import { authorize, reachOf, type Principal, type Reach, type RouteAccess } from './access.js';
import type { Accounts } from './accounts.js';
import type { AuditLog } from './audit.js';
import { sessionKey, SqliteSessionStore } from './sessionStore.js';

export const SESSION_COOKIE = 'caideng_session';
/** Routes under these prefixes are the API's own documentation pages (registered by @fastify/swagger-ui). */
const PUBLIC_PREFIXES = ['/api/docs'];
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Checks the operator's bearer token (credentials/credentials.ts keeps its hash). */
export interface OperatorAuthenticator {
  verifyOperator(token: string | undefined): boolean;
}

/** The operator token acts as an admin named `operator` (kept for scripts written before accounts). */
const OPERATOR: Principal = { username: 'operator', role: 'admin', scopes: [], via: 'admin-token' };

/** The session secret, generated on first start and kept in the data directory (mode 0600). */
export function sessionSecret(dataDir: string): string {
  const file = join(dataDir, 'session-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, secret + '\n', { mode: 0o600, flag: 'wx' });
  return secret;
}

export interface Authenticated {
  reach: Reach;
  /** The hashed session id when signed in with the cookie. */
  session?: string;
}

/** Who is calling, from a request or a socket.io handshake. */
export class AuthGate {
  readonly signer: Signer;
  readonly sessions: SqliteSessionStore;

  constructor(
    readonly accounts: Accounts,
    private readonly operator: OperatorAuthenticator,
    readonly config: Config['auth'],
    dataDir: string,
    db: Db,
    log: Logger,
  ) {
    this.signer = new Signer(sessionSecret(dataDir), 'sha256');
    this.sessions = new SqliteSessionStore(
      db,
      log,
      config.sessionIdleMinutes * 60_000,
      config.sessionMaxHours * 3_600_000,
    );
  }

  reach(principal: Principal): Reach {
    return reachOf(principal, this.accounts.tree);
  }

  /** From `Authorization: Bearer …`: null when absent; 401 when present and wrong (no falling back to the cookie). */
  async fromBearer(header: string | undefined): Promise<Principal | null> {
    if (!header) return null;
    const token = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
    const principal = token.startsWith('cdt_') ? await this.accounts.verifyToken(token) : this.operator.verifyOperator(token) ? OPERATOR : null;
    if (!principal) throw new CaidengError('CAIDENG_ERR_UNAUTHORIZED');
    return principal;
  }

  /** For socket.io: the session cookie of the handshake, or `auth.token`. */
  async fromHandshake(cookieHeader: string | undefined, token: unknown): Promise<Authenticated | null> {
    if (typeof token === 'string' && token) {
      const principal = await this.fromBearer(`Bearer ${token}`).catch(() => null);
      return principal ? { reach: this.reach(principal) } : null;
    }
    const raw = cookieHeader ? cookieTools.parse(cookieHeader)[SESSION_COOKIE] : undefined;
    if (!raw) return null;
    const unsigned = this.signer.unsign(raw);
    if (!unsigned.valid || !unsigned.value) return null;
    const key = sessionKey(unsigned.value);
    const session = await this.sessions.read(key);
    if (!session?.user) return null;
    const principal = await this.accounts.principalOf(session.user, 'session');
    return principal ? { reach: this.reach(principal), session: key } : null;
  }

  async stillValid(who: Authenticated): Promise<boolean> {
    const { principal } = who.reach;
    if (principal.via === 'admin-token') return true;
    if (who.session && !(await this.sessions.read(who.session))) return false;
    return (await this.accounts.principalOf(principal.username, principal.via)) !== null;
  }
}

export interface AuthGateRecheck {
  /** Whether a live connection's session (or its user, for tokens) still stands. */
  stillValid(who: Authenticated): Promise<boolean>;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** What the principal's scopes cover (set with `principal`). */
    reach?: Reach;
  }
}

export interface DeclaredRoute {
  method: string;
  url: string;
  access: RouteAccess;
}

const declared = new WeakMap<FastifyInstance, DeclaredRoute[]>();

/** Every /api route of `app` with its access declaration (for the access matrix test and the docs). */
export function declaredAccess(app: FastifyInstance): readonly DeclaredRoute[] {
  return declared.get(app) ?? [];
}

export interface InstallAuthOptions {
  gate: AuthGate;
  audit: AuditLog;
  /**
   * Behind a TLS-terminating proxy (`http.trustProxy`) the cookie is Secure whenever the request came over
   * https; served directly (plain HTTP) it cannot be, or browsers would drop it.
   */
  secureCookies?: 'auto' | false;
}

/** The compound a request is about, as its route declares. */
function compoundOf(req: FastifyRequest, access: RouteAccess): string | undefined {
  if ('public' in access || !access.compound) return undefined;
  const source = (access.compound === 'param' ? req.params : req.query) as Record<string, unknown> | undefined;
  const c = source?.compound;
  return typeof c === 'string' ? c : undefined;
}

function routeAccess(req: FastifyRequest): RouteAccess | undefined {
  return req.routeOptions.config.access;
}

/** Installs cookies, sessions, CSRF, the access check and the audit hook. Register before the routes. */
export const installAuth = fp(async (app: FastifyInstance, { gate, audit, secureCookies = false }: InstallAuthOptions) => {
  const cfg = gate.config;
  await app.register(fastifyCookie);
  await app.register(fastifySession, {
    secret: gate.signer,
    cookieName: SESSION_COOKIE,
    store: gate.sessions,
    saveUninitialized: false,
    // Idle expiry is the store's (last use is recorded there); the cookie lives as long as a session can.
    rolling: false,
    cookie: { httpOnly: true, sameSite: 'strict', secure: secureCookies, path: '/', maxAge: cfg.sessionMaxHours * 3_600_000 },
  });
  await app.register(fastifyCsrf, {
    sessionPlugin: '@fastify/session',
    getToken: (req) => {
      const v = req.headers['x-csrf-token'];
      return typeof v === 'string' ? v : undefined;
    },
  });

  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/api/') || PUBLIC_PREFIXES.some((p) => route.url.startsWith(p))) return;
    const access = (route.config as { access?: RouteAccess } | undefined)?.access;
    if (!access) {
      throw new Error(`${[route.method].flat().join(',')} ${route.url} declares no access (config.access, see controller/src/auth/access.ts)`);
    }
    let list = declared.get(app);
    if (!list) declared.set(app, (list = []));
    for (const method of [route.method].flat()) if (method !== 'HEAD') list.push({ method, url: route.url, access });
    // The OpenAPI document says what the declaration enforces.
    const schema = (route.schema ??= {}) as { security?: unknown[]; description?: string };
    schema.security = 'public' in access ? [] : [{ session: [] }, { bearer: [] }];
    if (!('public' in access)) schema.description = `${schema.description ? `${schema.description} ` : ''}Needs: ${access.action}${access.compound ? ' on the compound' : ''}.`;
    // A route hook, after the rate limiter's (it adds its own in an earlier onRoute): guessing tokens is limited too.
    route.onRequest = [...(route.onRequest === undefined ? [] : [route.onRequest].flat()), check];
  });

  // The plugin's own csrfProtection answers by itself; the check here throws our error instead, with the
  // same tokens (the secret the plugin keeps in the session, verified by @fastify/csrf).
  const tokens = new CsrfTokens({ userInfo: false });
  const checkCsrf = (req: FastifyRequest) => {
    const secret = (req.session as unknown as { _csrf?: string })._csrf;
    const token = req.headers['x-csrf-token'];
    if (!secret || typeof token !== 'string' || !tokens.verify(secret, token)) throw new CaidengError('CAIDENG_ERR_CSRF');
  };

  async function check(this: FastifyInstance, req: FastifyRequest): Promise<void> {
    const access = routeAccess(req);
    if (!access) return;
    // A wrong token is refused, except on public routes (a monitor with a stale token still gets its health).
    let principal = await gate.fromBearer(req.headers.authorization).catch((err: unknown) => {
      if ('public' in access) return null;
      throw err;
    });
    if (!principal && req.session?.user) {
      principal = await gate.accounts.principalOf(req.session.user, 'session');
      // Disabled or deleted since signing in: the session is over.
      if (!principal) await req.session.destroy();
    }
    if (principal) {
      req.principal = principal;
      req.reach = gate.reach(principal);
      if (!req.reach.all) req.visibleCompounds = req.reach.compounds;
    }
    if ('public' in access) return;
    if (!principal || !req.reach) throw new CaidengError('CAIDENG_ERR_UNAUTHORIZED');
    if (principal.via === 'session' && MUTATING.has(req.method)) checkCsrf(req);
    const compound = compoundOf(req, access);
    if (!authorize(req.reach, access.action, compound)) {
      throw new CaidengError('CAIDENG_ERR_FORBIDDEN', [`${access.action}${compound ? ` on compound '${compound}'` : ''} as ${principal.role}`]);
    }
  }

  // Every write by a person or token, and every refusal, in the audit log. Sign-in and sign-out record
  // themselves (they know what was tried); anonymous 401s on reads are not worth a row each.
  app.addHook('onResponse', async (req, reply) => {
    const access = routeAccess(req);
    if (!access || 'public' in access) return;
    const status = reply.statusCode;
    const write = MUTATING.has(req.method);
    const refused = status === 403 || (status === 401 && write);
    if (!write && !refused) return;
    void audit.record({
      principal: req.principal ?? null,
      ip: req.ip,
      action: access.audit ?? `${req.method} ${req.routeOptions.url ?? req.url}`,
      target: req.url.split('?')[0] ?? null,
      compound: compoundOf(req, access) ?? null,
      outcome: status < 400 ? 'ok' : status === 401 || status === 403 ? 'denied' : 'failed',
      status,
      detail: write ? ((req.body as Record<string, unknown> | undefined) ?? null) : null,
    });
  });
});

/** For handlers whose resource names its compound only once loaded (a command by id): 403 outside the caller's reach. */
export function assertAllowed(req: FastifyRequest, action: Parameters<typeof authorize>[1], compound: string): void {
  if (!req.reach || !authorize(req.reach, action, compound)) {
    throw new CaidengError('CAIDENG_ERR_FORBIDDEN', [`${action} on compound '${compound}'${req.principal ? ` as ${req.principal.role}` : ''}`]);
  }
}
