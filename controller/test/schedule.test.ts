/**
 * The scheduler over real HTTP and MQTT, on the demo county with its seeded programme and a set clock
 * (Wednesday 2026-12-02, Rong County): rules with validation at JSON paths and scope per target, the
 * save-time report, the plan with won/lost, overrides that expire back to the schedule (the clock is moved,
 * the durable deadline fires), curfews that refuse manual commands naming the rule, the residents'
 * iCalendar and the Chinese calendar. One controller for the file; one MQTT client plays a lantern group.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io } from 'socket.io-client';
import type { MqttClient } from 'mqtt';
import { topic, type GroupCommand } from '@caideng/protocol';
import { Clock } from '@caideng/controller';
import { DEMO_COUNTY, apiFetch, connectDevice, endClient, nextMessage, publish, startTestController, subscribe, type TestController } from './helpers.js';

const WEDNESDAY_8PM = Date.parse('2026-12-02T20:00:00+08:00');
const OWN = 'xinghe-jiayuan';
const OTHER = 'qingxin-yuan';

let ctl: TestController;
let clock: Clock;
const tokens: Record<string, string> = {};
let g01: MqttClient;
const me = { compound: OWN, role: 'group' as const, device: 'g01' };
const setTopic = topic(me, 'set');

async function api(path: string, init: { method?: string; body?: unknown; as?: string } = {}) {
  const res = await apiFetch(ctl, path, {
    method: init.method ?? (init.body !== undefined ? 'POST' : 'GET'),
    headers: {
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(init.as ? { authorization: `Bearer ${tokens[init.as]}` } : {}),
    },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, any>) : null };
}

const nightlyFor = (compound: string, extra: Record<string, unknown> = {}) => ({
  name: '星河夜景',
  kind: 'nightly',
  target: { compounds: [compound] },
  when: { start: { sun: 'sunset', offsetMin: 10 }, end: { at: '22:00' } },
  play: { scene: { name: 'carp' } },
  ...extra,
});

/** Acks every command like a lantern group and reports the state it was told. */
function actLikeGroup(client: MqttClient): void {
  client.on('message', (t, payload) => {
    if (t !== setTopic) return;
    const cmd = JSON.parse(payload.toString()) as GroupCommand;
    void publish(client, topic(me, 'ack'), { v: 1, tx: cmd.tx, ts: Date.now(), status: 'ok' });
    void publish(
      client,
      topic(me, 'state'),
      { v: 1, ts: Date.now(), power: cmd.power ?? 'on', brightness: cmd.brightness ?? 0, scene: cmd.scene ?? null, ...(cmd.startAt ? { startAt: cmd.startAt } : {}), tx: cmd.tx },
      { retain: true },
    );
  });
}

beforeAll(async () => {
  clock = new Clock({ at: WEDNESDAY_8PM });
  ctl = await startTestController({ registryFile: DEMO_COUNTY, auth: { demoUsers: true }, schedule: { seedDemoProgramme: true } }, undefined, { clock });
  for (const u of ['xinghe-staff', 'nanhu-officer', 'committee']) tokens[u] = (await ctl.accounts.createToken(u, 'schedule')).token;
}, 30_000);

afterAll(async () => {
  await endClient(g01, true);
  await ctl?.dispose();
});

describe('rules', () => {
  it('seeds the demo programme once, as system', async () => {
    const { body } = await api('/api/rules');
    const rules = body!.rules as Array<{ kind: string; createdBy: string; name: string }>;
    expect(rules.map((r) => r.kind).sort()).toEqual(['curfew', 'festival', 'festival', 'nightly', 'quiet']);
    expect(rules.every((r) => r.createdBy === 'system')).toBe(true);
  });

  it('refuses an invalid rule with each problem at its JSON path, and creates, reads, changes and deletes a valid one', async () => {
    const bad = await api('/api/rules', { body: { ...nightlyFor(OWN), when: { start: { sun: 'sunset', offsetMin: 240 }, end: { at: '25:00' } } }, as: 'xinghe-staff' });
    expect(bad.status).toBe(400);
    expect(bad.body!.code).toBe('CAIDENG_ERR_VALIDATION');
    const paths = (bad.body!.details as Array<{ path: string }>).map((d) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['/when/start/offsetMin', '/when/end/at']));

    const created = await api('/api/rules', { body: nightlyFor(OWN, { name: '临时', kind: 'default', priority: 50 }), as: 'xinghe-staff' });
    expect(created.status).toBe(201);
    const rule = created.body!.rule;
    expect(rule).toMatchObject({ name: '临时', revision: 1, createdBy: 'xinghe-staff', editable: true });
    expect((await api(`/api/rules/${rule.id}`, { as: 'xinghe-staff' })).body).toMatchObject({ id: rule.id, kind: 'default' });
    const changed = await api(`/api/rules/${rule.id}`, { method: 'PUT', body: nightlyFor(OWN, { name: '临时二', kind: 'default', priority: 50 }), as: 'xinghe-staff' });
    expect(changed.status).toBe(200);
    expect(changed.body!.rule).toMatchObject({ name: '临时二', revision: 2 });
    expect((await api(`/api/rules/${rule.id}`, { method: 'DELETE', as: 'xinghe-staff' })).status).toBe(204);
    const gone = await api(`/api/rules/${rule.id}`);
    expect(gone.status).toBe(404);
    expect(gone.body!.code).toBe('CAIDENG_ERR_RULE_NOT_FOUND');
  });

  it('lets staff set a nightly programme for their compound only, and officers a curfew for their area only', async () => {
    expect((await api('/api/rules', { body: nightlyFor(OTHER), as: 'xinghe-staff' })).status).toBe(403);
    const curfew = { name: '小区宵禁', kind: 'curfew', target: { compounds: [OWN] }, when: { start: { at: '22:00' } } };
    const refused = await api('/api/rules', { body: curfew, as: 'xinghe-staff' });
    expect(refused.status).toBe(403);
    expect(refused.body!.code).toBe('CAIDENG_ERR_FORBIDDEN');
    expect((await api('/api/rules', { body: { ...curfew, target: { areas: ['dongcheng'] } }, as: 'nanhu-officer' })).status).toBe(403);
    const areaCurfew = await api('/api/rules', { body: { ...curfew, name: '南湖社区宵禁', target: { areas: ['nanhu'] }, when: { start: { at: '23:00' } } }, as: 'nanhu-officer' });
    expect(areaCurfew.status).toBe(201);
    // Staff see it (it binds their compound) but may not change it.
    const seen = (await api('/api/rules', { as: 'xinghe-staff' })).body!.rules.find((r: { id: string }) => r.id === areaCurfew.body!.rule.id);
    expect(seen).toMatchObject({ editable: false });
    expect((await api(`/api/rules/${areaCurfew.body!.rule.id}`, { method: 'DELETE', as: 'xinghe-staff' })).status).toBe(403);
    expect((await api(`/api/rules/${areaCurfew.body!.rule.id}`, { method: 'DELETE', as: 'nanhu-officer' })).status).toBe(204);

    // The compound's viewers hear of it live (socket.io), and fetch the plan again.
    const socket = io(ctl.httpUrl, { path: '/socket.io', transports: ['websocket'], reconnection: false, auth: { token: tokens['xinghe-staff'] } });
    await new Promise<void>((resolve) => socket.on('connect', () => socket.emit('subscribe', [OWN], () => resolve())));
    const pushed = new Promise<{ compound: string; revision: number }>((resolve) => socket.on('schedule', resolve));
    const mine = await api('/api/rules', { body: nightlyFor(OWN), as: 'xinghe-staff' });
    expect(mine.status).toBe(201);
    expect(mine.body!.rule.editable).toBe(true);
    expect(await pushed).toMatchObject({ compound: OWN, revision: expect.any(Number) });
    socket.close();
  });

  it('reports a conflict and a show past the curfew before saving (nothing stored)', async () => {
    const before = (await api('/api/rules')).body!.rules.length;
    // Same priority as the staff's nightly rule, same compound, overlapping time.
    const conflict = await api('/api/rules/check', { body: nightlyFor(OWN, { name: '另一个夜景', play: { scene: { name: 'lotus' } } }), as: 'xinghe-staff' });
    expect(conflict.status).toBe(200);
    expect(conflict.body!.errors).toEqual([]);
    expect(conflict.body!.warnings.map((w: { code: string }) => w.code)).toContain('conflict');
    const late = await api('/api/rules/check', { body: nightlyFor(OWN, { name: '午夜场', kind: 'festival', when: { start: { at: '22:40' }, end: { at: '23:30' } } }), as: 'xinghe-staff' });
    expect(late.body!.warnings.map((w: { code: string }) => w.code)).toContain('hidden-by-curfew');
    const invalid = await api('/api/rules/check', { body: { ...nightlyFor(OWN), kind: 'party' }, as: 'xinghe-staff' });
    expect(invalid.body!.errors.map((e: { path: string }) => e.path)).toContain('/kind');
    expect((await api('/api/rules')).body!.rules.length).toBe(before);
  });
});

describe('plan, overrides and curfew', () => {
  it('answers the plan with the winning rule of each entry and why the others lost', async () => {
    const low = await api('/api/rules', { body: nightlyFor(OWN, { name: '默认暖白', kind: 'default', play: { scene: { name: 'warm-white' } } }), as: 'xinghe-staff' });
    expect(low.status).toBe(201);
    const from = WEDNESDAY_8PM;
    const { status, body } = await api(`/api/compounds/${OWN}/plan?from=${from}&to=${from + 3 * 3_600_000}`, { as: 'xinghe-staff' });
    expect(status).toBe(200);
    const at8 = body!.entries.find((e: { start: number; end: number }) => e.start <= from && from < e.end);
    expect(at8).toMatchObject({ power: 'on', reason: 'rule' });
    expect(at8.lost).toEqual(expect.arrayContaining([{ ruleId: low.body!.rule.id, why: 'priority' }]));
    expect(body!.limits.map((l: { kind: string }) => l.kind)).toEqual(expect.arrayContaining(['quiet', 'curfew']));
    expect(body!.rules.map((r: { id: string }) => r.id)).toContain(low.body!.rule.id);
    expect((await api(`/api/compounds/${OTHER}/plan`, { as: 'xinghe-staff' })).status).toBe(403);
  });

  it('dims an over-budget night evenly and refuses a brighter manual command, naming the budget', async () => {
    const compound = 'yangguang-lijing';
    const budget = await api('/api/rules', { body: { name: '节能预算', kind: 'budget', target: { compounds: [compound] }, when: {}, kwhPerNight: 0.5 }, as: 'nanhu-officer' });
    expect(budget.status).toBe(201);
    expect(budget.body!.warnings.map((w: { code: string }) => w.code)).toContain('over-budget');
    const plan = (await api(`/api/compounds/${compound}/plan?from=${WEDNESDAY_8PM}&to=${WEDNESDAY_8PM + 60_000}`)).body!;
    const now = plan.entries[0];
    expect(now).toMatchObject({ reason: 'budget', power: 'on' });
    expect(now.brightness).toBeLessThan(255);
    const refused = await api(`/api/compounds/${compound}/commands`, { body: { brightness: 255 } });
    expect(refused.status).toBe(409);
    expect(refused.body!.code).toBe('CAIDENG_ERR_BUDGET');
    expect(refused.body!.message).toContain('节能预算');
    expect((await api(`/api/compounds/${compound}/commands`, { body: { brightness: Math.max(0, now.brightness - 1) } })).status).toBe(202);
  });

  it('says what every group of the caller\'s compounds should show now, with the budget (GET /api/schedule/now)', async () => {
    const mine = await api('/api/schedule/now', { as: 'xinghe-staff' });
    expect(mine.status).toBe(200);
    expect(mine.body!.compounds.map((c: { compound: string }) => c.compound).sort()).toEqual(['xinghe-chuntian', 'xinghe-jiayuan']);
    const all = (await api('/api/schedule/now', { as: 'committee' })).body!;
    expect(all.compounds).toHaveLength(22);
    const lijing = all.compounds.find((c: { compound: string }) => c.compound === 'yangguang-lijing');
    expect(lijing.budgetKwh).toBe(0.5);
    expect(lijing.intents[0]).toMatchObject({ reason: 'budget', power: 'on' });
    const own = mine.body!.compounds.find((c: { compound: string }) => c.compound === OWN);
    expect(own.budgetKwh).toBeNull();
    expect(own.intents.length).toBeGreaterThan(0);
    expect(own.intents[0]).toMatchObject({ power: 'on', ruleId: expect.any(String) });
  });

  it('plays an override on a group, then returns to the schedule when it expires (the clock moves, the deadline fires)', async () => {
    g01 = await connectDevice(ctl, `${OWN}/group/g01`);
    await subscribe(g01, setTopic);
    actLikeGroup(g01);
    const scheduled = nextMessage<GroupCommand>(g01, setTopic, (c) => c.power === 'on');
    await publish(g01, topic(me, 'availability'), { v: 1, state: 'online', ts: Date.now() }, { retain: true });
    const first = await scheduled;
    // 20:00 on a Wednesday: the staff's nightly rule (priority 200 after the demo's, carp) is the winner.
    expect(first.scene).toBeDefined();
    const scheduledScene = first.scene!.name;
    await ctl.scheduler.settled();

    const overrideCmd = nextMessage<GroupCommand>(g01, setTopic, (c) => c.scene?.name === 'ox-lantern');
    const made = await api(`/api/compounds/${OWN}/override`, { body: { scene: { name: 'ox-lantern' }, minutes: 1 }, as: 'xinghe-staff' });
    expect(made.status).toBe(201);
    expect(made.body!.override).toMatchObject({ compound: OWN, by: 'xinghe-staff', remainingMs: 60_000 });
    const cmd = await overrideCmd;
    expect(cmd.startAt).toBeGreaterThanOrEqual(clock.now());
    expect((await api(`/api/compounds/${OWN}/overrides`, { as: 'xinghe-staff' })).body!.overrides).toHaveLength(1);

    const ended = new Promise<{ ended?: string }>((resolve) => ctl.bus.on('override.changed', {}, (e) => (e.override === null ? resolve(e) : undefined)));
    const fired = new Promise<{ key: string }>((resolve) => ctl.bus.on('deadline.fired', {}, (e) => (e.kind === 'override.expire' ? resolve(e) : undefined)));
    const back = nextMessage<GroupCommand>(g01, setTopic, (c) => c.scene?.name === scheduledScene);
    clock.advance(61_000);
    expect((await ended).ended).toBe(made.body!.override.id);
    await back;
    expect((await api(`/api/compounds/${OWN}/overrides`, { as: 'xinghe-staff' })).body!.overrides).toEqual([]);
    expect((await fired).key).toBe(`override/${made.body!.override.id}`);
    expect(await ctl.deadlines.get(`override/${made.body!.override.id}`)).toMatchObject({ status: 'fired' });
  });

  it('refuses a brightness above the quiet-hours cap on a weekday evening', async () => {
    const dimmed = nextMessage<GroupCommand>(g01, setTopic, (c) => c.brightness === 102);
    clock.set(Date.parse('2026-12-02T21:45:00+08:00'));
    await dimmed; // the schedule itself keeps to the cap
    const bright = await api(`/api/compounds/${OWN}/commands`, { body: { brightness: 200 }, as: 'xinghe-staff' });
    expect(bright.status).toBe(409);
    expect(bright.body!.code).toBe('CAIDENG_ERR_QUIET_HOURS');
    expect(bright.body!.message).toContain('工作日静夜');
    expect((await api(`/api/compounds/${OWN}/commands`, { body: { brightness: 100 }, as: 'xinghe-staff' })).status).toBe(202);
  });

  it('refuses a manual command during the curfew, naming the rule; an officer breaks it with an audited override', async () => {
    const off = nextMessage<GroupCommand>(g01, setTopic, (c) => c.power === 'off');
    clock.set(Date.parse('2026-12-02T22:45:00+08:00'));
    await off; // the curfew holds: the group is switched off
    const refused = await api(`/api/compounds/${OWN}/commands`, { body: { power: 'on', scene: { name: 'carp' } }, as: 'xinghe-staff' });
    expect(refused.status).toBe(409);
    expect(refused.body!.code).toBe('CAIDENG_ERR_CURFEW');
    expect(refused.body!.message).toContain('县宵禁');
    const quietly = await api(`/api/compounds/${OWN}/commands`, { body: { power: 'off' }, as: 'xinghe-staff' });
    expect(quietly.status).toBe(202);

    expect((await api(`/api/compounds/${OWN}/override`, { body: { scene: { name: 'carp' }, minutes: 10, breakCurfew: true }, as: 'xinghe-staff' })).status).toBe(403);
    expect((await api(`/api/compounds/${OWN}/override`, { body: { scene: { name: 'carp' }, minutes: 10 }, as: 'xinghe-staff' })).body!.code).toBe('CAIDENG_ERR_CURFEW');
    const lit = nextMessage<GroupCommand>(g01, setTopic, (c) => c.scene?.name === 'lotus');
    const broken = await api(`/api/compounds/${OWN}/override`, { body: { scene: { name: 'lotus' }, minutes: 10, breakCurfew: true }, as: 'nanhu-officer' });
    expect(broken.status).toBe(201);
    expect(broken.body!.override).toMatchObject({ breaksCurfew: true, by: 'nanhu-officer' });
    await lit;
    const audit = await ctl.db.selectFrom('audit').selectAll().where('action', '=', 'override.curfew').execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: 'nanhu-officer', compound: OWN, outcome: 'ok' });
    const ended = await api(`/api/compounds/${OWN}/overrides/${broken.body!.override.id}`, { method: 'DELETE', as: 'nanhu-officer' });
    expect(ended.status).toBe(204);
  });
});

describe('calendars and the clock', () => {
  it("serves the compound's shows as iCalendar with Chinese scene names, without a login", async () => {
    const res = await fetch(`${ctl.httpUrl}/api/compounds/${OWN}/calendar.ics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/calendar');
    const text = await res.text();
    // Unfold (RFC 5545 §3.1) and read the events.
    const lines = text.replace(/\r\n[ \t]/g, '').split('\r\n');
    expect(lines[0]).toBe('BEGIN:VCALENDAR');
    const events = lines.filter((l) => l === 'BEGIN:VEVENT').length;
    expect(events).toBeGreaterThan(30);
    expect(lines.filter((l) => l === 'END:VEVENT').length).toBe(events);
    expect(lines.filter((l) => l.startsWith('DTSTART')).length).toBe(events);
    const summaries = lines.filter((l) => l.startsWith('SUMMARY:'));
    // The nightly shows (the demo's playlist, or the staff's carp rule of the same priority) by their Chinese titles.
    expect(summaries.some((s) => ['鲤鱼灯', '红金喜庆', '满天星', '流星雨'].some((title) => s.includes(title)))).toBe(true);
  });

  it('lists Mid-Autumn 2026 on 2026-09-25, publicly', async () => {
    const res = await fetch(`${ctl.httpUrl}/api/calendar?year=2026`);
    const body = (await res.json()) as { year: number; entries: Array<{ date: string; id: string; name: { zh: string } }> };
    expect(body.year).toBe(2026);
    expect(body.entries).toEqual(expect.arrayContaining([expect.objectContaining({ date: '2026-09-25', id: 'zhongqiu', name: expect.objectContaining({ zh: '中秋节' }) })]));
  });

  it('tells the dashboard that the clock is shifted', async () => {
    const body = (await (await fetch(`${ctl.httpUrl}/api/clock`)).json()) as { now: number; shifted: boolean; speed: number };
    expect(body.shifted).toBe(true);
    expect(body.speed).toBe(1);
    expect(Math.abs(body.now - clock.now())).toBeLessThan(5000);
  });
});
