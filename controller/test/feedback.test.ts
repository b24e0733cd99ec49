/**
 * Residents' presses end to end, on one controller with the demo county: kiosks press over real MQTT,
 * people read and act over real HTTP. Repeats, misuse, the index below its minimum, the alert that fires at
 * the fourth press naming the scene that was playing, an unmapped button, scope, the public ticket page's
 * data and the kiosk's retained status.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { MqttClient } from 'mqtt';
import { topic, type AlertView, type ClaimAnswer, type TicketHistoryEntry, type IndexAnswer, type KioskStatus, type PressView, type PublicTicket, type TicketView } from '@caideng/protocol';
import { io } from 'socket.io-client';
import { connect, connectDevice, nextMessage, publish, subscribe, tempDir, waitForDevice, type TestController } from './helpers.js';
import { endOfNight } from '../src/features/feedback/actuator.js';
import { TestKiosk, api, fakeClock, registryWithButtons, settle, startFeedbackController, tokensOf } from './feedback-helpers.js';

const clock = fakeClock(Date.now());
let ctl: TestController;
let tokens: Record<string, string>;
const groups: MqttClient[] = [];
const kiosks: TestKiosk[] = [];
const S = 1000;

async function kiosk(compound: string, id: string): Promise<TestKiosk> {
  const k = await TestKiosk.connect(ctl, compound, id);
  kiosks.push(k);
  return k;
}

/** A lantern group playing a scene (its retained state), as the controller sees it. */
async function playing(compound: string, group: string, scene: string, brightness: number): Promise<void> {
  const c = await connectDevice(ctl, `${compound}/group/${group}`);
  groups.push(c);
  await publish(c, topic({ compound, role: 'group', device: group }, 'availability'), { v: 1, state: 'online', ts: Date.now() }, { retain: true });
  await publish(c, topic({ compound, role: 'group', device: group }, 'state'), { v: 1, ts: Date.now(), power: 'on', brightness, scene: { name: scene } }, { retain: true });
  await waitForDevice(ctl, `${compound}/group/${group}`, (s) => s.online && s.state?.scene?.name === scene);
}

beforeAll(async () => {
  const dataDir = tempDir();
  const registry = registryWithButtons(dataDir, { 'qingxin-yuan/k2': ['satisfied', 'unsatisfied'] });
  ctl = await startFeedbackController(clock, dataDir, registry);
  tokens = await tokensOf(ctl, { staff: 'xinghe-staff', officer: 'nanhu-officer', admin: 'admin' });
  await playing('xinghe-jiayuan', 'g01', 'carp', 200);
  await playing('xinghe-chuntian', 'g01', 'lotus', 180);
});

afterAll(async () => {
  await Promise.all(kiosks.map((k) => k.close()));
  await Promise.all(groups.map((g) => new Promise<void>((r) => g.end(true, {}, () => r()))));
  await ctl.dispose();
});

const presses = async (compound: string, token = tokens.admin!) => (await api<{ presses: PressView[] }>(ctl, token, `/api/presses?compound=${compound}`)).body.presses;
const alertsOf = async (compound: string) => (await api<{ alerts: AlertView[] }>(ctl, tokens.admin!, `/api/alerts?compound=${compound}`)).body.alerts;

describe('presses', () => {
  it('marks a repeat of the same button within 5 s, and joins each press to what was lit', async () => {
    const k = await kiosk('xinghe-jiayuan', 'k2');
    const t0 = Date.now() - 20 * S;
    await k.press(ctl, 'satisfied', t0);
    await k.press(ctl, 'satisfied', t0 + 2 * S);
    await k.press(ctl, 'satisfied', t0 + 8 * S);
    const list = (await presses('xinghe-jiayuan')).filter((p) => p.kiosk === 'k2').reverse();
    expect(list.map((p) => [p.deviceTs - t0, p.repeat, p.misuse])).toEqual([
      [0, false, false],
      [2 * S, true, false],
      [8 * S, false, false],
    ]);
    const g01 = list[0]!.lit.groups.find((g) => g.group === 'g01');
    expect(g01).toMatchObject({ online: true, power: 'on', brightness: 200, scene: 'carp', faults: [] });
    expect(list[0]!.lit.groups.find((g) => g.group === 'g02')).toMatchObject({ online: false, power: null });
  });

  it('refuses a button the kiosk does not have, readably, and stores nothing', async () => {
    const k = await kiosk('qingxin-yuan', 'k2');
    const error = await k.refused('help', clock.t);
    expect(error.code).toBe('CAIDENG_MQTT_BUTTON_NOT_MAPPED');
    expect(error.reason).toBe("button 'help' is not in the button map of kiosk 'k2' (it has: satisfied, unsatisfied)");
    const receipt = await k.press(ctl, 'unsatisfied', clock.t);
    expect(receipt.status).toBe('stored');
    expect((await presses('qingxin-yuan')).map((p) => p.button)).toEqual(['unsatisfied']);
  });

  it('flags a kiosk pressed abnormally fast as misuse: kept, one kiosk-health alert, out of the index and the alert rules', async () => {
    const k = await kiosk('nanhu-yidu', 'k1');
    const t0 = clock.t - 120 * S;
    for (let i = 0; i < 14; i++) await k.press(ctl, 'unsatisfied', t0 + i * S);
    const list = await presses('nanhu-yidu');
    expect(list).toHaveLength(14);
    expect(list.every((p) => p.misuse)).toBe(true);
    const alerts = await alertsOf('nanhu-yidu');
    expect(alerts.map((a) => [a.kind, a.kiosk])).toEqual([['kiosk_misuse', 'k1']]);
    const index = (await api<IndexAnswer>(ctl, tokens.admin!, `/api/feedback/index?compound=nanhu-yidu&from=${t0 - S}&to=${t0 + 60 * S}`)).body;
    expect(index.compounds[0]!.total).toMatchObject({ index: null, reason: 'not-enough-presses', count: 0, misuse: 14 });
  });

  it('shows no index below the minimum count, and a score from the fifth opinion', async () => {
    const k = await kiosk('yangguang-lijing', 'k1');
    const t0 = clock.t - 3_600 * S;
    const q = `/api/feedback/index?compound=yangguang-lijing&from=${t0 - 3_600 * S}&to=${t0 + 3_600 * S}&by=hour`;
    for (const [i, b] of (['satisfied', 'satisfied', 'too_bright', 'broken_lantern'] as const).entries()) await k.press(ctl, b, t0 + i * 10 * S);
    let total = (await api<IndexAnswer>(ctl, tokens.admin!, q)).body.compounds[0]!.total;
    expect(total).toMatchObject({ index: null, reason: 'not-enough-presses', count: 3 });
    expect(total.counts).toMatchObject({ satisfied: 2, too_bright: 1, broken_lantern: 1 });
    await k.press(ctl, 'unsatisfied', t0 + 50 * S);
    await k.press(ctl, 'satisfied', t0 + 60 * S);
    const answer = (await api<IndexAnswer>(ctl, tokens.admin!, q)).body.compounds[0]!;
    // (1 + 1 + 0.25 + 0 + 1) / 5 opinions
    expect(answer.total).toMatchObject({ index: 65, count: 5 });
    expect(answer.total.reason).toBeUndefined();
    expect(answer.buckets.filter((b) => b.count > 0).map((b) => b.index)).toEqual([65]);
  });
});

describe('alerts', () => {
  it('fires exactly at the fourth press with half or more not satisfied, naming the scene, and records the action taken', async () => {
    const k = await kiosk('xinghe-chuntian', 'k1');
    // Live presses (device time close to the controller's): joined to what is lit now.
    const t0 = Date.now() - 20 * S;
    await k.press(ctl, 'unsatisfied', t0);
    await k.press(ctl, 'unsatisfied', t0 + 6 * S);
    await k.press(ctl, 'satisfied', t0 + 12 * S);
    expect((await alertsOf('xinghe-chuntian')).filter((a) => a.kind === 'unsatisfied')).toEqual([]);
    await k.press(ctl, 'unsatisfied', t0 + 18 * S);
    const [alert, ...more] = (await alertsOf('xinghe-chuntian')).filter((a) => a.kind === 'unsatisfied');
    expect(more).toEqual([]);
    expect(alert).toMatchObject({ state: 'open', presses: 4, scene: 'lotus', brightness: 180, groups: ['g01'] });
    expect(alert!.message.en).toContain('lotus');

    const acted = await api<{ alert: AlertView }>(ctl, tokens.staff!, `/api/alerts/${alert!.id}/actions`, { action: 'dim', level: 80 });
    expect(acted.status).toBe(200);
    expect(acted.body.alert.state).toBe('acted');
    expect(acted.body.alert.actions).toMatchObject([{ action: 'dim', by: 'xinghe-staff', result: expect.stringContaining('brightness 80') }]);
    // The action is a scheduler override by the person who pressed it, lasting until 06:00 the next morning.
    const overrideId = /override ([A-Za-z0-9_-]+)/.exec(acted.body.alert.actions[0]!.result!)![1]!;
    const overrides = await api<{ overrides: Array<{ id: string; by: string; brightness?: number; until: number }> }>(ctl, tokens.staff!, '/api/compounds/xinghe-chuntian/overrides');
    const override = overrides.body.overrides.find((o) => o.id === overrideId);
    expect(override).toMatchObject({ by: 'xinghe-staff', brightness: 80 });
    // Overrides last whole minutes: it ends within the minute after 06:00.
    const morning = endOfNight(ctl.clock.now(), 'Asia/Shanghai');
    expect(override!.until).toBeGreaterThanOrEqual(morning);
    expect(override!.until).toBeLessThan(morning + 60_000);
    // The Nanhu officer reads the compound but does not operate its lanterns.
    expect((await api(ctl, tokens.officer!, `/api/alerts/${alert!.id}/actions`, { action: 'quiet' })).status).toBe(403);
  });
});

describe('scope, tickets and what residents see', () => {
  it('keeps another compound from the 星河家园 staff user, and shows the public page no names or notes', async () => {
    const other = await kiosk('qingxin-yuan', 'k1');
    await other.press(ctl, 'help', clock.t - 10 * S);
    const own = await kiosk('xinghe-jiayuan', 'k1');
    await subscribe(own.client, topic(own.address, 'status'));
    await own.press(ctl, 'help', clock.t - 5 * S);

    expect((await api(ctl, tokens.staff!, '/api/presses?compound=qingxin-yuan')).status).toBe(403);
    const seen = (await api<{ presses: PressView[] }>(ctl, tokens.staff!, '/api/presses')).body.presses;
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((p) => p.compound === 'xinghe-jiayuan' || p.compound === 'xinghe-chuntian')).toBe(true);
    const tickets = (await api<{ tickets: TicketView[] }>(ctl, tokens.staff!, '/api/tickets')).body.tickets;
    expect(tickets.map((t) => t.compound)).toEqual(['xinghe-jiayuan']);
    const foreign = (await api<{ tickets: TicketView[] }>(ctl, tokens.admin!, '/api/tickets?compound=qingxin-yuan')).body.tickets[0]!;
    expect((await api(ctl, tokens.staff!, `/api/tickets/${foreign.code}`)).status).toBe(403);
    expect((await api(ctl, tokens.staff!, `/api/tickets/${foreign.code}/actions`, { action: 'acknowledge' })).status).toBe(403);

    const mine = tickets[0]!;
    expect(mine).toMatchObject({ kind: 'help', kiosk: 'k1', state: 'open', level: 'compound', node: 'xinghe-jiayuan', count: 1 });
    expect((await presses('xinghe-jiayuan')).find((p) => p.button === 'help')?.ticket).toBe(mine.code);
    const status = nextMessage<KioskStatus>(own.client, topic(own.address, 'status'), (s) => s.tickets[0]?.state === 'acknowledged');
    const acked = await api<{ ticket: TicketView }>(ctl, tokens.staff!, `/api/tickets/${mine.code}/actions`, { action: 'acknowledge', note: '王师傅 13800000000 明早去修' });
    expect(acked.status).toBe(200);
    expect((await status).tickets[0]).toMatchObject({ code: mine.code, state: 'acknowledged', level: 'compound' });
    await api(ctl, tokens.staff!, `/api/tickets/${mine.code}/actions`, { action: 'comment', note: '住户电话 13900000000' });

    const res = await fetch(`${ctl.httpUrl}/api/public/tickets/${mine.code}`);
    expect(res.status).toBe(200);
    const text = await res.text();
    const page = JSON.parse(text) as PublicTicket;
    expect(page).toMatchObject({ code: mine.code, state: 'acknowledged', level: 'compound', kind: 'help' });
    expect(page.history.map((h) => h.action)).toEqual(['open', 'acknowledge']);
    for (const secret of ['xinghe-staff', '王师傅', '1380', '1390', 'note', '"by"', 'k1']) expect(text).not.toContain(secret);
    expect((await fetch(`${ctl.httpUrl}/api/public/tickets/XX-2222`)).status).toBe(404);
  });
});

describe('live and provisioning', () => {
  it("pushes presses and tickets over socket.io to the rooms of the viewer's compounds only", async () => {
    const socket = io(ctl.httpUrl, { path: '/socket.io', transports: ['websocket'], reconnection: false, auth: { token: tokens.staff } });
    try {
      await new Promise<void>((resolve, reject) => socket.emit('subscribe', '*', (r: { ok: boolean; error?: string }) => (r.ok ? resolve() : reject(new Error(r.error)))));
      const pressed = new Promise<PressView>((resolve) => socket.once('press', resolve));
      const ticketed = new Promise<TicketView>((resolve) => socket.once('ticket', resolve));
      const other = await kiosk('rongzhou-huayuan', 'k1');
      await other.press(ctl, 'help', Date.now());
      const own = await kiosk('xinghe-chuntian', 'k2');
      await own.press(ctl, 'help', Date.now());
      expect(await pressed).toMatchObject({ compound: 'xinghe-chuntian', kiosk: 'k2', button: 'help', repeat: false, misuse: false });
      expect((await pressed).lit.groups.find((g) => g.group === 'g01')).toMatchObject({ scene: 'lotus' });
      expect(await ticketed).toMatchObject({ compound: 'xinghe-chuntian', kiosk: 'k2', kind: 'help', state: 'open' });
    } finally {
      socket.close();
    }
  });

  it('provisions a kiosk page once from an admin link', async () => {
    const link = await api<{ url: string; expiresAt: number }>(ctl, tokens.admin!, '/api/devices/xinghe-jiayuan/kiosk/k2/page-link', {});
    expect(link.status).toBe(200);
    const [, path, code] = /^(\/kiosk\/xinghe-jiayuan\/k2)#k=([A-Za-z0-9_-]+)$/.exec(link.body.url) ?? [];
    expect(path).toBeDefined();
    expect((await api(ctl, tokens.staff!, '/api/devices/xinghe-jiayuan/kiosk/k2/page-link', {})).status).toBe(403);
    const claim = await api<ClaimAnswer>(ctl, null, '/api/kiosk-page/claim', { code });
    expect(claim.status).toBe(200);
    expect(claim.body).toMatchObject({ username: 'xinghe-jiayuan/kiosk/k2', compound: 'xinghe-jiayuan', kiosk: 'k2', wsUrl: ctl.wsUrl });
    expect(claim.body.buttons).toHaveLength(6);
    const page = await connect(ctl.mqttUrl, { username: claim.body.username, password: claim.body.password, clientId: `${claim.body.username}/page` });
    page.end(true);
    const again = await api<{ code: string }>(ctl, null, '/api/kiosk-page/claim', { code });
    expect([again.status, again.body.code]).toEqual([400, 'CAIDENG_ERR_PAGE_CODE']);
  });
});

describe('broken lanterns', () => {
  it('ties the ticket to the group reporting lamp_failure, alerts, and proposes resolution once it is healthy long enough', async () => {
    const address = { compound: 'donghu-xincheng', role: 'group', device: 'g03' } as const;
    const group = await connectDevice(ctl, 'donghu-xincheng/group/g03');
    groups.push(group);
    await publish(group, topic(address, 'availability'), { v: 1, state: 'online', ts: Date.now() }, { retain: true });
    await publish(group, topic(address, 'state'), { v: 1, ts: Date.now(), power: 'on', brightness: 150, scene: { name: 'carp' } }, { retain: true });
    const telemetry = async (faults: string[]) => {
      const stored = new Promise<void>((resolve) => {
        const owner = {};
        ctl.bus.on('telemetry.batch', owner, ({ rows }) => {
          if (!rows.some((r) => r.compound === address.compound && r.group === address.device)) return;
          ctl.bus.removeOwner(owner);
          resolve();
        });
      });
      await publish(group, topic(address, 'telemetry'), { v: 1, ts: Date.now(), watts: 40, faults, uptimeS: 100 }, { qos: 0 });
      await stored;
      await settle(ctl);
    };
    // A resident reports the lantern before the group reports its failure: a ticket of the kiosk, no group yet.
    const k = await kiosk('donghu-xincheng', 'k1');
    await k.press(ctl, 'broken_lantern', clock.t);
    await settle(ctl);
    const [early] = (await api<{ tickets: TicketView[] }>(ctl, tokens.admin!, '/api/tickets?compound=donghu-xincheng')).body.tickets;
    expect(early).toMatchObject({ kind: 'broken_lantern', kiosk: 'k1', count: 1 });
    expect(early!.group).toBeUndefined();
    await telemetry(['lamp_failure']);
    await waitForDevice(ctl, 'donghu-xincheng/group/g03', (s) => (s.faults ?? []).includes('lamp_failure'));
    // The next report, once the group reports lamp_failure, joins that ticket and ties it to the group.
    clock.t += 6000;
    await k.press(ctl, 'broken_lantern', clock.t);
    const [ticket, ...others] = (await api<{ tickets: TicketView[] }>(ctl, tokens.admin!, '/api/tickets?compound=donghu-xincheng')).body.tickets;
    expect(others).toEqual([]);
    expect(ticket).toMatchObject({ code: early!.code, count: 2, kind: 'broken_lantern', group: 'g03', confirmed: 'telemetry', proposal: null });
    const [alert] = (await alertsOf('donghu-xincheng')).filter((a) => a.kind === 'broken_with_fault');
    expect(alert).toMatchObject({ groups: ['g03'], scene: 'carp' });

    await telemetry([]);
    expect((await api<{ ticket: TicketView }>(ctl, tokens.admin!, `/api/tickets/${ticket!.code}`)).body.ticket.proposal).toBeNull();
    const proposed = new Promise<TicketHistoryEntry>((resolve) => {
      const owner = {};
      ctl.bus.on('ticket.changed', owner, ({ ticket: t, change }) => {
        if (t.code !== ticket!.code || change.action !== 'propose_resolve') return;
        ctl.bus.removeOwner(owner);
        resolve(change);
      });
    });
    clock.t += ctl.config.feedback.healthyForMinutes * 60_000;
    await telemetry([]);
    expect((await proposed).by).toBe('system');
    const after = (await api<{ ticket: TicketView }>(ctl, tokens.admin!, `/api/tickets/${ticket!.code}`)).body.ticket;
    expect(after).toMatchObject({ proposal: 'resolve', state: 'open' });
  });
});

describe('late presses', () => {
  it("joins a press sent late from a kiosk's queue to what was lit at its device time", async () => {
    const g01 = groups[0]!;
    await publish(g01, topic({ compound: 'xinghe-jiayuan', role: 'group', device: 'g01' }, 'state'), { v: 1, ts: Date.now(), power: 'on', brightness: 90, scene: { name: 'lotus' } }, { retain: true });
    await waitForDevice(ctl, 'xinghe-jiayuan/group/g01', (s) => s.state?.scene?.name === 'lotus');
    const k = await kiosk('xinghe-jiayuan', 'k2');
    await k.press(ctl, 'too_late', clock.t - 10 * 60 * S);
    await k.press(ctl, 'too_late', clock.t);
    const [live, late] = (await presses('xinghe-jiayuan')).filter((p) => p.button === 'too_late');
    expect(late!.lit.groups.find((g) => g.group === 'g01')).toMatchObject({ scene: 'carp', brightness: 200 });
    expect(live!.lit.groups.find((g) => g.group === 'g01')).toMatchObject({ scene: 'lotus', brightness: 90 });
  });
});

describe('kiosk health', () => {
  it('raises kiosk_offline for a kiosk that stays offline, on the durable deadlines', async () => {
    const k = await TestKiosk.connect(ctl, 'heping-xiaoqu', 'k1');
    await publish(k.client, topic(k.address, 'availability'), { v: 1, state: 'online', ts: Date.now() }, { retain: true });
    await waitForDevice(ctl, 'heping-xiaoqu/kiosk/k1', (s) => s.online);
    await k.close();
    await waitForDevice(ctl, 'heping-xiaoqu/kiosk/k1', (s) => !s.online);
    await vi.waitFor(async () => expect(await ctl.deadlines.get('kiosk-offline/heping-xiaoqu/k1')).toMatchObject({ status: 'pending' }));
    expect(await alertsOf('heping-xiaoqu')).toEqual([]);
    clock.t += ctl.config.feedback.kioskOfflineMinutes * 60_000;
    await ctl.deadlines.poll();
    expect((await alertsOf('heping-xiaoqu')).map((a) => [a.kind, a.kiosk, a.state])).toEqual([['kiosk_offline', 'k1', 'open']]);
  });

  it('raises kiosk_silent for a kiosk with no press for days, once per silence', async () => {
    clock.t += ctl.config.feedback.silentDays * 86_400_000;
    expect(await ctl.feedback.runSilentCheck()).toBe(true);
    const silent = async () => (await alertsOf('lianhua-xiaoqu')).filter((a) => a.kind === 'kiosk_silent').map((a) => a.kiosk).sort();
    expect(await silent()).toEqual(['k1', 'k2']);
    await ctl.feedback.runSilentCheck();
    expect(await silent()).toEqual(['k1', 'k2']);
  });
});
