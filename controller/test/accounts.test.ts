/**
 * Signing in as people do: a session cookie over real HTTP, CSRF on writes, lockout after failed
 * sign-ins, sign-out (here and everywhere) closing live connections, expiry, API tokens, the audit log,
 * and no secret in any log line at any level.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteSessionStore, sessionKey } from '../src/auth/sessionStore.js';
import { rmSync } from 'node:fs';
import { readProvisioning, startController, type ControllerHandle } from '@caideng/controller';
import { SMALL_COUNTY, tempDir } from './helpers.js';

const lines: string[] = [];
const dataDir = tempDir();
let ctl: ControllerHandle;

beforeAll(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  // Every level, HTTP requests included: what would a log show if someone turned it all on?
  ctl = await startController(
    {
      dataDir,
      registryFile: SMALL_COUNTY,
      http: { host: '127.0.0.1', port: 0 },
      mqtt: { host: '127.0.0.1', port: 0 },
      log: { level: 'trace' },
      auth: { lockoutAfter: 5, lockoutMinutes: 15, loginPerAddress: 40 },
    },
    { logger: pino({ level: 'trace' }, sink) },
  );
  await createUser('amy', 'staff', ['alpha'], 'amy-password-1');
  await createUser('olga', 'officer', ['nanhu'], 'olga-password-1');
});

afterAll(async () => {
  await ctl.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function readOperator(dir: string): Promise<string> {
  return readProvisioning(dir)!.operator!.token;
}

async function admin(path: string, init: RequestInit = {}): Promise<Response> {
  const token = await readOperator(ctl.config.dataDir);
  return fetch(`${ctl.httpUrl}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(init.headers as object) } });
}

async function createUser(username: string, role: string, scopes: string[], password: string): Promise<void> {
  const res = await admin('/api/users', { method: 'POST', body: JSON.stringify({ username, role, scopes, password }) });
  expect(res.status).toBe(201);
}

interface Session {
  cookie: string;
  csrf: string;
  setCookie: string;
}

async function login(username: string, password: string): Promise<Response> {
  return fetch(`${ctl.httpUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
}

async function signIn(username: string, password: string): Promise<Session> {
  const res = await login(username, password);
  expect(res.status).toBe(200);
  const setCookie = res.headers.get('set-cookie')!;
  const body = (await res.json()) as { csrfToken: string };
  return { cookie: setCookie.split(';')[0]!, csrf: body.csrfToken, setCookie };
}

const as = (s: Session, path: string, init: RequestInit & { csrf?: boolean } = {}) =>
  fetch(`${ctl.httpUrl}${path}`, {
    ...init,
    headers: { cookie: s.cookie, ...(init.body ? { 'content-type': 'application/json' } : {}), ...(init.csrf === false ? {} : { 'x-csrf-token': s.csrf }), ...(init.headers as object) },
  });

describe('sessions', () => {
  it('signs in with a secure cookie, knows who is signed in, and answers 401 without it', async () => {
    const s = await signIn('amy', 'amy-password-1');
    expect(s.setCookie).toMatch(/^caideng_session=/);
    expect(s.setCookie).toMatch(/HttpOnly/i);
    expect(s.setCookie).toMatch(/SameSite=Strict/i);
    // Plain HTTP here: Secure would make the browser drop it; over TLS (or behind a trusted proxy) it is set.
    expect(s.setCookie).not.toMatch(/Secure/i);
    const me = await (await as(s, '/api/auth/me')).json();
    expect(me).toMatchObject({ username: 'amy', role: 'staff', scopes: ['alpha'], compounds: ['alpha'], operable: ['alpha'], via: 'session' });
    expect(me.actions).toEqual(['read', 'operate', 'author', 'handle']);
    expect((await fetch(`${ctl.httpUrl}/api/auth/me`)).status).toBe(401);
    expect((await fetch(`${ctl.httpUrl}/api/compounds/alpha`)).status).toBe(401);
    // A wrong token is refused, but not on what is public.
    const stale = { authorization: 'Bearer cdt_0000000000000000_nottherightsecretnottherightsecr' };
    expect((await fetch(`${ctl.httpUrl}/api/compounds/alpha`, { headers: stale })).status).toBe(401);
    expect((await fetch(`${ctl.httpUrl}/api/health`, { headers: stale })).status).toBe(200);
  });

  it('needs the CSRF token for a cookie write, and records the command as a manual one by the user', async () => {
    const s = await signIn('amy', 'amy-password-1');
    const body = JSON.stringify({ power: 'on' });
    const without = await as(s, '/api/compounds/alpha/commands', { method: 'POST', body, csrf: false });
    expect(without.status).toBe(403);
    expect((await without.json()).code).toBe('CAIDENG_ERR_CSRF');
    const wrong = await as(s, '/api/compounds/alpha/commands', { method: 'POST', body, headers: { 'x-csrf-token': 'forged' } });
    expect((await wrong.json()).code).toBe('CAIDENG_ERR_CSRF');
    const ok = await as(s, '/api/compounds/alpha/commands', { method: 'POST', body });
    expect(ok.status).toBe(202);
    expect(await ok.json()).toMatchObject({ source: 'manual', issuer: 'amy' });
    const other = await as(s, '/api/compounds/beta/commands', { method: 'POST', body });
    expect(other.status).toBe(403);
    expect((await other.json()).code).toBe('CAIDENG_ERR_FORBIDDEN');
  });

  it('signs out here, and everywhere: the other session and its live connection end', async () => {
    const a = await signIn('olga', 'olga-password-1');
    const b = await signIn('olga', 'olga-password-1');
    const socket: Socket = io(ctl.httpUrl, { path: '/socket.io', transports: ['websocket'], reconnection: false, extraHeaders: { cookie: b.cookie } });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    const dropped = new Promise<string>((resolve) => socket.once('disconnect', (reason) => resolve(reason)));
    expect((await as(a, '/api/auth/logout', { method: 'POST', body: JSON.stringify({ everywhere: true }) })).status).toBe(204);
    expect(await dropped).toBe('io server disconnect');
    expect((await as(a, '/api/auth/me')).status).toBe(401);
    expect((await as(b, '/api/auth/me')).status).toBe(401);
    // A signed-out cookie cannot open a live connection either.
    const again = io(ctl.httpUrl, { path: '/socket.io', transports: ['websocket'], reconnection: false, extraHeaders: { cookie: b.cookie } });
    await expect(
      new Promise((resolve, reject) => {
        again.once('connect', resolve);
        again.once('connect_error', reject);
      }),
    ).rejects.toThrow('CAIDENG_ERR_UNAUTHORIZED');
    again.close();
  });

  it('ends a session after its idle time and after its absolute lifetime, on a fake clock', async () => {
    let now = 1_000_000_000_000;
    const store = new SqliteSessionStore(ctl.db, pino({ level: 'silent' }), 10 * 60_000, 60 * 60_000, () => now);
    const put = (id: string) => new Promise<void>((resolve, reject) => store.set(id, { user: 'amy', createdAt: now } as never, (e) => (e ? reject(e) : resolve())));
    await put('idle-one');
    now += 9 * 60_000;
    expect(await store.read(sessionKey('idle-one'))).toMatchObject({ user: 'amy' });
    now += 11 * 60_000; // 11 min since last use
    expect(await store.read(sessionKey('idle-one'))).toBeNull();
    await put('busy-one');
    for (let i = 0; i < 12; i++) {
      now += 5 * 60_000; // used every 5 minutes, for an hour
      const s = await store.read(sessionKey('busy-one'));
      if (i < 11) expect(s, `after ${(i + 1) * 5} min`).not.toBeNull();
      else expect(s, 'after 60 min').toBeNull();
    }
  });

  it('deletes expired sessions nobody comes back with', async () => {
    const now = Date.now();
    const row = (id: string, created: number, seen: number) => ({ id_hash: id, username: 'amy', created_at: created, last_seen: seen, data: '{}' });
    await ctl.db
      .insertInto('sessions')
      .values([row('idle', now - 60_000_000, now - 3 * 3_600_000), row('old', now - 13 * 3_600_000, now - 60_000), row('fresh', now - 60_000, now - 60_000)])
      .execute();
    expect(await ctl.accounts.pruneSessions(now)).toBe(2);
    const left = await ctl.db.selectFrom('sessions').select('id_hash').where('id_hash', 'in', ['idle', 'old', 'fresh']).execute();
    expect(left.map((r) => r.id_hash)).toEqual(['fresh']);
  });

  it('refuses a disabled user at their next request', async () => {
    await createUser('tmp-user', 'staff', ['beta'], 'tmp-password-1');
    const s = await signIn('tmp-user', 'tmp-password-1');
    expect((await as(s, '/api/compounds/beta')).status).toBe(200);
    expect((await admin('/api/users/tmp-user', { method: 'PATCH', body: JSON.stringify({ disabled: true }) })).status).toBe(200);
    expect((await as(s, '/api/compounds/beta')).status).toBe(401);
    expect((await login('tmp-user', 'tmp-password-1')).status).toBe(401);
  });
});

describe('sign-in lockout', () => {
  it('answers 429 after repeated wrong passwords, refuses the right one during the lockout, and audits every attempt', async () => {
    await createUser('lock-me', 'staff', ['alpha'], 'right-password-1');
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await login('lock-me', `wrong-password-${i}`)).status);
    expect(statuses.slice(0, 4)).toEqual([401, 401, 401, 401]);
    expect(statuses.slice(5)).toEqual(Array(15).fill(429));
    const right = await login('lock-me', 'right-password-1');
    expect(right.status).toBe(429);
    expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(800);
    expect((await right.json()).code).toBe('CAIDENG_ERR_LOGIN_LOCKED');
    // The same answer for a username that does not exist: the lockout does not tell who exists.
    for (let i = 0; i < 5; i++) await login('nobody-here', 'whatever-1');
    expect((await login('nobody-here', 'whatever-1')).status).toBe(429);
    const page = (await (await admin('/api/audit?actor=lock-me&action=auth.login&limit=100')).json()) as { total: number; items: Array<{ action: string; outcome: string; ip: string }> };
    expect(page.total).toBe(21);
    expect(page.items.filter((e) => e.action === 'auth.login.failed')).toHaveLength(statuses.filter((s) => s === 401).length);
    expect(page.items.filter((e) => e.action === 'auth.login.locked').length).toBeGreaterThanOrEqual(16);
    expect(page.items.every((e) => e.outcome === 'denied' && e.ip.length > 0)).toBe(true);
  });

  it('gives unknown users, wrong passwords and disabled accounts the same answer', async () => {
    const unknown = await (await login('no-such-user', 'some-password-1')).json();
    const wrong = await (await login('amy', 'not-her-password')).json();
    expect(unknown).toEqual(wrong);
    expect(unknown.code).toBe('CAIDENG_ERR_LOGIN_FAILED');
  });
});

describe('personal API tokens and the audit log', () => {
  it('issues a token shown once, works as the user, and stops working once revoked', async () => {
    const s = await signIn('amy', 'amy-password-1');
    const created = await (await as(s, '/api/tokens', { method: 'POST', body: JSON.stringify({ name: 'nightly script' }) })).json();
    expect(created.token).toMatch(/^cdt_[a-f0-9]{16}_/);
    const row = await ctl.db.selectFrom('api_tokens').selectAll().where('id', '=', created.id).executeTakeFirstOrThrow();
    // The secret is everything after `cdt_<id>_` (base64url: it may itself hold '_').
    const secret = (created.token as string).slice(`cdt_${created.id}_`.length);
    expect(secret.length).toBeGreaterThan(20);
    expect(JSON.stringify(row)).not.toContain(secret);
    const bearer = { authorization: `Bearer ${created.token}` };
    expect(await (await fetch(`${ctl.httpUrl}/api/auth/me`, { headers: bearer })).json()).toMatchObject({ username: 'amy', via: 'token', csrfToken: null });
    const listed = await (await as(s, '/api/tokens')).json();
    expect(listed.map((t: { name: string }) => t.name)).toContain('nightly script');
    expect(JSON.stringify(listed)).not.toContain(created.token);
    expect((await as(s, `/api/tokens/${created.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await fetch(`${ctl.httpUrl}/api/auth/me`, { headers: bearer })).status).toBe(401);
  });

  it('records who did what from where, scoped for officers, filterable and as CSV', async () => {
    const s = await signIn('amy', 'amy-password-1');
    await as(s, '/api/compounds/alpha/commands', { method: 'POST', body: JSON.stringify({ brightness: 77 }) });
    const officer = await signIn('olga', 'olga-password-1');
    const seen = await (await as(officer, '/api/audit?action=command.&actor=amy')).json();
    expect(seen.items[0]).toMatchObject({ actor: 'amy', role: 'staff', via: 'session', action: 'command.compound', compound: 'alpha', outcome: 'ok', status: 202, ip: '127.0.0.1' });
    expect(seen.items[0].detail).toEqual({ brightness: 77 });
    // Staff have no audit log to read.
    expect((await as(s, '/api/audit')).status).toBe(403);
    const csv = await admin('/api/audit?format=csv&action=user.');
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const text = await csv.text();
    expect(text.split('\r\n')[0]).toBe('id,time,actor,role,via,ip,action,target,compound,outcome,status,detail');
    expect(text).toContain('user.create');
    // The password given when the user was created is not in the detail.
    expect(text).not.toContain('amy-password-1');
  });
});

describe('secrets in logs', () => {
  it('never writes a password, token, session id or CSRF token, at any level', async () => {
    const s = await signIn('amy', 'amy-password-1');
    await as(s, '/api/auth/password', { method: 'POST', body: JSON.stringify({ current: 'amy-password-1', password: 'amy-password-2' }) });
    const token = (await (await as(s, '/api/tokens', { method: 'POST', body: JSON.stringify({ name: 'log check' }) })).json()).token as string;
    await fetch(`${ctl.httpUrl}/api/auth/me`, { headers: { authorization: `Bearer ${token}` } });
    const generated = (await (await admin('/api/users', { method: 'POST', body: JSON.stringify({ username: 'gen-user', role: 'staff', scopes: ['alpha'] }) })).json()).password as string;
    await login('amy', 'a-wrong-password');
    const operator = await readOperator(ctl.config.dataDir);
    expect(lines.some((l) => l.includes('controller started'))).toBe(true); // the logger was listening
    const secrets = ['amy-password-1', 'amy-password-2', 'olga-password-1', 'a-wrong-password', token, generated, operator, s.cookie.split('=')[1]!, s.csrf];
    const leaks = lines.filter((l) => secrets.some((x) => l.includes(x)));
    expect(leaks).toEqual([]);
  });
});
