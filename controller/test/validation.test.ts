/**
 * Bad input over a real socket: malformed JSON, wrong types, oversized, unknown topics, forbidden
 * retain. Each is rejected with a reason on the device's error topic and counted; the process stays
 * up; what was stored before (the retained state, the stored state) is not corrupted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { topic, type DeviceError, type GroupState } from '@caideng/protocol';
import { connectDevice, endClient, nextMessage, publish, startTestController, subscribe, waitForDevice, type TestController, apiFetch } from './helpers.js';

let ctl: TestController;
let group: MqttClient;
const me = { compound: 'alpha', role: 'group' as const, device: 'g01' };
const stateTopic = topic(me, 'state');
const goodState: GroupState = { v: 1, ts: 1_700_000_000_000, power: 'on', brightness: 200, scene: { name: 'carp' } };

beforeAll(async () => {
  ctl = await startTestController({ mqtt: { maxPayloadBytes: 1024, rejectionsBeforeDisconnect: 1000 } });
  group = await connectDevice(ctl, 'alpha/group/g01');
  await subscribe(group, topic(me, 'error'));
  await publish(group, stateTopic, goodState, { retain: true });
  await waitForDevice(ctl, 'alpha/group/g01', (s) => s.state?.brightness === 200);
});
afterAll(async () => {
  await endClient(group, true);
  await ctl.dispose();
});

async function rejected(target: string, payload: string | Buffer, retain = false): Promise<DeviceError> {
  const error = nextMessage<DeviceError>(group, topic(me, 'error'), (e) => e.topic === target);
  await publish(group, target, payload, { retain });
  return error;
}

describe('payload validation', () => {
  it('rejects malformed JSON with the parser position', async () => {
    const e = await rejected(stateTopic, '{"v":1,"power":');
    expect(e.code).toBe('CAIDENG_MQTT_BAD_JSON');
    expect(e.reason).toMatch(/not valid JSON/);
  });

  it('rejects wrong types naming the field', async () => {
    const e = await rejected(stateTopic, JSON.stringify({ ...goodState, brightness: 'bright' }), true);
    expect(e.code).toBe('CAIDENG_MQTT_BAD_PAYLOAD');
    expect(e.reason).toContain('/brightness');
  });

  it('rejects out-of-range values and unknown fields', async () => {
    const e = await rejected(stateTopic, JSON.stringify({ ...goodState, brightness: 999, colour: 'red' }), true);
    expect(e.code).toBe('CAIDENG_MQTT_BAD_PAYLOAD');
    expect(e.reason).toContain('/brightness');
    expect(e.reason).toMatch(/colour/);
  });

  it('rejects oversized payloads with the sizes', async () => {
    const big = JSON.stringify({ ...goodState, pad: 'x'.repeat(4000) });
    const e = await rejected(stateTopic, big, true);
    expect(e.code).toBe('CAIDENG_MQTT_TOO_LARGE');
    expect(e.reason).toContain('1024');
  });

  it('rejects topics outside the contract', async () => {
    for (const bad of ['caideng/v1/alpha/group/g01/colour', 'caideng/v2/alpha/group/g01/state', 'hello/world', 'caideng/v1/alpha/group/g01/state/extra']) {
      const e = await rejected(bad, JSON.stringify(goodState));
      expect(e.code).toBe('CAIDENG_MQTT_BAD_TOPIC');
    }
  });

  it('rejects retained messages on channels that are not retained', async () => {
    const e = await rejected(topic(me, 'telemetry'), JSON.stringify({ v: 1, ts: Date.now(), watts: 5, faults: [], uptimeS: 3 }), true);
    expect(e.code).toBe('CAIDENG_MQTT_RETAIN_NOT_ALLOWED');
  });

  it('keeps the process, the connection, the retained state and the stored state intact', async () => {
    expect(group.connected).toBe(true);
    const health = await apiFetch(ctl, `/api/health`);
    expect(health.status).toBe(200);
    // A fresh subscriber gets the last valid retained state, not any of the garbage above.
    const monitor = await connectDevice(ctl, 'alpha/monitor/ops');
    const retained = nextMessage<GroupState>(monitor, stateTopic);
    await subscribe(monitor, stateTopic);
    expect(await retained).toEqual(goodState);
    await endClient(monitor);
    expect(ctl.state.get('alpha/group/g01')?.state).toEqual(goodState);
    const rejections = (await (await apiFetch(ctl, `/api/rejections`)).json()) as { byCode: Record<string, number>; recent: unknown[] };
    expect(rejections.byCode.CAIDENG_MQTT_BAD_JSON).toBeGreaterThanOrEqual(1);
    expect(rejections.byCode.CAIDENG_MQTT_BAD_PAYLOAD).toBeGreaterThanOrEqual(2);
    expect(rejections.byCode.CAIDENG_MQTT_TOO_LARGE).toBeGreaterThanOrEqual(1);
    expect(rejections.byCode.CAIDENG_MQTT_BAD_TOPIC).toBeGreaterThanOrEqual(4);
    expect(rejections.recent.length).toBeGreaterThan(0);
  });

  it('disconnects a device that floods rejected messages', async () => {
    const strict = await startTestController({ mqtt: { rejectionsBeforeDisconnect: 5 } });
    try {
      const noisy = await connectDevice(strict, 'alpha/kiosk/k1');
      const closed = new Promise<void>((resolve) => noisy.once('close', () => resolve()));
      for (let i = 0; i < 10; i++) noisy.publish(topic({ compound: 'alpha', role: 'kiosk', device: 'k1' }, 'event'), 'garbage', { qos: 0 });
      await closed;
      expect(strict.broker.counters.rejected).toBeGreaterThanOrEqual(6);
      await endClient(noisy, true);
    } finally {
      await strict.dispose();
    }
  });
});
