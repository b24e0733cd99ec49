/**
 * Kiosk presses are stored exactly once, keyed by (compound, kiosk, seq), and answered with a receipt,
 * also when a bridge re-sends them after an outage.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { topic, type KioskReceipt } from '@caideng/protocol';
import { connectDevice, endClient, nextMessage, publish, startTestController, subscribe, type TestController } from './helpers.js';

let ctl: TestController;
let kiosk: MqttClient;
const k1 = { compound: 'alpha', role: 'kiosk' as const, device: 'k1' };

beforeAll(async () => {
  ctl = await startTestController();
  kiosk = await connectDevice(ctl, 'alpha/kiosk/k1');
  await subscribe(kiosk, topic(k1, 'receipt'));
});
afterAll(async () => {
  await endClient(kiosk, true);
  await ctl.dispose();
});

describe('kiosk presses', () => {
  it('stores a press once and answers duplicates as such', async () => {
    const press = { v: 1, button: 'too_bright', ts: Date.now(), seq: 41 };
    const first = nextMessage<KioskReceipt>(kiosk, topic(k1, 'receipt'), (r) => r.seq === 41);
    await publish(kiosk, topic(k1, 'event'), press);
    expect((await first).status).toBe('stored');
    const second = nextMessage<KioskReceipt>(kiosk, topic(k1, 'receipt'), (r) => r.seq === 41);
    await publish(kiosk, topic(k1, 'event'), press);
    expect((await second).status).toBe('duplicate');
    expect(await ctl.presses.count('alpha')).toBe(1);
  });

  it('accepts the same press re-sent by the compound bridge without storing it twice', async () => {
    const bridge = await connectDevice(ctl, 'alpha/bridge/b1');
    await subscribe(bridge, 'caideng/v1/alpha/kiosk/+/receipt');
    const press = { v: 1, button: 'help', ts: Date.now(), seq: 42 };
    const r1 = nextMessage<KioskReceipt>(bridge, topic(k1, 'receipt'), (r) => r.seq === 42);
    await publish(kiosk, topic(k1, 'event'), press);
    expect((await r1).status).toBe('stored');
    const r2 = nextMessage<KioskReceipt>(bridge, topic(k1, 'receipt'), (r) => r.seq === 42);
    await publish(bridge, topic(k1, 'event'), press);
    expect((await r2).status).toBe('duplicate');
    expect(await ctl.presses.count('alpha')).toBe(2);
    await endClient(bridge);
  });
});
