/**
 * Availability: online on connect, offline by last-will when a device dies, and offline (published
 * by the controller) when a device without a will disconnects.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topic, type Availability } from '@caideng/protocol';
import { connectDevice, endClient, nextMessage, publish, startTestController, subscribe, waitForDevice, type TestController } from './helpers.js';

let ctl: TestController;
beforeAll(async () => {
  ctl = await startTestController();
});
afterAll(async () => {
  await ctl.dispose();
});

const g01 = { compound: 'alpha', role: 'group' as const, device: 'g01' };

describe('availability', () => {
  it('marks a killed device offline through its last-will', async () => {
    const availability = topic(g01, 'availability');
    const group = await connectDevice(ctl, 'alpha/group/g01', {
      will: { topic: availability, payload: Buffer.from(JSON.stringify({ v: 1, state: 'offline', ts: Date.now() })), qos: 1, retain: true },
    });
    await publish(group, availability, { v: 1, state: 'online', ts: Date.now() }, { retain: true });
    await waitForDevice(ctl, 'alpha/group/g01', (s) => s.online);

    const monitor = await connectDevice(ctl, 'alpha/monitor/ops');
    await subscribe(monitor, availability);
    const offline = nextMessage<Availability>(monitor, availability, (a) => a.state === 'offline');
    // Kill the socket without DISCONNECT: the broker must publish the will.
    group.stream.destroy();
    await expect(offline).resolves.toMatchObject({ state: 'offline' });
    const status = await waitForDevice(ctl, 'alpha/group/g01', (s) => !s.online);
    expect(status.online).toBe(false);
    await endClient(group, true);
    await endClient(monitor);
  });

  it('publishes a retained offline for a device that left without a will', async () => {
    const availability = topic({ compound: 'alpha', role: 'kiosk', device: 'k1' }, 'availability');
    const kiosk = await connectDevice(ctl, 'alpha/kiosk/k1');
    await publish(kiosk, availability, { v: 1, state: 'online', ts: Date.now() }, { retain: true });
    await waitForDevice(ctl, 'alpha/kiosk/k1', (s) => s.online);
    kiosk.stream.destroy();
    await waitForDevice(ctl, 'alpha/kiosk/k1', (s) => !s.online);
    const monitor = await connectDevice(ctl, 'alpha/monitor/ops');
    const retained = nextMessage<Availability>(monitor, availability);
    await subscribe(monitor, availability);
    expect((await retained).state).toBe('offline');
    await endClient(monitor);
    await endClient(kiosk, true);
  });

  it('a session takeover does not mark the device offline', async () => {
    const availability = topic({ compound: 'alpha', role: 'group', device: 'g02' }, 'availability');
    const first = await connectDevice(ctl, 'alpha/group/g02');
    await publish(first, availability, { v: 1, state: 'online', ts: Date.now() }, { retain: true });
    await waitForDevice(ctl, 'alpha/group/g02', (s) => s.online);
    const second = await connectDevice(ctl, 'alpha/group/g02');
    await publish(second, availability, { v: 1, state: 'online', ts: Date.now() }, { retain: true });
    // The first connection is closed by the takeover; the device stays online through the second.
    await new Promise<void>((resolve) => (first.connected ? first.once('close', () => resolve()) : resolve()));
    expect(ctl.broker.isConnected('alpha/group/g02')).toBe(true);
    expect(ctl.state.get('alpha/group/g02')?.online).toBe(true);
    await endClient(first, true);
    await endClient(second, true);
  });
});
