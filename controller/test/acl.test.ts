/**
 * The ACL matrix over real sockets: each role × own/other compound × publish/subscribe.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { CHANNELS, compoundAddress, topic, type CompoundNotice, type CompoundPlan, type DeviceError } from '@caideng/protocol';
import { connect, connectDevice, endClient, nextMessage, publish, startTestController, subscribe, type TestController } from './helpers.js';

let ctl: TestController;
const clients: MqttClient[] = [];

beforeAll(async () => {
  ctl = await startTestController();
});
afterAll(async () => {
  await Promise.all(clients.map((c) => endClient(c, true)));
  await ctl.dispose();
});

async function device(username: string): Promise<MqttClient> {
  const c = await connectDevice(ctl, username);
  clients.push(c);
  return c;
}

const now = () => Date.now();
const telemetry = () => ({ v: 1, ts: now(), watts: 12, faults: [], uptimeS: 1 });
const press = (seq: number) => ({ v: 1, button: 'satisfied', ts: now(), seq });

describe('authentication', () => {
  it('refuses a wrong password, an unknown user and a client id bound to another device', async () => {
    await expect(connect(ctl.mqttUrl, { username: 'alpha/group/g01', password: 'wrong', clientId: 'alpha/group/g01' })).rejects.toThrow(/Bad username or password/i);
    await expect(connect(ctl.mqttUrl, { username: 'alpha/group/zz', password: 'x', clientId: 'alpha/group/zz' })).rejects.toThrow(/Bad username or password/i);
    await expect(connectDevice(ctl, 'alpha/group/g01', { clientId: 'alpha/group/g02' })).rejects.toThrow(/Not authorized/i);
    expect(ctl.broker.counters.authFailures).toBeGreaterThanOrEqual(3);
  });

  it('accepts a device with its own credentials over TCP and over WebSocket', async () => {
    const tcp = await device('alpha/group/g01');
    expect(tcp.connected).toBe(true);
    const ws = await connectDevice(ctl, 'beta/group/g02', {}, ctl.wsUrl);
    clients.push(ws);
    expect(ws.connected).toBe(true);
  });
});

describe('subscribe matrix', () => {
  const cases: Array<[string, string, boolean]> = [
    // [username, filter, granted]
    ['alpha/group/g01', topic({ compound: 'alpha', role: 'group', device: 'g01' }, 'set'), true],
    ['alpha/group/g01', 'caideng/v1/alpha/group/g01/#', true],
    ['alpha/group/g01', topic({ compound: 'alpha', role: 'group', device: 'g02' }, 'set'), false],
    ['alpha/group/g01', 'caideng/v1/alpha/#', false],
    ['alpha/group/g01', topic({ compound: 'beta', role: 'group', device: 'g01' }, 'set'), false],
    ['alpha/kiosk/k1', topic({ compound: 'alpha', role: 'kiosk', device: 'k1' }, 'receipt'), true],
    ['alpha/kiosk/k1', topic({ compound: 'alpha', role: 'group', device: 'g01' }, 'set'), false],
    ['alpha/kiosk/k1', topic({ compound: 'beta', role: 'kiosk', device: 'k1' }, 'receipt'), false],
    ['alpha/bridge/b1', 'caideng/v1/alpha/group/+/set', true],
    ['alpha/bridge/b1', 'caideng/v1/beta/group/+/set', false],
    ['alpha/bridge/b1', 'caideng/v1/+/group/+/set', false],
    ['alpha/monitor/ops', 'caideng/v1/alpha/#', true],
    ['alpha/monitor/ops', 'caideng/v1/beta/#', false],
    ['alpha/monitor/ops', '#', false],
    ['alpha/monitor/ops', '$SYS/#', false],
    // The compound-level address: every device and monitor of the compound, nobody else.
    ['alpha/group/g01', 'caideng/v1/alpha/compound/-/#', true],
    ['alpha/group/g01', 'caideng/v1/alpha/compound/-/plan', true],
    ['alpha/kiosk/k1', 'caideng/v1/alpha/compound/-/#', true],
    ['alpha/bridge/b1', 'caideng/v1/alpha/compound/-/notice', true],
    ['alpha/monitor/ops', 'caideng/v1/alpha/compound/-/#', true],
    ['alpha/group/g01', 'caideng/v1/beta/compound/-/#', false],
    ['alpha/monitor/ops', 'caideng/v1/beta/compound/-/plan', false],
    ['alpha/kiosk/k1', 'caideng/v1/alpha/compound/+/#', false],
    ['alpha/group/g01', 'caideng/v1/alpha/+/-/plan', false],
    ['alpha/group/g01', 'caideng/v1/alpha/compound/-/plan/x', false],
  ];
  it.each(cases)('%s subscribing to %s → granted=%s', async (username, filter, granted) => {
    const c = await device(username);
    const qos = await subscribe(c, filter);
    expect(qos === 128 ? false : true).toBe(granted);
    await endClient(c);
  });
});

describe('publish matrix', () => {
  // A monitor of each compound observes what gets through; the publisher's error topic says why not.
  let watchAlpha: MqttClient;
  let watchBeta: MqttClient;
  beforeAll(async () => {
    watchAlpha = await device('alpha/monitor/ops');
    watchBeta = await device('beta/monitor/ops');
    await subscribe(watchAlpha, 'caideng/v1/alpha/#');
    await subscribe(watchBeta, 'caideng/v1/beta/#');
  });

  const cases: Array<[string, string, object, boolean]> = [
    ['alpha/group/g01', 'caideng/v1/alpha/group/g01/telemetry', telemetry(), true],
    ['alpha/group/g01', 'caideng/v1/alpha/group/g02/telemetry', telemetry(), false],
    ['alpha/group/g01', 'caideng/v1/beta/group/g01/telemetry', telemetry(), false],
    ['alpha/group/g01', 'caideng/v1/alpha/kiosk/k1/event', press(1), false],
    ['alpha/group/g01', 'caideng/v1/alpha/group/g02/set', { v: 1, tx: 't1', ts: now(), power: 'on' }, false],
    ['alpha/kiosk/k1', 'caideng/v1/alpha/kiosk/k1/event', press(7), true],
    ['alpha/kiosk/k1', 'caideng/v1/alpha/group/g01/set', { v: 1, tx: 't2', ts: now(), power: 'off' }, false],
    ['alpha/kiosk/k1', 'caideng/v1/alpha/group/g01/telemetry', telemetry(), false],
    ['alpha/kiosk/k1', 'caideng/v1/beta/kiosk/k1/event', press(8), false],
    ['alpha/bridge/b1', 'caideng/v1/alpha/group/g03/telemetry', telemetry(), true],
    ['alpha/bridge/b1', 'caideng/v1/alpha/kiosk/k1/event', press(9), true],
    ['alpha/bridge/b1', 'caideng/v1/beta/group/g01/telemetry', telemetry(), false],
    ['alpha/bridge/b1', 'caideng/v1/alpha/group/g99/telemetry', telemetry(), false],
    ['alpha/monitor/ops', 'caideng/v1/alpha/group/g01/telemetry', telemetry(), false],
    ['alpha/monitor/ops', 'caideng/v1/beta/group/g01/telemetry', telemetry(), false],
    // Only the controller publishes on the compound-level address.
    ['alpha/group/g01', 'caideng/v1/alpha/compound/-/notice', { v: 1, ts: now(), code: 'x' }, false],
    ['alpha/kiosk/k1', 'caideng/v1/alpha/compound/-/notice', { v: 1, ts: now(), code: 'x' }, false],
    ['alpha/bridge/b1', 'caideng/v1/alpha/compound/-/plan', { v: 1, ts: now(), revision: 1, validUntil: now(), items: [] }, false],
    ['alpha/bridge/b1', 'caideng/v1/beta/compound/-/notice', { v: 1, ts: now(), code: 'x' }, false],
  ];

  it.each(cases.map(([u, t, p, d]) => [u, t, d, p] as const))('%s publishing to %s → delivered=%s', async (username, target, delivered, payload) => {
    const c = await device(username);
    const [compound, role, dev] = username.split('/') as [string, 'group', string];
    const own = { compound, role, device: dev };
    await subscribe(c, topic(own, 'error'));
    const watcher = target.split('/')[2] === 'beta' ? watchBeta : watchAlpha;
    const body = JSON.stringify(payload);
    if (delivered) {
      const seen = nextMessage(watcher, target);
      await publish(c, target, body);
      await expect(seen).resolves.toBeTruthy();
    } else {
      const before = ctl.rejections.total;
      const error = nextMessage<DeviceError>(c, topic(own, 'error'), (e) => e.topic === target);
      await publish(c, target, body);
      const e = await error;
      expect(['CAIDENG_MQTT_FORBIDDEN', 'CAIDENG_MQTT_UNKNOWN_DEVICE']).toContain(e.code);
      expect(e.reason.length).toBeGreaterThan(10);
      expect(ctl.rejections.total).toBeGreaterThan(before);
      expect(c.connected).toBe(true);
    }
    await endClient(c);
  });
});

describe('compound-level address', () => {
  const plan = (revision: number): CompoundPlan => ({ v: 1, ts: now(), revision, validUntil: now() + 86_400_000, items: [{ startAt: now(), power: 'on', brightness: 180 }] });
  const planTopic = topic(compoundAddress('alpha'), 'plan');
  const noticeTopic = topic(compoundAddress('alpha'), 'notice');

  it("delivers the controller's plan (retained, QoS 1) and notice (not retained) to the compound's devices", async () => {
    const group = await device('alpha/group/g02');
    const packets: Array<{ topic: string; qos: number; retain: boolean; body: { revision?: number; code?: string } }> = [];
    group.on('message', (t, payload, packet) => packets.push({ topic: t, qos: packet.qos, retain: packet.retain, body: JSON.parse(payload.toString()) }));
    await subscribe(group, 'caideng/v1/alpha/compound/-/#');
    const gotPlan = nextMessage<CompoundPlan>(group, planTopic, (p) => p.revision === 7);
    await ctl.broker.publishToCompound('alpha', 'plan', plan(7));
    await gotPlan;
    const gotNotice = nextMessage<CompoundNotice>(group, noticeTopic);
    await ctl.broker.publishToCompound('alpha', 'notice', { v: 1, ts: now(), code: 'maintenance', text: '供电检修' });
    await gotNotice;
    expect(packets.filter((p) => p.topic === planTopic && p.body.revision === 7)).toEqual([{ topic: planTopic, qos: 1, retain: false, body: expect.objectContaining({ revision: 7 }) }]);
    expect(packets.filter((p) => p.topic === noticeTopic)).toEqual([{ topic: noticeTopic, qos: 1, retain: false, body: expect.objectContaining({ code: 'maintenance' }) }]);

    // A kiosk subscribing later gets the retained plan, and not the notice.
    const kiosk = await device('alpha/kiosk/k1');
    const late: string[] = [];
    kiosk.on('message', (t, _p, packet) => late.push(`${t.split('/').pop()}${packet.retain ? ' (retained)' : ''}`));
    const retained = nextMessage<CompoundPlan>(kiosk, planTopic, (p) => p.revision === 7);
    await subscribe(kiosk, 'caideng/v1/alpha/compound/-/#');
    await retained;
    expect(late).toEqual(['plan (retained)']);
    // Another compound's devices see none of it.
    const other = await device('beta/group/g01');
    expect(await subscribe(other, 'caideng/v1/alpha/compound/-/#')).toBe(128);
    await Promise.all([endClient(group), endClient(kiosk), endClient(other)]);
  });

  it('publishes each channel with the QoS the CHANNELS table declares', async () => {
    const group = await device('alpha/group/g03');
    await subscribe(group, noticeTopic, 1);
    const qos: number[] = [];
    group.on('message', (t, _p, packet) => t === noticeTopic && qos.push(packet.qos));
    const spec = CHANNELS.notice as { qos: 0 | 1 };
    for (const declared of [0, 1] as const) {
      const original = spec.qos;
      spec.qos = declared; // the table is the one place that says; the broker must follow it
      try {
        const got = nextMessage<CompoundNotice>(group, noticeTopic, (n) => n.code === `q${declared}`);
        await ctl.broker.publishToCompound('alpha', 'notice', { v: 1, ts: now(), code: `q${declared}` });
        await got;
      } finally {
        spec.qos = original;
      }
    }
    expect(qos).toEqual([0, 1]);
    await endClient(group);
  });
});
