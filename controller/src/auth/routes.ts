/**
 * Sign-in, the signed-in user, users (admin), personal API tokens, and the audit log.
 * Sign-in is rate limited per client address on top of the per-username lockout (auth/accounts.ts);
 * both answer 429 with `retry-after`. Failed and refused sign-ins are recorded with the username tried.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import {
  ApiToken,
  AuditPage,
  AuditQuery,
  CaidengError,
  LoginBody,
  LogoutBody,
  Me,
  PasswordAnswer,
  PasswordChangeBody,
  PasswordResetBody,
  TokenCreateBody,
  TokenCreated,
  TokenListQuery,
  TokenParams,
  User,
  UserCreateBody,
  UserCreated,
  UserPatchBody,
  UsernameParams,
  type ScopeNode,
} from '@caideng/protocol';
import { answer } from '../http/schemas.js';
import { actionsOf, authorize, type Principal } from './access.js';
import type { AuditLog } from './audit.js';
import type { AuthGate } from './http.js';
import { sessionKey } from './sessionStore.js';
import type { EventBus } from '../bus/eventBus.js';

export interface AuthRoutesOptions {
  gate: AuthGate;
  audit: AuditLog;
  bus: EventBus;
}

const noContent = { 204: Type.Null({ description: 'done' }) };

export default async function authRoutes(app: FastifyInstance, { gate, audit, bus }: AuthRoutesOptions): Promise<void> {
  const { accounts } = gate;
  const cfg = gate.config;

  const me = async (req: FastifyRequest, reply: FastifyReply, principal: Principal): Promise<Me> => {
    const reach = gate.reach(principal);
    const compounds = [...reach.compounds];
    const scopeNodes = principal.scopes.map((id) => accounts.tree.node(id)).filter((n): n is ScopeNode => n !== undefined);
    return {
      username: principal.username,
      displayName: principal.via === 'admin-token' ? 'operator token' : await accounts.displayName(principal.username),
      role: principal.role,
      scopes: [...principal.scopes],
      scopeNodes,
      compounds,
      operable: compounds.filter((c) => authorize(reach, 'operate', c)),
      actions: actionsOf(principal.role).filter((a) => a !== 'self'),
      csrfToken: principal.via === 'session' ? reply.generateCsrf() : null,
      via: principal.via,
    };
  };

  app.post<{ Body: LoginBody }>(
    '/api/auth/login',
    {
      config: {
        access: { public: 'signing in' },
        rateLimit: { max: cfg.loginPerAddress, timeWindow: cfg.lockoutMinutes * 60_000, keyGenerator: (req: FastifyRequest) => `login|${req.ip}` },
      },
      schema: { body: LoginBody, response: { 200: answer(Me, 'signed in: the session cookie is set') } },
    },
    async (req, reply) => {
      const { username, password } = req.body;
      const result = await accounts.login(username, password);
      if (!result.ok) {
        void audit.record({
          actor: username.slice(0, 64),
          ip: req.ip,
          action: result.locked ? 'auth.login.locked' : 'auth.login.failed',
          outcome: 'denied',
          status: result.locked ? 429 : 401,
        });
        if (result.locked) {
          reply.header('retry-after', String(result.retryAfterS));
          throw new CaidengError('CAIDENG_ERR_LOGIN_LOCKED', [Math.ceil(result.retryAfterS / 60)]);
        }
        throw new CaidengError('CAIDENG_ERR_LOGIN_FAILED');
      }
      // A new session id at sign-in, so an id planted before (session fixation) is worth nothing.
      await req.session.regenerate();
      req.session.user = result.user.username;
      req.session.createdAt = Date.now();
      const principal = (await accounts.principalOf(result.user.username, 'session'))!;
      void audit.record({ principal, ip: req.ip, action: 'auth.login', outcome: 'ok', status: 200 });
      return me(req, reply, principal);
    },
  );

  app.post<{ Body: Type.Static<typeof LogoutBody> | undefined }>(
    '/api/auth/logout',
    { config: { access: { action: 'self', audit: 'auth.logout' } }, schema: { body: Type.Optional(LogoutBody), response: noContent } },
    async (req, reply) => {
      const principal = req.principal!;
      if (req.body?.everywhere) await accounts.endSessions(principal.username, 'everywhere');
      if (principal.via === 'session' && req.session.sessionId) {
        const key = sessionKey(req.session.sessionId);
        await req.session.destroy();
        bus.emit('auth.sessions.ended', { username: principal.username, session: key, reason: 'logout' });
      }
      reply.clearCookie('caideng_session', { path: '/' });
      return reply.code(204).send();
    },
  );

  app.get('/api/auth/me', { config: { access: { action: 'self' } }, schema: { response: { 200: answer(Me, 'who is signed in, what they may do, and the CSRF token') } } }, async (req, reply) =>
    me(req, reply, req.principal!),
  );

  app.post<{ Body: Type.Static<typeof PasswordChangeBody> }>(
    '/api/auth/password',
    { config: { access: { action: 'self', audit: 'auth.password' } }, schema: { body: PasswordChangeBody, response: noContent } },
    async (req, reply) => {
      const principal = req.principal!;
      if (principal.via === 'admin-token') throw new CaidengError('CAIDENG_ERR_FORBIDDEN', ['the operator token has no password']);
      const keep = principal.via === 'session' && req.session.sessionId ? sessionKey(req.session.sessionId) : undefined;
      await accounts.changeOwnPassword(principal.username, req.body.current, req.body.password, keep);
      return reply.code(204).send();
    },
  );

  // --- users (admin) -------------------------------------------------------------------------------

  app.get('/api/users', { config: { access: { action: 'admin' } }, schema: { response: { 200: answer(Type.Array(User), 'every user') } } }, async () => accounts.list());

  app.post<{ Body: UserCreateBody }>(
    '/api/users',
    { config: { access: { action: 'admin', audit: 'user.create' } }, schema: { body: UserCreateBody, response: { 201: answer(UserCreated, 'created; a generated password is shown once') } } },
    async (req, reply) => reply.code(201).send(await accounts.create(req.body)),
  );

  app.patch<{ Params: Type.Static<typeof UsernameParams>; Body: UserPatchBody }>(
    '/api/users/:username',
    { config: { access: { action: 'admin', audit: 'user.update' } }, schema: { params: UsernameParams, body: UserPatchBody, response: { 200: answer(User, 'the changed user') } } },
    async (req) => accounts.update(req.params.username, req.body),
  );

  app.post<{ Params: Type.Static<typeof UsernameParams>; Body: Type.Static<typeof PasswordResetBody> | undefined }>(
    '/api/users/:username/password',
    {
      config: { access: { action: 'admin', audit: 'user.password' } },
      schema: { params: UsernameParams, body: Type.Optional(PasswordResetBody), response: { 200: answer(PasswordAnswer, "the new password (generated when none was given); the user's sessions end") } },
    },
    async (req) => ({ password: await accounts.setPassword(req.params.username, req.body?.password) }),
  );

  // --- personal API tokens -------------------------------------------------------------------------

  app.get<{ Querystring: Type.Static<typeof TokenListQuery> }>(
    '/api/tokens',
    { config: { access: { action: 'self' } }, schema: { querystring: TokenListQuery, response: { 200: answer(Type.Array(ApiToken), 'your API tokens (an admin with all=true: everyone’s)') } } },
    async (req) => accounts.listTokens(req.query.all && req.principal!.role === 'admin' ? null : req.principal!.username),
  );

  app.post<{ Body: Type.Static<typeof TokenCreateBody> }>(
    '/api/tokens',
    { config: { access: { action: 'self', audit: 'token.create' } }, schema: { body: TokenCreateBody, response: { 201: answer(TokenCreated, 'the token, shown once') } } },
    async (req, reply) => {
      const principal = req.principal!;
      if (principal.via === 'admin-token') throw new CaidengError('CAIDENG_ERR_FORBIDDEN', ['the operator token cannot issue tokens: sign in as a user']);
      return reply.code(201).send(await accounts.createToken(principal.username, req.body.name, req.body.expiresInDays));
    },
  );

  app.delete<{ Params: Type.Static<typeof TokenParams> }>(
    '/api/tokens/:id',
    { config: { access: { action: 'self', audit: 'token.revoke' } }, schema: { params: TokenParams, response: noContent } },
    async (req, reply) => {
      const principal = req.principal!;
      if (!(await accounts.revokeToken(req.params.id, principal.role === 'admin' ? null : principal.username))) {
        throw new CaidengError('CAIDENG_ERR_TOKEN_NOT_FOUND', [req.params.id]);
      }
      return reply.code(204).send();
    },
  );

  // --- audit -----------------------------------------------------------------------------------------

  app.get<{ Querystring: AuditQuery }>(
    '/api/audit',
    {
      config: { access: { action: 'audit' } },
      schema: {
        querystring: AuditQuery,
        response: { 200: answer(AuditPage, 'a page of entries, newest first; with format=csv every matching entry as text/csv') },
      },
    },
    async (req, reply) => {
      const reach = req.reach!;
      const visible = reach.principal.role === 'admin' ? null : { compounds: reach.compounds, self: reach.principal.username };
      if (req.query.format === 'csv') {
        const csv = await audit.csv(req.query, visible);
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="caideng-audit-${new Date().toISOString().slice(0, 10)}.csv"`)
          .send(csv);
      }
      return audit.query(req.query, visible);
    },
  );
}
