/**
 * A restart keeps the registry, the credentials (the same secrets keep working, none are re-issued)
 * and the stored history.
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { topic, type KioskReceipt } from '@caideng/protocol';
import { connectDevice, endClient, nextMessage, publish, startTestController, subscribe, tempDir, waitForDevice, apiFetch } from './helpers.js';
import { provisioningPath } from '../src/credentials/provisioning.js';

const dataDir = tempDir();

describe('restart', () => {
  afterAll(async () => {
    const { rmSync } = await import('node:fs');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps registry, credentials and stored presses', async () => {
    const first = await startTestController({}, dataDir);
    const password = first.password('alpha/kiosk/k1');
    const provisioning = readFileSync(provisioningPath(dataDir), 'utf8');
    const registryBefore = await (await apiFetch(first, `/api/county`)).json();
    const kiosk = await connectDevice(first, 'alpha/kiosk/k1');
    const k1 = { compound: 'alpha', role: 'kiosk' as const, device: 'k1' };
    await subscribe(kiosk, topic(k1, 'receipt'));
    const receipt = nextMessage<KioskReceipt>(kiosk, topic(k1, 'receipt'));
    // Re-sent unchanged after the restart: only an identical press is a duplicate.
    const press = { v: 1, button: 'satisfied', ts: Date.now(), seq: 1 };
    await publish(kiosk, topic(k1, 'event'), press);
    expect((await receipt).status).toBe('stored');
    // A group's last state is persisted and shown (offline) after the restart.
    const g01 = { compound: 'alpha', role: 'group' as const, device: 'g01' };
    const group = await connectDevice(first, 'alpha/group/g01');
    const lastState = { v: 1 as const, ts: Date.now(), power: 'on' as const, brightness: 77, scene: { name: 'lotus' } };
    await publish(group, topic(g01, 'state'), lastState, { retain: true });
    await waitForDevice(first, 'alpha/group/g01', (s) => s.state?.brightness === 77);
    await endClient(group);
    await endClient(kiosk);
    await first.stop();

    const second = await startTestController({}, dataDir);
    try {
      expect(second.password('alpha/kiosk/k1')).toBe(password);
      expect(readFileSync(provisioningPath(dataDir), 'utf8').replace(/"url": "[^"]*"|"wsUrl": "[^"]*"/g, '')).toBe(
        provisioning.replace(/"url": "[^"]*"|"wsUrl": "[^"]*"/g, ''),
      );
      expect(await (await apiFetch(second, `/api/county`)).json()).toEqual(registryBefore);
      const again = await connectDevice(second, 'alpha/kiosk/k1');
      expect(again.connected).toBe(true);
      await subscribe(again, topic(k1, 'receipt'));
      const dup = nextMessage<KioskReceipt>(again, topic(k1, 'receipt'));
      await publish(again, topic(k1, 'event'), press);
      expect((await dup).status).toBe('duplicate');
      expect(await second.presses.count()).toBe(1);
      await endClient(again);
      const state = (await (await apiFetch(second, `/api/state?compound=alpha`)).json()) as { devices: Array<{ id: string; kind: string; online: boolean; state?: unknown }> };
      const g = state.devices.find((d) => d.kind === 'group' && d.id === 'g01')!;
      expect(g.online).toBe(false);
      expect(g.state).toEqual(lastState);
    } finally {
      await second.stop();
    }
  });
});
