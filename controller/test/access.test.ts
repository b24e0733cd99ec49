/**
 * Who may do what, where: every /api route × every role × its own and another compound, over real HTTP,
 * and the same for socket.io subscriptions. The expectations are a table written here from the product's
 * rules (staff operate their compounds, officers and the committee read theirs, admins everything), not
 * computed by the code under test; the routes' declared actions are read from the running server, and a
 * route whose declaration is missing cannot be registered at all.
 */
import Fastify from 'fastify';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SubscribeResult } from '@caideng/protocol';
import { declaredAccess, installAuth, type DeclaredRoute } from '../src/auth/http.js';
import { apiRoutes } from '../src/http/openapi.js';
import { DEMO_COUNTY, startTestController, type TestController } from './helpers.js';

type Who = 'anonymous' | 'staff' | 'officer' | 'committee' | 'admin';
type Where = 'own' | 'other' | 'none';

/** 星河家园 is the staff user's and the Nanhu officer's; 清心园 (Dongcheng community) is neither's. */
const OWN = 'xinghe-jiayuan';
const OTHER = 'qingxin-yuan';
const USERS: Record<Exclude<Who, 'anonymous'>, string> = { staff: 'xinghe-staff', officer: 'nanhu-officer', committee: 'committee', admin: 'admin' };

/** The product's rules, per action: who may take it, and on which compounds. */
const MAY: Record<string, Record<Who, Where[]>> = {
  public: { anonymous: ['own', 'other', 'none'], staff: ['own', 'other', 'none'], officer: ['own', 'other', 'none'], committee: ['own', 'other', 'none'], admin: ['own', 'other', 'none'] },
  read: { anonymous: [], staff: ['own', 'none'], officer: ['own', 'none'], committee: ['own', 'other', 'none'], admin: ['own', 'other', 'none'] },
  operate: { anonymous: [], staff: ['own', 'none'], officer: [], committee: [], admin: ['own', 'other', 'none'] },
  govern: { anonymous: [], staff: [], officer: ['own', 'none'], committee: [], admin: ['own', 'other', 'none'] },
  author: { anonymous: [], staff: ['none'], officer: ['none'], committee: [], admin: ['none'] },
  audit: { anonymous: [], staff: [], officer: ['none'], committee: ['none'], admin: ['none'] },
  admin: { anonymous: [], staff: [], officer: [], committee: [], admin: ['none'] },
  self: { anonymous: [], staff: ['none'], officer: ['none'], committee: ['none'], admin: ['none'] },
  handle: { anonymous: [], staff: ['own', 'none'], officer: ['own', 'none'], committee: ['own', 'other', 'none'], admin: ['own', 'other', 'none'] },
};

/** Actions some routes must declare: a wrong declaration would pass the generic matrix. */
const DECLARED: Record<string, string> = {
  'POST /api/compounds/:compound/commands': 'operate',
  'POST /api/compounds/:compound/groups/:group/commands': 'operate',
  'GET /api/compounds/:compound': 'read',
  'GET /api/state': 'read',
  'GET /api/rejections': 'read',
  'POST /api/compounds/:compound/energy-estimate': 'read',
  'POST /api/scenes': 'author',
  'DELETE /api/scenes/:name': 'author',
  'GET /api/metrics': 'admin',
  'POST /api/devices/:compound/:role/:device/credentials/rotate': 'admin',
  'GET /api/users': 'admin',
  'POST /api/users': 'admin',
  'GET /api/audit': 'audit',
  'GET /api/health': 'public',
  'POST /api/auth/login': 'public',
  // The scheduler: routes declare the weakest action; handlers check operate/govern per target.
  'GET /api/rules': 'read',
  'POST /api/rules': 'read',
  'POST /api/rules/check': 'read',
  'GET /api/rules/:id': 'read',
  'PUT /api/rules/:id': 'read',
  'DELETE /api/rules/:id': 'read',
  'GET /api/compounds/:compound/plan': 'read',
  'POST /api/compounds/:compound/override': 'read',
  'GET /api/compounds/:compound/overrides': 'read',
  'DELETE /api/compounds/:compound/overrides/:id': 'read',
  'GET /api/calendar': 'public',
  'GET /api/compounds/:compound/calendar.ics': 'public',
  'GET /api/clock': 'public',
  'GET /api/sync': 'read',
  'GET /api/presses': 'read',
  'GET /api/feedback/index': 'read',
  'GET /api/feedback/measure': 'read',
  'GET /api/alerts': 'read',
  'POST /api/alerts/:id/actions': 'operate',
  'GET /api/tickets': 'read',
  'GET /api/tickets/:code': 'read',
  'POST /api/tickets/:code/actions': 'handle',
  'GET /api/public/tickets/:code': 'public',
  'POST /api/devices/:compound/kiosk/:device/page-link': 'admin',
  'POST /api/kiosk-page/claim': 'public',
  'GET /api/schedule/now': 'read',
};

let ctl: TestController;
const tokens: Partial<Record<Who, string>> = {};

beforeAll(async () => {
  ctl = await startTestController({ registryFile: DEMO_COUNTY, auth: { demoUsers: true } });
  for (const [who, username] of Object.entries(USERS)) tokens[who as Who] = (await ctl.accounts.createToken(username, 'matrix')).token;
});

afterAll(async () => {
  await ctl.dispose();
});

type RouteInfo = DeclaredRoute;

function declaredRoutes(): RouteInfo[] {
  const access = new Map(declaredAccess(ctl.http).map((r) => [`${r.method} ${r.url}`, r.access]));
  return apiRoutes(ctl.http).map((r) => ({ ...r, access: access.get(`${r.method} ${r.url}`)! }));
}

function fill(url: string, compound: string): string {
  return url
    .replace(':compound', compound)
    .replace(':group', 'g01')
    .replace(':name', 'lotus')
    .replace(':id', 'ffffffffffffffff')
    .replace(':username', 'nobody')
    .replace(':role', 'group')
    .replace(':device', 'g01');
}

async function call(route: RouteInfo, who: Who, where: Where): Promise<{ status: number; code?: string }> {
  const compound = where === 'other' ? OTHER : OWN;
  let path = fill(route.url, compound);
  if (!('public' in route.access) && route.access.compound === 'query' && where !== 'none') path += `?compound=${compound}`;
  const headers: Record<string, string> = {};
  if (who !== 'anonymous') headers.authorization = `Bearer ${tokens[who]}`;
  const write = route.method !== 'GET';
  if (write) headers['content-type'] = 'application/json';
  const res = await fetch(`${ctl.httpUrl}${path}`, { method: route.method, headers, ...(write ? { body: '{}' } : {}) });
  const text = await res.text();
  let code: string | undefined;
  try {
    code = (JSON.parse(text) as { code?: string }).code;
  } catch {
    // not JSON (CSV, HTML)
  }
  return { status: res.status, code };
}

describe('every route, every role, own and other compound (HTTP)', () => {
  it('knows the declared action of every route the controller serves', () => {
    const routes = declaredRoutes();
    const undeclared = routes.filter((r) => !r.access).map((r) => `${r.method} ${r.url}`);
    expect(undeclared).toEqual([]);
    for (const [route, action] of Object.entries(DECLARED)) {
      const r = routes.find((x) => `${x.method} ${x.url}` === route);
      expect(r, route).toBeDefined();
      expect('public' in r!.access ? 'public' : r!.access.action, route).toBe(action);
    }
  });

  it('answers 401 to anonymous callers, 403 (CAIDENG_ERR_FORBIDDEN) outside role or scope, and lets the rest through', async () => {
    const failures: string[] = [];
    let calls = 0;
    for (const route of declaredRoutes()) {
      const action = 'public' in route.access ? 'public' : route.access.action;
      const places: Where[] = 'public' in route.access || !route.access.compound ? ['none'] : ['own', 'other'];
      for (const who of ['anonymous', 'staff', 'officer', 'committee', 'admin'] as Who[]) {
        for (const where of places) {
          const { status, code } = await call(route, who, where);
          calls++;
          const allowed = MAY[action]![who].includes(where);
          const label = `${who} ${route.method} ${route.url} (${where}): ${status} ${code ?? ''}`;
          if (allowed && (status === 401 || code === 'CAIDENG_ERR_FORBIDDEN')) failures.push(`refused ${label}`);
          if (!allowed && who === 'anonymous' && status !== 401) failures.push(`not 401 ${label}`);
          if (!allowed && who !== 'anonymous' && (status !== 403 || code !== 'CAIDENG_ERR_FORBIDDEN')) failures.push(`not 403 ${label}`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(calls).toBeGreaterThan(150);
  });

  it('lists only what is in scope', async () => {
    const get = async (who: Who, path: string) => (await fetch(`${ctl.httpUrl}${path}`, { headers: { authorization: `Bearer ${tokens[who]}` } })).json();
    const ids = (list: Array<{ id: string }>) => list.map((c) => c.id).sort();
    expect(ids(await get('staff', '/api/compounds'))).toEqual(['xinghe-chuntian', 'xinghe-jiayuan']);
    expect(await get('officer', '/api/compounds')).toHaveLength(5);
    expect(await get('committee', '/api/compounds')).toHaveLength(22);
    const county = await get('staff', '/api/county');
    expect(ids(county.compounds)).toEqual(['xinghe-chuntian', 'xinghe-jiayuan']);
    expect(county.streets.map((s: { id: string }) => s.id)).toEqual(['xuyang']);
    expect(county.streets[0].communities.map((c: { id: string; compounds: string[] }) => [c.id, c.compounds])).toEqual([['nanhu', ['xinghe-jiayuan', 'xinghe-chuntian']]]);
    const state = await get('staff', '/api/state');
    expect(new Set(state.devices.map((d: { compound: string }) => d.compound))).toEqual(new Set(['xinghe-jiayuan', 'xinghe-chuntian']));
    expect(ids(state.summaries)).toEqual(['xinghe-chuntian', 'xinghe-jiayuan']);
  });

  it('refuses a command by id from another compound', async () => {
    const sent = await fetch(`${ctl.httpUrl}/api/compounds/${OTHER}/commands`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ power: 'on' }),
    });
    const { id } = (await sent.json()) as { id: string };
    const asStaff = await fetch(`${ctl.httpUrl}/api/commands/${id}`, { headers: { authorization: `Bearer ${tokens.staff}` } });
    expect(asStaff.status).toBe(403);
    const asCommittee = await fetch(`${ctl.httpUrl}/api/commands/${id}`, { headers: { authorization: `Bearer ${tokens.committee}` } });
    expect(asCommittee.status).toBe(200);
    expect(await asCommittee.json()).toMatchObject({ issuer: 'admin', source: 'api' });
  });

  it('fails to register a new /api route that declares no access', async () => {
    const app = Fastify({ logger: false });
    void app.register(installAuth, { gate: ctl.gate, audit: ctl.audit });
    void app.register(async (a) => {
      a.get('/api/declared', { config: { access: { action: 'read' } } }, async () => ({}));
      a.get('/api/forgotten', async () => ({ secret: true }));
    });
    await expect(app.ready()).rejects.toThrow(/GET \/api\/forgotten declares no access/);
    await app.close().catch(() => undefined);
  });
});

describe('every role, own and other compound (socket.io)', () => {
  const open: Socket[] = [];
  afterAll(() => {
    for (const s of open) s.close();
  });

  const connectAs = (who: Who) =>
    new Promise<Socket>((resolve, reject) => {
      const socket = io(ctl.httpUrl, { path: '/socket.io', transports: ['websocket'], reconnection: false, ...(who === 'anonymous' ? {} : { auth: { token: tokens[who] } }) });
      open.push(socket);
      socket.once('connect', () => resolve(socket));
      socket.once('connect_error', (err) => reject(err));
    });
  const subscribe = (s: Socket, what: string[] | '*') => new Promise<SubscribeResult>((resolve) => s.emit('subscribe', what, resolve));

  it('refuses anonymous connections with CAIDENG_ERR_UNAUTHORIZED', async () => {
    await expect(connectAs('anonymous')).rejects.toThrow('CAIDENG_ERR_UNAUTHORIZED');
  });

  it('lets each role join its compounds, refuses others with CAIDENG_ERR_FORBIDDEN, and reads * as "all of mine"', async () => {
    const expectations: Array<[Who, boolean, number]> = [
      ['staff', false, 2],
      ['officer', false, 5],
      ['committee', true, 22],
      ['admin', true, 22],
    ];
    for (const [who, mayOther, all] of expectations) {
      const s = await connectAs(who);
      expect((await subscribe(s, [OWN])).ok, `${who} own`).toBe(true);
      const other = await subscribe(s, [OTHER]);
      expect(other.ok, `${who} other`).toBe(mayOther);
      if (!mayOther) expect(other.code).toBe('CAIDENG_ERR_FORBIDDEN');
      const summaries = new Promise<number>((resolve) => s.once('summaries', ({ summaries: list }: { summaries: unknown[] }) => resolve(list.length)));
      const everything = await subscribe(s, '*');
      expect(everything.compounds, `${who} *`).toHaveLength(all);
      expect(await summaries, `${who} summaries`).toBe(all);
    }
  });
});
