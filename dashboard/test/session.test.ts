/**
 * The dashboard's session plumbing without a browser: the sign-in redirect and its way back, the CSRF
 * header on writes and the 401/403 reports of `data/api.ts` (against a real local HTTP server), the
 * audit filter's query string and Beijing-time parsing, and how a command's deliveries are counted.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, configureApi, getJson, postJson, requestHeaders, withRetry, type Refusal } from '../src/data/api';
import { auditCsvHref, auditQuery, beijingToEpoch, toFilter, EMPTY_AUDIT_FORM } from '../src/data/audit';
import { outcome, type CommandRecord } from '../src/data/commands';
import { afterSignIn, href, parseRoute, safeNext, signInHref } from '../src/lib/router';

describe('sign-in redirect', () => {
  it('sends the user to sign-in with the page they were on, and back there afterwards', () => {
    const to = signInHref('#/compound/xinghe-jiayuan');
    expect(to).toBe('#/signin?next=%2Fcompound%2Fxinghe-jiayuan');
    const route = parseRoute(to);
    expect(route).toEqual({ view: 'signin', next: '/compound/xinghe-jiayuan' });
    expect(afterSignIn(route)).toBe('#/compound/xinghe-jiayuan');
    // Query strings of the page survive the round trip.
    expect(afterSignIn(parseRoute(signInHref('#/admin/audit?x=1')))).toBe('#/admin/audit?x=1');
  });

  it('goes to the overview when there is nowhere (or nowhere safe) to return to', () => {
    expect(signInHref('')).toBe('#/signin');
    expect(signInHref('#/')).toBe('#/signin');
    expect(afterSignIn(parseRoute('#/signin'))).toBe('#/');
    // Never back to the sign-in page itself, never off the page.
    expect(afterSignIn(parseRoute(signInHref('#/signin?next=%2Fcompound%2Fa')))).toBe('#/');
    for (const bad of ['//evil.example/x', 'https://evil.example', 'javascript:alert(1)', '/a b', '/a\\b', '']) expect(safeNext(bad)).toBeUndefined();
    expect(afterSignIn(parseRoute(`#/signin?next=${encodeURIComponent('//evil.example')}`))).toBe('#/');
  });

  it('parses the admin tabs and round-trips every route', () => {
    expect(parseRoute('#/admin')).toEqual({ view: 'admin' });
    expect(parseRoute('#/admin/audit')).toEqual({ view: 'admin', tab: 'audit' });
    expect(parseRoute('#/admin/nope').view).toBe('notFound');
    for (const h of ['#/', '#/compound/alpha', '#/signin', '#/admin', '#/admin/users', '#/admin/tokens']) expect(href(parseRoute(h))).toBe(h);
  });
});

describe('request headers', () => {
  it('sends the CSRF token on writes only, and JSON content only with a body', () => {
    expect(requestHeaders('POST', 'tok', true)).toEqual({ accept: 'application/json', 'content-type': 'application/json', 'x-csrf-token': 'tok' });
    expect(requestHeaders('patch', 'tok', true)['x-csrf-token']).toBe('tok');
    expect(requestHeaders('DELETE', 'tok', false)).toEqual({ accept: 'application/json', 'x-csrf-token': 'tok' });
    expect(requestHeaders('GET', 'tok', false)).toEqual({ accept: 'application/json' });
    // A token-authenticated page has no CSRF token: nothing to send.
    expect(requestHeaders('POST', null, true)['x-csrf-token']).toBeUndefined();
  });
});

describe('api calls against a real HTTP server', () => {
  let server: Server;
  let base: string;
  const seen: Array<{ method: string; url: string; headers: IncomingHttpHeaders; body: string }> = [];
  let csrf = 'first';
  const reports: { unauthorized: number; forbidden: Refusal[]; refreshed: number } = { unauthorized: 0, forbidden: [], refreshed: 0 };

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
        const send = (status: number, payload?: object, headers: Record<string, string> = {}) => {
          res.writeHead(status, { 'content-type': 'application/json', ...headers });
          res.end(payload ? JSON.stringify(payload) : undefined);
        };
        const err = (status: number, code: string, message: string) => send(status, { statusCode: status, code, error: 'x', message });
        if (req.url === '/api/private') return err(401, 'CAIDENG_ERR_UNAUTHORIZED', 'sign in');
        if (req.url?.startsWith('/api/compounds/beta')) return err(403, 'CAIDENG_ERR_FORBIDDEN', 'not in scope');
        if (req.url === '/api/locked') return send(429, { statusCode: 429, code: 'CAIDENG_ERR_LOGIN_LOCKED', error: 'x', message: 'locked' }, { 'retry-after': '120' });
        if (req.url === '/api/write') {
          // Only the current token passes, as the controller's CSRF check does.
          if (req.headers['x-csrf-token'] !== csrf) return err(403, 'CAIDENG_ERR_CSRF', 'bad csrf token');
          return send(200, { ok: true, got: JSON.parse(body) });
        }
        if (req.url === '/api/bad') return send(400, { statusCode: 400, code: 'CAIDENG_ERR_VALIDATION', error: 'x', message: 'bad', details: [{ path: 'body/password', message: 'too short' }] });
        if (req.url === '/api/empty') return send(204);
        return send(200, { ok: true });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    let current = 'stale';
    configureApi({
      csrfToken: () => current,
      unauthorized: () => reports.unauthorized++,
      forbidden: (r) => reports.forbidden.push(r),
      refreshCsrf: async () => {
        reports.refreshed++;
        current = csrf;
        return true;
      },
    });
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('reports a 401 once, so the app can send the user to sign-in; unless the caller asked not to', async () => {
    await expect(getJson(`${base}/api/private`)).rejects.toMatchObject({ status: 401, code: 'CAIDENG_ERR_UNAUTHORIZED' });
    expect(reports.unauthorized).toBe(1);
    await expect(postJson(`${base}/api/private`, {}, { quiet401: true })).rejects.toBeInstanceOf(ApiError);
    expect(reports.unauthorized).toBe(1);
  });

  it('reports a 403 with what was refused', async () => {
    await expect(postJson(`${base}/api/compounds/beta/commands?wait=8000`, { power: 'off' })).rejects.toMatchObject({ status: 403, code: 'CAIDENG_ERR_FORBIDDEN' });
    expect(reports.forbidden).toEqual([{ method: 'POST', path: `${base}/api/compounds/beta/commands`, code: 'CAIDENG_ERR_FORBIDDEN', message: 'not in scope' }]);
    await expect(getJson(`${base}/api/compounds/beta`, undefined, { quiet403: true })).rejects.toMatchObject({ status: 403 });
    expect(reports.forbidden).toHaveLength(1);
  });

  it('sends the CSRF token on a write and retries once with a fresh one when it was stale', async () => {
    const before = seen.length;
    await expect(postJson(`${base}/api/write`, { power: 'on' })).resolves.toEqual({ ok: true, got: { power: 'on' } });
    const writes = seen.slice(before);
    expect(writes.map((w) => w.headers['x-csrf-token'])).toEqual(['stale', 'first']);
    expect(writes[1]!.headers['content-type']).toBe('application/json');
    expect(reports.refreshed).toBe(1);
    // A CSRF refusal that a fresh token fixes is not shown as a refusal.
    expect(reports.forbidden).toHaveLength(1);
  });

  it('carries the retry-after of a lockout and the field problems of a validation error', async () => {
    const locked = await postJson(`${base}/api/locked`, {}).catch((e: unknown) => e);
    expect(locked).toMatchObject({ status: 429, code: 'CAIDENG_ERR_LOGIN_LOCKED', retryAfter: 120 });
    const bad = (await postJson(`${base}/api/bad`, {}).catch((e: unknown) => e)) as ApiError;
    expect(bad.problems).toEqual([{ path: 'body/password', message: 'too short' }]);
    await expect(postJson(`${base}/api/empty`)).resolves.toBeUndefined();
    // An empty write still sends a JSON body (the controller takes only JSON bodies).
    expect(seen[seen.length - 1]!.body).toBe('{}');
  });

  it('does not retry a load that was refused', async () => {
    const abort = new AbortController();
    let calls = 0;
    await expect(
      withRetry(
        (signal) => (calls++, getJson(`${base}/api/private`, signal)),
        abort.signal,
        () => undefined,
      ),
    ).rejects.toMatchObject({ status: 401 });
    expect(calls).toBe(1);
  });
});

describe('audit filter', () => {
  it('reads times as Beijing time and leaves empty fields out of the query', () => {
    expect(beijingToEpoch('2026-02-16T20:00')).toBe(Date.UTC(2026, 1, 16, 12, 0));
    expect(beijingToEpoch('')).toBeUndefined();
    expect(beijingToEpoch('yesterday')).toBeUndefined();
    const filter = toFilter({ ...EMPTY_AUDIT_FORM, actor: ' admin ', action: 'auth.', outcome: 'denied', from: '2026-02-16T20:00' });
    expect(filter).toEqual({ actor: 'admin', action: 'auth.', outcome: 'denied', from: Date.UTC(2026, 1, 16, 12, 0) });
    expect(auditQuery(filter, { offset: 50, limit: 50 })).toBe(`actor=admin&action=auth.&outcome=denied&from=${Date.UTC(2026, 1, 16, 12, 0)}&offset=50&limit=50`);
    expect(auditCsvHref(toFilter(EMPTY_AUDIT_FORM))).toBe('/api/audit?format=csv');
  });
});

describe('command outcome', () => {
  it('counts acked deliveries as delivered, sent as pending, the rest as failed', () => {
    const d = (group: string, status: CommandRecord['deliveries'][number]['status']) => ({ group, status, sentAt: 1, ackedAt: null, latencyMs: null, settledAt: null, code: null, error: null });
    const record = { id: 'c1', compound: 'alpha', issuedAt: 1, source: 'manual', issuer: 'xinghe-staff', command: { power: 'off' }, pending: 1, deliveries: [d('g01', 'ok'), d('g02', 'duplicate'), d('g03', 'sent'), d('g04', 'timeout')] } satisfies CommandRecord;
    expect(outcome(record)).toEqual({ delivered: 2, failed: 1, pending: 1, total: 4 });
  });
});
