/**
 * The `feedback-night` scenario against a real controller (the demo county's 22 compounds, 44 kiosks over
 * MQTT): one evening on a fast clock with a stuck button and a broken lantern. Afterwards the API shows an
 * index for every compound, exactly one kiosk-health alert (the stuck kiosk's misuse), one ticket linked to
 * the faulty group, and every press the scenario sent stored exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readProvisioning } from '@caideng/controller';
import { runFeedbackNight, type FeedbackNight } from '@caideng/simulators';
import { apiFetch, DEMO_COUNTY, startTestController, type TestController } from './helpers.js';

const KIOSK_HEALTH = new Set(['kiosk_misuse', 'kiosk_silent', 'kiosk_offline']);

let ctl: TestController;
let night: FeedbackNight;

async function api<T>(path: string): Promise<T> {
  const res = await apiFetch(ctl, path);
  expect(res.status, `${path}: ${await res.clone().text()}`).toBe(200);
  return (await res.json()) as T;
}

beforeAll(async () => {
  ctl = await startTestController({ registryFile: DEMO_COUNTY });
  const devices = readProvisioning(ctl.dataDir)!.devices.filter((d) => d.role === 'kiosk' || d.role === 'group');
  night = await runFeedbackNight({ credentials: { version: 1, mqtt: { url: ctl.mqttUrl }, devices }, url: ctl.mqttUrl, speed: 2400 });
}, 90_000);

afterAll(async () => {
  await night?.stop();
  await ctl?.dispose();
});

describe('feedback-night', () => {
  it('sent every press once and had each confirmed', () => {
    const r = night.report;
    expect(r.compounds).toBe(22);
    expect(r.kiosks).toBe(44);
    expect(r.unconfirmed).toBe(0);
    expect(r.duplicates).toBe(0);
    expect(r.stored).toBe(r.sent);
    expect(r.presses.filter((p) => p.why === 'stuck').length).toBe(15);
  });

  it('stored the presses sent, none twice', async () => {
    const r = night.report;
    const { presses } = await api<{ presses: Array<{ id: string; compound: string; kiosk: string; boot?: string; seq: number; misuse: boolean }> }>(
      // The evening's clock ran ahead of the wall clock: its presses carry device times up to four hours on.
      `/api/presses?limit=2000&from=${r.start - 86_400_000}&to=${r.end + 86_400_000}`,
    );
    const boots = new Set(r.presses.map((p) => p.boot));
    const ours = presses.filter((p) => p.boot !== undefined && boots.has(p.boot));
    expect(ours.length).toBe(r.sent);
    const keys = ours.map((p) => `${p.compound}/${p.kiosk}/${p.boot}/${p.seq}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(new Set(keys)).toEqual(new Set(r.presses.map((p) => `${p.compound}/${p.kiosk}/${p.boot}/${p.seq}`)));
    // The stuck kiosk's burst is kept, flagged.
    const [compound, , kiosk] = r.stuckKiosk.split('/');
    expect(ours.filter((p) => p.compound === compound && p.kiosk === kiosk && p.misuse).length).toBeGreaterThan(0);
  });

  it('shows an index for every compound', async () => {
    const r = night.report;
    const answer = await api<{ compounds: Array<{ compound: string; total: { index: number | null; count: number } }> }>(
      `/api/feedback/index?by=night&from=${r.start - 86_400_000}&to=${r.end + 86_400_000}`,
    );
    expect(answer.compounds.length).toBe(22);
    for (const c of answer.compounds) {
      expect(c.total.index, c.compound).not.toBeNull();
      expect(c.total.index!).toBeGreaterThanOrEqual(0);
      expect(c.total.index!).toBeLessThanOrEqual(100);
    }
  });

  it('raised exactly one kiosk-health alert, for the stuck kiosk', async () => {
    const r = night.report;
    const { alerts } = await api<{ alerts: Array<{ kind: string; compound: string; kiosk?: string }> }>('/api/alerts?state=all');
    const health = alerts.filter((a) => KIOSK_HEALTH.has(a.kind));
    expect(health.map((a) => a.kind)).toEqual(['kiosk_misuse']);
    expect(health[0]!.compound).toBe(r.stuckKiosk.split('/')[0]);
  });

  it('opened one ticket linked to the faulty group', async () => {
    const r = night.report;
    const [compound, , group] = r.brokenGroup.split('/');
    const { tickets } = await api<{ tickets: Array<{ code: string; compound: string; group?: string; kind: string; count: number }> }>('/api/tickets');
    const linked = tickets.filter((t) => t.compound === compound && t.group === group);
    expect(linked.length).toBe(1);
    expect(linked[0]!.kind).toBe('broken_lantern');
    expect(linked[0]!.count).toBe(r.presses.filter((p) => p.why === 'broken').length);
  });
});
