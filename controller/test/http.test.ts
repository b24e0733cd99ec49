/**
 * The HTTP layer's own rules, over a real socket: JSON-only bodies (415), command times checked against
 * the protocol's bounds and the clock, request limits per client address (reads and writes apart), and
 * /api/state in pages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { STATE_PAGE_MAX, type StatePage } from '@caideng/protocol';
import { startTestController, type TestController, apiFetch } from './helpers.js';

let ctl: TestController;

beforeAll(async () => {
  ctl = await startTestController();
});
afterAll(async () => {
  await ctl.dispose();
});

async function send(path: string, init: RequestInit & { token?: string | null } = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const token = init.token === undefined ? ctl.operatorToken() : init.token;
  const res = await fetch(`${ctl.httpUrl}${path}`, {
    ...init,
    headers: { ...(init.headers as Record<string, string> | undefined), ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}

const json = (body: unknown, method = 'POST'): RequestInit => ({ method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const commandCount = async () => (await ctl.db.selectFrom('commands').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n;
const deliveryCount = async () => (await ctl.db.selectFrom('command_deliveries').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n;

describe('request bodies', () => {
  const routes: Array<[string, string]> = [
    ['POST', '/api/compounds/alpha/commands'],
    ['POST', '/api/compounds/alpha/groups/g01/commands'],
    ['POST', '/api/scenes'],
    ['PUT', '/api/scenes/evening'],
    ['POST', '/api/scenes/carp/copy'],
    ['POST', '/api/compounds/alpha/energy-estimate'],
  ];

  it('answers a text/plain body, a body without content-type, and a missing body with 415 on every JSON route', async () => {
    const before = (await (await apiFetch(ctl, `/api/metrics`)).json()).http.unsupportedMedia;
    for (const [method, path] of routes) {
      const plain = await send(path, { method, headers: { 'content-type': 'text/plain' }, body: '{"power":"on"}' });
      const untyped = await send(path, { method, body: new TextEncoder().encode('{"power":"on"}') });
      const empty = await send(path, { method });
      for (const r of [plain, untyped, empty]) {
        expect(r.status, `${method} ${path}`).toBe(415);
        expect(r.body).toMatchObject({ statusCode: 415, code: 'CAIDENG_ERR_UNSUPPORTED_MEDIA', error: 'Unsupported Media Type' });
      }
    }
    const after = (await (await apiFetch(ctl, `/api/metrics`)).json()).http.unsupportedMedia;
    expect(after - before).toBe(routes.length * 3);
  });

  it('takes application/json with a charset', async () => {
    const r = await send('/api/compounds/alpha/commands', { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body: '{"power":"on"}' });
    expect(r.status).toBe(202);
  });
});

describe('command times', () => {
  it('refuses an expiresAt beyond the protocol bound with 400 and its path, storing nothing', async () => {
    const [commands, deliveries] = [await commandCount(), await deliveryCount()];
    const r = await send('/api/compounds/alpha/commands', json({ power: 'on', expiresAt: 9e15 }));
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('CAIDENG_ERR_VALIDATION');
    expect(r.body.details).toEqual([{ path: 'body/expiresAt', message: expect.stringContaining('8640000000000000') }]);
    const start = await send('/api/compounds/alpha/groups/g01/commands', json({ power: 'on', startAt: 9e15 }));
    expect(start.status).toBe(400);
    expect(start.body.details[0].path).toBe('body/startAt');
    expect([await commandCount(), await deliveryCount()]).toEqual([commands, deliveries]);
  });

  it('refuses an expiresAt in the past, or not after startAt', async () => {
    const [commands, deliveries] = [await commandCount(), await deliveryCount()];
    const past = await send('/api/compounds/alpha/commands', json({ power: 'on', expiresAt: Date.now() - 1000 }));
    expect(past.status).toBe(400);
    expect(past.body).toMatchObject({ code: 'CAIDENG_ERR_VALIDATION', details: [{ path: 'body/expiresAt', message: expect.stringContaining('future') }] });
    const startAt = Date.now() + 60_000;
    const early = await send('/api/compounds/alpha/groups/g02/commands', json({ brightness: 9, startAt, expiresAt: startAt - 1 }));
    expect(early.status).toBe(400);
    expect(early.body.details).toEqual([{ path: 'body/expiresAt', message: 'must be after startAt' }]);
    expect([await commandCount(), await deliveryCount()]).toEqual([commands, deliveries]);
    const fine = await send('/api/compounds/alpha/groups/g02/commands', json({ brightness: 9, startAt, expiresAt: startAt + 1 }));
    expect(fine.status).toBe(202);
    expect(fine.body.command).toMatchObject({ brightness: 9, startAt, expiresAt: startAt + 1 });
  });
});

describe('/api/state pages', () => {
  it('pages through every device in registry order with a cursor; summaries on the first page', async () => {
    const all = ctl.state.list().map((d) => `${d.compound}/${d.kind}/${d.id}`);
    const seen: string[] = [];
    let page = (await send('/api/state?limit=3')).body as StatePage;
    expect(page.summaries.map((s) => s.id)).toEqual(['alpha', 'beta']);
    const pages = [page];
    while (page.next) {
      page = (await send(`/api/state?limit=3&cursor=${encodeURIComponent(page.next)}`)).body as StatePage;
      pages.push(page);
    }
    for (const p of pages) seen.push(...p.devices.map((d) => `${d.compound}/${d.kind}/${d.id}`));
    expect(pages.map((p) => p.devices.length)).toEqual([3, 3, 2]);
    expect(pages.slice(1).every((p) => p.summaries.length === 0)).toBe(true);
    expect(seen).toEqual(all);
  });

  it('defaults to one page of 1000 for a small county, pages one compound, and refuses bad limits and cursors', async () => {
    const whole = (await send('/api/state')).body as StatePage;
    expect(whole.devices).toHaveLength(8);
    expect(whole.next).toBeUndefined();
    const alpha = (await send('/api/state?compound=alpha&limit=4')).body as StatePage;
    expect(alpha.devices.map((d) => d.compound)).toEqual(['alpha', 'alpha', 'alpha', 'alpha']);
    expect(alpha.next).toBe('alpha/bridge/b1');
    const rest = (await send(`/api/state?compound=alpha&limit=4&cursor=${alpha.next}`)).body as StatePage;
    expect(rest.devices.map((d) => d.id)).toEqual(['b1']);
    expect(rest.next).toBeUndefined();
    const tooMany = await send(`/api/state?limit=${STATE_PAGE_MAX + 1}`);
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.details).toEqual([{ path: 'querystring/limit', message: `must be <= ${STATE_PAGE_MAX}` }]);
    expect((await send('/api/state?limit=0')).body.code).toBe('CAIDENG_ERR_VALIDATION');
    const elsewhere = await send('/api/state?compound=beta&cursor=alpha/group/g01');
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.body.code).toBe('CAIDENG_ERR_BAD_CURSOR');
    expect((await send('/api/state?cursor=alpha/group/g99')).body.code).toBe('CAIDENG_ERR_BAD_CURSOR');
  });
});

/** A GET from another loopback address: its own rate-limit bucket. */
function getFrom(localAddress: string, url: string, token: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { localAddress, headers: { authorization: `Bearer ${token}` } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('request limits', () => {
  let limited: TestController;
  beforeAll(async () => {
    limited = await startTestController({ http: { rateLimitMax: 4, rateLimitMutatingMax: 2, rateLimitWindowMs: 60_000 } });
  });
  afterAll(async () => {
    await limited.dispose();
  });

  it('limits writes per address more strictly than reads, answers 429 with retry-after, exempts /api/health, and counts', async () => {
    const post = () => fetch(`${limited.httpUrl}/api/compounds/alpha/commands`, json({ power: 'on' }));
    // Without a token: the limit also slows down guessing it.
    expect((await post()).status).toBe(401);
    expect((await post()).status).toBe(401);
    const third = await post();
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await third.json()).toMatchObject({ statusCode: 429, code: 'CAIDENG_ERR_RATE_LIMITED', error: 'Too Many Requests' });
    // Reads have their own budget.
    for (let i = 0; i < 4; i++) expect((await apiFetch(limited, `/api/county`)).status).toBe(200);
    expect((await apiFetch(limited, `/api/scenes`)).status).toBe(429);
    for (let i = 0; i < 3; i++) expect((await apiFetch(limited, `/api/health`)).status).toBe(200);
    // The dashboard's files are not limited either.
    expect((await apiFetch(limited, `/`)).status).toBe(200);
    const metrics = await getFrom('127.0.0.2', `${limited.httpUrl}/api/metrics`, limited.operatorToken());
    expect(metrics.status).toBe(200);
    expect(metrics.body.http).toMatchObject({ rateLimited: 2, rateLimitedMutating: 1 });
  });
});
