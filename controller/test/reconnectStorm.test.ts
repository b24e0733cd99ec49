/**
 * A restart is a reconnect storm. 2,400 simulated lantern groups of a generated city (120 compounds × 20)
 * are connected; the controller stops and starts again on the same MQTT port. Meanwhile every device keeps
 * trying with jittered exponential backoff (its attempts fail while the controller is down, each delay
 * longer than the last); the new controller admits their CONNECTs at a bounded rate, the rest queued.
 * Every device comes back, and the controller sees every one online: none lost.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startCounty, type County } from '@caideng/simulators';
import { cityRegistry } from '../src/registry/city.js';
import { provisioningPath } from '../src/credentials/provisioning.js';
import { startTestController, tempDir, type TestController } from './helpers.js';

const COMPOUNDS = 120;
const GROUPS = 20;
const DEVICES = COMPOUNDS * GROUPS;
const dir = tempDir('caideng-storm-');
const registryFile = join(dir, 'city.json');
writeFileSync(registryFile, JSON.stringify(cityRegistry({ compounds: COMPOUNDS, groupsPerCompound: GROUPS, kiosksPerCompound: 0 })));

/** Resolves once `check` holds, polling every 50 ms (the fleet has no single event for "all back"). */
async function until(check: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`not within ${timeoutMs} ms: ${what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function onlineCount(ctl: TestController): number {
  return ctl.state.list().filter((s) => s.online).length;
}

describe('reconnect storm', () => {
  let ctl: TestController | null = null;
  let county: County | null = null;
  afterAll(async () => {
    await county?.stop();
    await ctl?.dispose();
  });

  it(`brings all ${DEVICES} devices back after a restart, with backoff, none lost`, { timeout: 120_000 }, async () => {
    // After the restart, a rate well under what the storm asks for, so the admission queue is exercised.
    const admission = { connectRatePerS: 150, connectBurst: 20, connectQueueMax: 20_000 };
    ctl = await startTestController({ registryFile }, join(dir, 'data'));
    const port = ctl.broker.tcpPort;
    county = await startCounty({
      credentials: provisioningPath(ctl.dataDir),
      url: ctl.mqttUrl,
      telemetryIntervalMs: 0,
      connectConcurrency: 200,
      reconnectPeriodMs: 250,
      reconnectMaxMs: 4000,
      keepaliveS: 60,
    });
    const fleet = county;
    expect(fleet.counters().connected).toBe(DEVICES);
    await until(() => onlineCount(ctl!) === DEVICES, 20_000, () => `${onlineCount(ctl!)} online`);

    // Every reconnect delay scheduled, by device and attempt.
    const delays = new Map<string, Array<[number, number]>>();
    for (const g of fleet.groups) g.on('reconnecting', (attempt, ms) => delays.get(g.username)?.push([attempt, ms]) ?? delays.set(g.username, [[attempt, ms]]));

    await ctl.stop();
    // Down long enough for the devices' first attempts to fail and their delays to grow.
    const downSince = Date.now();
    await until(() => fleet.groups.every((g) => (delays.get(g.username)?.length ?? 0) >= 3), 30_000, () => `${delays.size} devices retrying`);
    const downMs = Date.now() - downSince;

    const restartedAt = Date.now();
    const second = await startTestController({ registryFile, mqtt: { ...admission, port } }, join(dir, 'data'));
    ctl = second;
    await until(
      () => fleet.counters().connected === DEVICES && onlineCount(second) === DEVICES,
      60_000,
      () => `${fleet.counters().connected} connected, ${onlineCount(second)} online`,
    );
    const backMs = Date.now() - restartedAt;

    // None lost: every registered device is online on the new controller, with one session each.
    expect(second.broker.connectedClients).toBe(DEVICES);
    expect(onlineCount(second)).toBe(DEVICES);
    // The storm was admitted at the bounded rate: some CONNECTs waited their turn, none was refused.
    expect(second.broker.admission.counters.queued).toBeGreaterThan(0);
    expect(second.broker.admission.counters.refused).toBe(0);
    expect(backMs).toBeGreaterThanOrEqual(((DEVICES - admission.connectBurst) / admission.connectRatePerS) * 1000 * 0.8);
    // Backoff: each device's delays grow attempt by attempt (doubling, drawn from the upper half), capped.
    for (const [username, list] of delays) {
      for (const [attempt, ms] of list) {
        const ceiling = Math.min(4000, 250 * 2 ** (attempt - 1));
        expect(ms, `${username} attempt ${attempt}`).toBeGreaterThanOrEqual(ceiling / 2);
        expect(ms, `${username} attempt ${attempt}`).toBeLessThanOrEqual(ceiling);
      }
      expect(list.slice(0, 3).map(([a]) => a)).toEqual([1, 2, 3]);
    }
    // Jitter: the third attempts (500–1000 ms) spread over that range, not all at one moment.
    const third = [...delays.values()].map((l) => l[2]![1]);
    expect(new Set(third).size).toBeGreaterThan(250);
    expect(Math.max(...third) - Math.min(...third)).toBeGreaterThan(400);
    expect(downMs).toBeLessThan(30_000);
  });
});
