/**
 * The OpenAPI document: generated from the route schemas, served offline, covering every /api route with
 * its answers and errors; and the controller's real answers validate against what it documents.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { Compile } from 'typebox/compile';
import { decodePayload, topic } from '@caideng/protocol';
import { apiRoutes } from '@caideng/controller';
import { connectDevice, endClient, publish, startTestController, subscribe, waitForDevice, type TestController, apiFetch } from './helpers.js';

interface Operation {
  responses: Record<string, { description: string; content?: Record<string, { schema: object }> }>;
  security?: unknown[];
}
interface Doc {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
}

let ctl: TestController;
let doc: Doc;
const groups: MqttClient[] = [];
/** `METHOD /template` of every answer checked against the document, with its status. */
const checked: Array<{ route: string; status: number }> = [];

async function ackingGroup(id: string): Promise<MqttClient> {
  const address = { compound: 'alpha', role: 'group' as const, device: id };
  const c = await connectDevice(ctl, `alpha/group/${id}`);
  c.on('message', (_t, payload) => {
    const cmd = decodePayload('set', payload);
    if (cmd.ok) publish(c, topic(address, 'ack'), { v: 1, tx: cmd.value.tx, ts: Date.now(), status: 'ok' }).catch(() => undefined);
  });
  await subscribe(c, topic(address, 'set'));
  groups.push(c);
  return c;
}

beforeAll(async () => {
  ctl = await startTestController();
  const [g01] = await Promise.all(['g01', 'g02', 'g03'].map(ackingGroup));
  // A device with every field of its status set, and one rejected message for /api/rejections.
  const me = { compound: 'alpha', role: 'group' as const, device: 'g01' };
  await publish(g01!, topic(me, 'availability'), { v: 1, state: 'online', ts: Date.now() }, { retain: true });
  await publish(g01!, topic(me, 'state'), { v: 1, ts: Date.now(), power: 'on', brightness: 200, scene: { name: 'carp' } }, { retain: true });
  const ts = Date.now();
  await publish(g01!, topic(me, 'telemetry'), { v: 1, ts, watts: 42.5, faults: ['lamp_failure'], uptimeS: 5 }, { qos: 0 });
  await publish(g01!, topic(me, 'state'), '{"v":1,', { retain: true });
  await waitForDevice(ctl, 'alpha/group/g01', (d) => d.telemetryTs === ts && d.state?.brightness === 200);
  doc = (await (await apiFetch(ctl, `/api/openapi.json`)).json()) as Doc;
});
afterAll(async () => {
  await Promise.all(groups.map((g) => endClient(g, true)));
  await ctl.dispose();
});

const template = (url: string) => url.replace(/:(\w+)/g, '{$1}');

/** Calls `template` with `params` filled in and checks the answer against the documented schema for its status. */
async function call(method: string, path: string, params: Record<string, string> = {}, init: { body?: unknown; token?: string | null; raw?: RequestInit } = {}) {
  const url = path.replace(/\{(\w+)\}/g, (_m, k: string) => params[k]!).replace(/\?.*/, '') + (path.includes('?') ? path.slice(path.indexOf('?')) : '');
  const token = init.token === undefined ? ctl.operatorToken() : init.token;
  const res = await fetch(`${ctl.httpUrl}${url}`, {
    method,
    headers: { ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    ...init.raw,
  });
  const text = await res.text();
  const csv = res.headers.get('content-type')?.startsWith('text/csv') ?? false;
  const ics = res.headers.get('content-type')?.startsWith('text/calendar') ?? false;
  const body = text && !csv && !ics ? JSON.parse(text) : ics ? text : undefined;
  const bare = path.replace(/\?.*/, '');
  const op = doc.paths[bare]?.[method.toLowerCase()];
  expect(op, `${method} ${bare} is documented`).toBeDefined();
  const documented = op!.responses[String(res.status)] ?? op!.responses[`${String(res.status)[0]}XX`];
  expect(documented, `${method} ${bare} documents ${res.status}`).toBeDefined();
  if (res.status === 204) {
    expect(text).toBe('');
  } else if (csv) {
    expect(text.split('\r\n')[0]).toMatch(/^id,time,actor/);
  } else if (ics) {
    expect(text.split('\r\n')[0]).toBe('BEGIN:VCALENDAR');
  } else {
    const schema = documented!.content!['application/json']!.schema;
    const validator = Compile(schema as never);
    const errors = [...validator.Errors(body)].map((e) => `${e.instancePath} ${e.message}`);
    expect(errors, `${method} ${url} ${res.status} answers as documented`).toEqual([]);
  }
  checked.push({ route: `${method} ${bare}`, status: res.status });
  return { status: res.status, body };
}

/** Routes anyone may call; every other one needs a session or a token. */
const PUBLIC_ROUTES = new Set(['GET /api/health', 'POST /api/auth/login', 'GET /api/calendar', 'GET /api/compounds/:compound/calendar.ics', 'GET /api/clock', 'GET /api/public/tickets/:code', 'POST /api/kiosk-page/claim']);

describe('OpenAPI document', () => {
  it('is OpenAPI 3.1 and documents every /api route with an answer, the error body and who may call it', () => {
    expect(doc.openapi).toBe('3.1.0');
    const routes = apiRoutes(ctl.http);
    expect(routes.length).toBeGreaterThanOrEqual(17);
    for (const r of routes) {
      const op = doc.paths[template(r.url)]?.[r.method.toLowerCase()];
      expect(op, `${r.method} ${r.url}`).toBeDefined();
      const codes = Object.keys(op!.responses);
      expect(codes.some((c) => /^2\d\d$/.test(c)), `${r.method} ${r.url} has a success answer`).toBe(true);
      expect(codes).toEqual(expect.arrayContaining(['4XX', '5XX']));
      for (const [code, res] of Object.entries(op!.responses)) {
        expect(res.description, `${r.method} ${r.url} ${code}`).toBeTruthy();
        if (code !== '204') expect(res.content?.['application/json']?.schema, `${r.method} ${r.url} ${code}`).toBeDefined();
      }
      const open = PUBLIC_ROUTES.has(`${r.method} ${r.url}`);
      expect(op!.security, `${r.method} ${r.url} says who may call it`).toEqual(open ? [] : [{ session: [] }, { bearer: [] }]);
    }
  });

  it('is browsable offline at /api/docs', async () => {
    const page = await apiFetch(ctl, `/api/docs/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    const script = /src="\.\/(static\/swagger-ui-bundle\.js)"/.exec(html);
    expect(script).not.toBeNull();
    const bundle = await apiFetch(ctl, `/api/docs/${script![1]}`);
    expect(bundle.status).toBe(200);
  });
});

describe('real answers match the document', () => {
  it('health, metrics, rejections', async () => {
    await call('GET', '/api/health');
    await call('GET', '/api/metrics');
    const rejections = await call('GET', '/api/rejections');
    expect(rejections.body.recent.length).toBeGreaterThan(0);
  });

  it('registry and live state', async () => {
    await call('GET', '/api/county');
    await call('GET', '/api/compounds');
    const alpha = await call('GET', '/api/compounds/{compound}', { compound: 'alpha' });
    expect(alpha.body.groups[0].status).toMatchObject({ online: true, watts: 42.5, faults: ['lamp_failure'], state: { brightness: 200 } });
    const first = await call('GET', '/api/state?limit=2');
    expect(first.body.next).toBeDefined();
    await call('GET', `/api/state?cursor=${first.body.next}`);
    await call('GET', '/api/compounds/{compound}', { compound: 'nowhere' });
    await call('GET', '/api/state?limit=nine');
  });

  it('commands: ?wait, 202 and GET /api/commands/{id}', async () => {
    const waited = await call('POST', '/api/compounds/{compound}/commands?wait=5000', { compound: 'alpha' }, { body: { scene: { name: 'carp', params: { speed: 1.5 }, seed: 3 }, brightness: 120, transitionMs: 500 } });
    expect(waited.status).toBe(200);
    expect(waited.body.deliveries.map((d: { status: string }) => d.status)).toEqual(['ok', 'ok', 'ok']);
    const accepted = await call('POST', '/api/compounds/{compound}/commands', { compound: 'alpha' }, { body: { power: 'off', groups: ['g02'] } });
    expect(accepted.status).toBe(202);
    const one = await call('POST', '/api/compounds/{compound}/groups/{group}/commands?wait=5000', { compound: 'alpha', group: 'g03' }, { body: { power: 'on' } });
    expect(one.status).toBe(200);
    await call('GET', '/api/commands/{id}', { id: waited.body.id });
    await call('GET', '/api/commands/{id}', { id: 'no-such-command' });
    await call('POST', '/api/compounds/{compound}/commands', { compound: 'alpha' }, { body: { power: 'on' }, token: null });
    await call('POST', '/api/compounds/{compound}/commands', { compound: 'alpha' }, { raw: { body: 'power=on', headers: { 'content-type': 'text/plain', authorization: `Bearer ${ctl.operatorToken()}` } } });
  });

  it('scenes and the energy estimate', async () => {
    const list = await call('GET', '/api/scenes');
    expect(list.body.length).toBeGreaterThan(5);
    await call('GET', '/api/scenes/{name}', { name: 'zodiac-lantern' });
    const scene = { name: 'doc-red', title: { zh: '红', en: 'Red' }, layers: [{ effect: { type: 'steady', color: 'china-red' } }] };
    expect((await call('POST', '/api/scenes', {}, { body: scene })).status).toBe(201);
    await call('GET', '/api/scenes/{name}', { name: 'doc-red' });
    expect((await call('PUT', '/api/scenes/{name}', { name: 'doc-red' }, { body: { ...scene, speed: 2 } })).status).toBe(200);
    expect((await call('POST', '/api/scenes/{name}/copy', { name: 'lotus' }, { body: { name: 'doc-lotus', params: { speed: 0.5 } } })).status).toBe(201);
    expect((await call('DELETE', '/api/scenes/{name}', { name: 'doc-lotus' })).status).toBe(204);
    await call('POST', '/api/scenes', {}, { body: { name: 'Bad Name', layers: [] } });
    const estimate = await call('POST', '/api/compounds/{compound}/energy-estimate', { compound: 'alpha' }, { body: { scene: { name: 'lotus' }, brightness: 100, minutes: 30 } });
    expect(estimate.status).toBe(200);
  });

  it('device credentials: rotate and revoke', async () => {
    const rotated = await call('POST', '/api/devices/{compound}/{role}/{device}/credentials/rotate', { compound: 'beta', role: 'kiosk', device: 'k1' });
    expect(rotated.status).toBe(200);
    expect(rotated.body.password).toEqual(expect.any(String));
    expect((await call('DELETE', '/api/devices/{compound}/{role}/{device}/credentials', { compound: 'beta', role: 'kiosk', device: 'k1' })).status).toBe(200);
  });

  it('accounts: users, sign-in, the signed-in user, tokens, audit, sign-out', async () => {
    const created = await call('POST', '/api/users', {}, { body: { username: 'doc-staff', role: 'staff', scopes: ['alpha'], password: 'first-password-1' } });
    expect(created.status).toBe(201);
    await call('GET', '/api/users');
    await call('PATCH', '/api/users/{username}', { username: 'doc-staff' }, { body: { displayName: 'Doc Staff' } });
    const reset = await call('POST', '/api/users/{username}/password', { username: 'doc-staff' }, { body: {} });
    const login = await fetch(`${ctl.httpUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'doc-staff', password: reset.body.password }),
    });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const signedIn = await call('POST', '/api/auth/login', {}, { body: { username: 'doc-staff', password: reset.body.password }, token: null });
    expect(signedIn.body).toMatchObject({ username: 'doc-staff', role: 'staff', compounds: ['alpha'] });
    const me = await call('GET', '/api/auth/me', {}, { token: null, raw: { headers: { cookie } } });
    const asUser = (extra: Record<string, string> = {}) => ({ token: null, raw: { headers: { cookie, 'x-csrf-token': me.body.csrfToken, 'content-type': 'application/json', ...extra } } });
    const token = await call('POST', '/api/tokens', {}, { ...asUser(), body: { name: 'script' } });
    expect(token.status).toBe(201);
    await call('GET', '/api/tokens', {}, { token: token.body.token });
    expect((await call('DELETE', '/api/tokens/{id}', { id: token.body.id }, { token: null, raw: { method: 'DELETE', headers: { cookie, 'x-csrf-token': me.body.csrfToken } } })).status).toBe(204);
    expect((await call('POST', '/api/auth/password', {}, { ...asUser(), body: { current: reset.body.password, password: 'second-password-2' } })).status).toBe(204);
    await call('GET', '/api/audit?limit=5');
    await call('GET', '/api/audit?format=csv');
    expect((await call('POST', '/api/auth/logout', {}, { ...asUser(), body: {} })).status).toBe(204);
  });

  it('history: series, energy, burn hours, faulty groups', async () => {
    await ctl.metrics.idle();
    const to = Date.now() + 1000;
    const power = await call('GET', `/api/history?series=power&compound=alpha&from=${to - 3_600_000}&to=${to}`);
    expect(power.body.points.length).toBeGreaterThan(0);
    await call('GET', `/api/energy?compound=alpha&from=${to - 86_400_000}&to=${to}`);
    await call('GET', `/api/history/burn-hours?compound=alpha&from=${to - 86_400_000}&to=${to}`);
    await call('GET', `/api/history/faulty-groups?from=${to - 86_400_000}&to=${to}`);
    await call('GET', '/api/history/presses?compound=alpha&limit=5');
    await call('GET', `/api/history?series=power&from=${to}&to=${to - 1}`);
  });

  it('schedule: rules, the save-time report, plan, calendars, overrides, clock', async () => {
    const body = { name: '夜景', kind: 'nightly', target: { compounds: ['alpha'] }, when: { start: { sun: 'sunset', offsetMin: 10 }, end: { at: '22:00' } }, play: { scene: { name: 'carp' } } };
    const created = await call('POST', '/api/rules', {}, { body });
    expect(created.status).toBe(201);
    const id = created.body.rule.id as string;
    await call('POST', '/api/rules/check', {}, { body });
    await call('GET', '/api/rules');
    await call('GET', '/api/rules/{id}', { id });
    await call('PUT', '/api/rules/{id}', { id }, { body: { ...body, name: '夜景二' } });
    await call('GET', '/api/compounds/{compound}/plan', { compound: 'alpha' });
    await call('GET', '/api/calendar?year=2026', {}, { token: null });
    await call('GET', '/api/compounds/{compound}/calendar.ics', { compound: 'alpha' }, { token: null });
    const o = await call('POST', '/api/compounds/{compound}/override', { compound: 'alpha' }, { body: { power: 'off', minutes: 5 } });
    expect(o.status).toBe(201);
    await call('GET', '/api/compounds/{compound}/overrides', { compound: 'alpha' });
    await call('DELETE', '/api/compounds/{compound}/overrides/{id}', { compound: 'alpha', id: o.body.override.id });
    await call('GET', '/api/clock', {}, { token: null });
    await call('GET', '/api/schedule/now', {});
    expect((await call('DELETE', '/api/rules/{id}', { id })).status).toBe(204);
  });

  it('sync: start skew per group and per show', async () => {
    expect((await call('GET', '/api/sync')).body).toMatchObject({ groups: [], shows: [] });
    await call('GET', '/api/sync?compound=alpha');
  });

  it("feedback: presses, index, alerts and their actions, tickets, the public ticket, the measure, the kiosk page", async () => {
    const k1 = await connectDevice(ctl, 'alpha/kiosk/k1');
    const kiosk = { compound: 'alpha', role: 'kiosk', device: 'k1' } as const;
    await subscribe(k1, topic(kiosk, 'receipt'));
    const t0 = Date.now() - 30_000;
    const buttons = ['unsatisfied', 'unsatisfied', 'unsatisfied', 'unsatisfied', 'help'];
    for (const [i, button] of buttons.entries()) {
      const receipt = new Promise<void>((resolve) => k1.once('message', () => resolve()));
      await publish(k1, topic(kiosk, 'event'), { v: 1, button, ts: t0 + i * 6000, seq: 100 + i, boot: 'doc' });
      await receipt;
    }
    await ctl.feedback.settled();
    await ctl.tickets.settled();
    endClient(k1);
    const presses = await call('GET', '/api/presses?compound=alpha');
    expect(presses.body.presses).toHaveLength(5);
    await call('GET', `/api/feedback/index?compound=alpha&by=night&from=${t0 - 86_400_000}&to=${t0 + 86_400_000}`);
    const alerts = await call('GET', '/api/alerts?compound=alpha&state=open');
    expect(alerts.body.alerts[0].kind).toBe('unsatisfied');
    expect((await call('POST', '/api/alerts/{id}/actions', { id: alerts.body.alerts[0].id }, { body: { action: 'acknowledge' } })).status).toBe(200);
    const tickets = await call('GET', '/api/tickets?compound=alpha&level=compound');
    const code = tickets.body.tickets[0].code as string;
    await call('GET', '/api/tickets/{code}', { code });
    expect((await call('POST', '/api/tickets/{code}/actions', { code }, { body: { action: 'acknowledge' } })).status).toBe(200);
    await call('GET', '/api/public/tickets/{code}', { code }, { token: null });
    await call('GET', '/api/feedback/measure?by=month');
    const link = await call('POST', '/api/devices/{compound}/kiosk/{device}/page-link', { compound: 'alpha', device: 'k1' }, { body: {} });
    const claimed = await call('POST', '/api/kiosk-page/claim', {}, { body: { code: link.body.url.split('#k=')[1] }, token: null });
    expect(claimed.body.username).toBe('alpha/kiosk/k1');
  });

  it('covered every documented route with a success answer', () => {
    const succeeded = new Set(checked.filter((c) => c.status < 300).map((c) => c.route));
    const missing = apiRoutes(ctl.http)
      .map((r) => `${r.method} ${template(r.url)}`)
      .filter((r) => !succeeded.has(r));
    expect(missing).toEqual([]);
    expect(new Set(checked.filter((c) => c.status >= 400).map((c) => c.status))).toEqual(new Set([400, 401, 404, 415]));
  });
});
