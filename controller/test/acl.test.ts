/**
 * The ACL matrix over real sockets: each role × own/other compound × publish/subscribe.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { topic, type DeviceError } from '@caideng/protocol';
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
