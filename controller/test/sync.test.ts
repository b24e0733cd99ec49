/**
 * Synchronized starts with the simulator: the demo county's 22 compounds (263 lantern groups, each its own MQTT
 * connection, each keeping its clock with time.sync) get one show at the same startAt; every group starts it and
 * reports when, and GET /api/sync gives the skew per group and per show, within the caller's scope. The skew
 * figure itself is the benchmark's (npm run bench:sync); here the bound is only a safety net.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCounty, type County } from '@caideng/simulators';
import type { DeviceStatus, SyncReport } from '@caideng/protocol';
import { provisioningPath } from '../src/credentials/provisioning.js';
import { rank } from '../src/features/sync/syncMonitor.js';
import { DEMO_COUNTY, apiFetch, startTestController, type TestController } from './helpers.js';

let ctl: TestController;
let county: County;

beforeAll(async () => {
  ctl = await startTestController({ registryFile: DEMO_COUNTY, auth: { demoUsers: true } });
  county = await startCounty({ credentials: provisioningPath(ctl.dataDir), url: ctl.mqttUrl, kiosksPerCompound: 0, telemetryIntervalMs: 0, connectConcurrency: 100 });
  // Every group has measured its offset to the controller at least once.
  await Promise.all(county.groups.map((g) => (g.counters.timeSyncs > 0 ? undefined : new Promise<void>((resolve) => g.once('clockSync', () => resolve())))));
}, 60_000);

afterAll(async () => {
  await county?.stop();
  await ctl?.dispose();
});

describe('synchronized starts', () => {
  it('starts one show on every group of 22 compounds at startAt, and reports the skew per group and per show', { timeout: 60_000 }, async () => {
    const compounds = ctl.registry.county.compounds;
    const groups = compounds.reduce((n, c) => n + c.groups.length, 0);
    expect([compounds.length, groups, county.groups.length]).toEqual([22, 263, 263]);

    // Every group's live status has its skew once the last start is reported.
    const skewed = new Set<string>();
    const allReported = new Promise<void>((resolve) => {
      ctl.bus.on('state.changed', skewed, ({ status }) => {
        if (status.kind === 'group' && status.skewMs !== undefined) skewed.add(`${status.compound}/${status.id}`);
        if (skewed.size === groups) resolve();
      });
    });
    const started = Promise.all(county.groups.map((g) => new Promise<number>((resolve) => g.once('started', (s) => resolve(s.startedAt!)))));

    // On the next whole second at least a second ahead: one command per compound, all with the same startAt.
    const startAt = Math.ceil((Date.now() + 1500) / 1000) * 1000;
    const sent = await Promise.all(
      compounds.map(async (c) => {
        const res = await apiFetch(ctl, `/api/compounds/${c.id}/commands`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ power: 'on', brightness: 200, scene: { name: 'lotus' }, startAt }),
        });
        expect(res.status).toBe(202);
        return ((await res.json()) as { id: string }).id;
      }),
    );
    const startedAt = await started;
    expect(startedAt.every((t) => t >= startAt)).toBe(true);
    await allReported;
    ctl.bus.removeOwner(skewed);

    const report = (await (await apiFetch(ctl, '/api/sync')).json()) as SyncReport;
    expect(report.groups).toHaveLength(263);
    for (const g of report.groups) {
      expect(g.startAt).toBe(startAt);
      expect(g.skewMs).toBe(g.startedAt - startAt);
      expect(Math.abs(g.skewMs)).toBeLessThan(1000);
    }
    expect(report.shows.map((s) => s.commandId).sort()).toEqual([...sent].sort());
    for (const show of report.shows) {
      const size = compounds.find((c) => c.id === show.compound)!.groups.length;
      expect(show).toMatchObject({ startAt, groups: size, reported: size, missing: 0 });
      expect(show.p50!).toBeLessThanOrEqual(show.p99!);
      expect(show.p99!).toBeLessThanOrEqual(show.max!);
    }

    // The tiles' figure: the same skew on each group's live status.
    const state = (await (await apiFetch(ctl, '/api/state?compound=xinghe-jiayuan')).json()) as { devices: DeviceStatus[] };
    const mine = report.groups.filter((g) => g.compound === 'xinghe-jiayuan');
    expect(state.devices.filter((d) => d.kind === 'group').map((d) => [d.id, d.skewMs])).toEqual(mine.map((g) => [g.group, g.skewMs]));

    // Narrowed by ?compound= and by the caller's scope (星河家园's staff see their two compounds).
    const one = (await (await apiFetch(ctl, '/api/sync?compound=xinghe-jiayuan')).json()) as SyncReport;
    expect(new Set(one.groups.map((g) => g.compound))).toEqual(new Set(['xinghe-jiayuan']));
    expect(one.shows).toHaveLength(1);
    const staff = (await ctl.accounts.createToken('xinghe-staff', 'sync')).token;
    const scoped = (await (await apiFetch(ctl, '/api/sync', { headers: { authorization: `Bearer ${staff}` } })).json()) as SyncReport;
    expect(new Set(scoped.shows.map((s) => s.compound))).toEqual(new Set(['xinghe-jiayuan', 'xinghe-chuntian']));
    const other = await apiFetch(ctl, '/api/sync?compound=qingxin-yuan', { headers: { authorization: `Bearer ${staff}` } });
    expect(other.status).toBe(403);
    const unknown = await apiFetch(ctl, '/api/sync?compound=nowhere');
    expect(((await unknown.json()) as { code: string }).code).toBe('CAIDENG_ERR_COMPOUND_NOT_FOUND');
  });

  it('leaves out starts of commands without a startAt', async () => {
    const before = ctl.sync.counters.untimed;
    const g = county.groups.find((x) => x.address.compound === 'xinghe-jiayuan')!;
    const untimed = new Promise<void>((resolve) => {
      const check = () => (ctl.sync.counters.untimed > before ? resolve() : setImmediate(check));
      g.once('started', () => setImmediate(check));
    });
    const res = await apiFetch(ctl, `/api/compounds/xinghe-jiayuan/groups/${g.address.device}/commands?wait=5000`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ scene: { name: 'carp' } }),
    });
    expect(res.status).toBe(200);
    await untimed;
    const report = (await (await apiFetch(ctl, '/api/sync?compound=xinghe-jiayuan')).json()) as SyncReport;
    expect(report.shows).toHaveLength(1);
  });

  it('takes percentiles by nearest rank', () => {
    expect(rank([], 0.5)).toBeNull();
    expect(rank([1, 2, 3, 4], 0.5)).toBe(2);
    expect(rank([1, 2, 3, 4], 0.99)).toBe(4);
    expect(rank(Array.from({ length: 100 }, (_, i) => i + 1), 0.95)).toBe(95);
  });
});
