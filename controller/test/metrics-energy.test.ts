/**
 * Energy from watts: a simulated night of the 2026 Spring Festival eve (known watts for known durations,
 * one group that drops out for hours without a word) matches the kWh and cost computed by hand within
 * 1 %, before and after the hourly roll-ups are computed; the festival season is found from the lunar
 * calendar; burn hours and faulty groups come from the same readings.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceAddress } from '@caideng/protocol';
import { apiFetch, startTestController, type TestController } from './helpers.js';
import { EnergyIntegrator, festivalSeason, nightOf, pricePerKWh } from '../src/features/metrics/energy.js';

const H = 3_600_000;
/** 18:00 on 16 February 2026 in China (UTC+8): the evening of Spring Festival eve (除夕). */
const EVENING = Date.UTC(2026, 1, 16, 18 - 8);
const STEP = 30_000;
const tariff = {
  currency: 'CNY',
  perKWh: 0.6,
  periods: [
    { name: 'peak', fromHour: 18, toHour: 22, perKWh: 1.0 },
    { name: 'valley', fromHour: 23, toHour: 7, perKWh: 0.3 },
  ],
};

let ctl: TestController;

/** Readings every 30 s of `watts(t)` over [from, to], as the broker would put them on the bus. */
function report(compound: string, group: string, from: number, to: number, watts: (t: number) => number, faults: (t: number) => string[] = () => []): void {
  const address: DeviceAddress = { compound, role: 'group', device: group };
  for (let t = from; t <= to; t += STEP) {
    ctl.bus.emit('group.telemetry', { address, telemetry: { v: 1, ts: t, watts: watts(t), faults: faults(t) as never, uptimeS: 1 }, receivedAt: t }, );
  }
}

beforeAll(async () => {
  ctl = await startTestController({ metrics: { tariff, rawRetentionDays: 3650 } });
  // g01: 180 W from 18:00 to 23:00, then off (0 W reported) until 06:00.
  report('alpha', 'g01', EVENING, EVENING + 12 * H, (t) => (t < EVENING + 5 * H ? 180 : 0));
  // g02: 60 W all night, 18:00 to 06:00; reports a lamp fault after midnight.
  report('alpha', 'g02', EVENING, EVENING + 12 * H, (t) => (t < EVENING + 12 * H ? 60 : 0), (t) => (t >= EVENING + 6 * H ? ['lamp_failure'] : []));
  // g03: 100 W from 18:00; silent from 20:00 (its uplink dropped, no offline) until 02:00; 100 W again until 06:00.
  report('alpha', 'g03', EVENING, EVENING + 2 * H, () => 100);
  report('alpha', 'g03', EVENING + 8 * H, EVENING + 12 * H, (t) => (t < EVENING + 12 * H ? 100 : 0));
  // beta/g01: 50 W, goes offline at 21:00 (its last reading was 50 W) and comes back at 22:00.
  report('beta', 'g01', EVENING, EVENING + 3 * H, () => 50);
  ctl.bus.emit('availability.changed', { compound: 'beta', kind: 'group', id: 'g01', online: false, at: EVENING + 3 * H + 1 });
  ctl.bus.emit('availability.changed', { compound: 'beta', kind: 'group', id: 'g01', online: true, at: EVENING + 4 * H - 1 });
  report('beta', 'g01', EVENING + 4 * H, EVENING + 5 * H, (t) => (t < EVENING + 5 * H ? 50 : 0));
  await ctl.metrics.idle();
});
afterAll(async () => {
  await ctl?.dispose();
});

// By hand: g01 180 W × 5 h, g02 60 W × 12 h, g03 100 W × (2 h + 4 h); the 6 h of silence count nothing.
const ALPHA_KWH = 0.18 * 5 + 0.06 * 12 + 0.1 * 6;
// g01: 4 peak hours + 22:00 at the base price; g02: 4 peak, 1 base, 7 valley; g03: 2 peak, 4 valley.
const ALPHA_COST = 0.18 * 4 * 1.0 + 0.18 * 0.6 + (0.06 * 4 * 1.0 + 0.06 * 0.6 + 0.06 * 7 * 0.3) + (0.1 * 2 * 1.0 + 0.1 * 4 * 0.3);

async function energy(query: string) {
  const res = await apiFetch(ctl, `/api/energy?${query}`);
  expect(res.status).toBe(200);
  return (await res.json()) as { kWh: number; cost: number; currency: string; byNight: Array<{ night: string; kWh: number; cost: number }> };
}

describe('energy of a simulated night', () => {
  it('matches the known watts × durations within 1 %, with a group that dropped out', async () => {
    const e = await energy(`compound=alpha&from=${EVENING - H}&to=${EVENING + 13 * H}`);
    expect(Math.abs(e.kWh - ALPHA_KWH) / ALPHA_KWH).toBeLessThan(0.01);
    expect(Math.abs(e.cost - ALPHA_COST) / ALPHA_COST).toBeLessThan(0.01);
    expect(e.currency).toBe('CNY');
    expect(e.byNight).toHaveLength(1);
    expect(e.byNight[0]!.night).toBe('2026-02-16');
    // A group that never came back would have been counted at 100 W for 6 h more: 0.6 kWh, far outside 1 %.
    expect(e.kWh).toBeLessThan(ALPHA_KWH + 0.02);
  });

  it('stops counting at an offline, and agrees after the hourly roll-ups are computed', async () => {
    const beta = await energy(`compound=beta&from=${EVENING - H}&to=${EVENING + 13 * H}`);
    expect(Math.abs(beta.kWh - 0.05 * 4) / 0.2).toBeLessThan(0.01);
    await ctl.metrics.store.rollup(EVENING - H, EVENING + 13 * H);
    const alpha = await energy(`compound=alpha&from=${EVENING - H}&to=${EVENING + 13 * H}`);
    expect(Math.abs(alpha.kWh - ALPHA_KWH) / ALPHA_KWH).toBeLessThan(0.01);
    const county = await energy(`from=${EVENING - H}&to=${EVENING + 13 * H}`);
    expect(Math.abs(county.kWh - (ALPHA_KWH + 0.2)) / (ALPHA_KWH + 0.2)).toBeLessThan(0.01);
  });

  it('finds the 2026 festival season from the lunar calendar and reports it per night', async () => {
    const season = festivalSeason(2026);
    // 除夕 16 February 2026 at noon to noon after 元宵 (3 March 2026), China time.
    expect(new Date(season.from).toISOString()).toBe('2026-02-16T04:00:00.000Z');
    expect(new Date(season.to).toISOString()).toBe('2026-03-04T04:00:00.000Z');
    const e = await energy('compound=alpha&season=2026');
    expect(Math.abs(e.kWh - ALPHA_KWH) / ALPHA_KWH).toBeLessThan(0.01);
    expect(e.byNight.map((n) => n.night)).toEqual(['2026-02-16']);
  });

  it('draws the night as power per hour, burn hours per group and the faulty groups', async () => {
    const res = await apiFetch(ctl, `/api/history?series=power&compound=alpha&from=${EVENING}&to=${EVENING + 12 * H}&level=hour`);
    const power = (await res.json()) as { level: string; unit: string; points: Array<[number, number]> };
    expect(power.level).toBe('hour');
    expect(power.unit).toBe('W');
    expect(power.points[0]).toEqual([EVENING, 340]);
    expect(power.points.find(([t]) => t === EVENING + 3 * H)?.[1]).toBe(240); // g03 is silent
    const burn = (await (await apiFetch(ctl, `/api/history/burn-hours?compound=alpha&from=${EVENING}&to=${EVENING + 12 * H}`)).json()) as {
      groups: Array<{ group: string; value: number }>;
    };
    expect(burn.groups.map((g) => [g.group, Math.round(g.value * 10) / 10])).toEqual([
      ['g02', 12],
      ['g03', 6],
      ['g01', 5],
    ]);
    const faulty = (await (await apiFetch(ctl, `/api/history/faulty-groups?from=${EVENING}&to=${EVENING + 13 * H}`)).json()) as {
      groups: Array<{ compound: string; group: string; value: number }>;
    };
    expect(faulty.groups).toEqual([{ compound: 'alpha', group: 'g02', value: 6 * 120 + 1 }]);
    const csv = await (await apiFetch(ctl, `/api/history?series=energy&compound=alpha&from=${EVENING}&to=${EVENING + 2 * H}&level=hour&format=csv`)).text();
    expect(csv.split('\n')[0]).toBe('ts,time,value');
    // The 18:00 hour holds 119 of its 120 intervals: each interval is counted with the reading that closes it.
    expect(csv.split('\n')[1]).toBe(`${EVENING},2026-02-16T10:00:00.000Z,${Math.round(340 * (119 / 120) * 10) / 10_000}`);
  });
});

describe('scoped like every other read', () => {
  it("gives a staff user of alpha alpha's energy county-wide, and refuses beta's", async () => {
    const created = await apiFetch(ctl, '/api/users', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'alpha-staff', role: 'staff', scopes: ['alpha'], password: 'alpha-password-1' }),
    });
    expect(created.status).toBe(201);
    const login = await fetch(`${ctl.httpUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'alpha-staff', password: 'alpha-password-1' }),
    });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const asStaff = (path: string) => fetch(`${ctl.httpUrl}${path}`, { headers: { cookie } });
    const range = `from=${EVENING - H}&to=${EVENING + 13 * H}`;
    const county = (await (await asStaff(`/api/energy?${range}`)).json()) as { kWh: number };
    expect(Math.abs(county.kWh - ALPHA_KWH) / ALPHA_KWH).toBeLessThan(0.01);
    expect((await asStaff(`/api/energy?compound=beta&${range}`)).status).toBe(403);
    const burn = (await (await asStaff(`/api/history/burn-hours?${range}`)).json()) as { groups: Array<{ compound: string }> };
    expect(new Set(burn.groups.map((g) => g.compound))).toEqual(new Set(['alpha']));
    expect((await asStaff(`/api/history?series=power&compound=beta&${range}`)).status).toBe(403);
  });
});

describe('the integrator and the tariff', () => {
  it('holds a reading until the next, never across a gap, and ignores repeats', () => {
    const e = new EnergyIntegrator(60_000);
    expect(e.reading('a', 0, 100)).toEqual({ wh: 0, burnS: 0 });
    expect(e.reading('a', 36_000, 50).wh).toBeCloseTo(1, 9);
    expect(e.reading('a', 36_000, 50)).toEqual({ wh: 0, burnS: 0 });
    expect(e.reading('a', 200_000, 50)).toEqual({ wh: 0, burnS: 0 });
    e.forget('a');
    expect(e.reading('a', 210_000, 50)).toEqual({ wh: 0, burnS: 0 });
  });

  it('prices by local hour, periods that cross midnight included, and names nights noon to noon', () => {
    expect(pricePerKWh(tariff, 18)).toEqual({ perKWh: 1.0, period: 'peak' });
    expect(pricePerKWh(tariff, 2)).toEqual({ perKWh: 0.3, period: 'valley' });
    expect(pricePerKWh(tariff, 22)).toEqual({ perKWh: 0.6, period: null });
    expect(nightOf(Date.UTC(2026, 1, 17, 2 - 8), 'Asia/Shanghai')).toBe('2026-02-16');
    expect(nightOf(Date.UTC(2026, 1, 17, 13 - 8), 'Asia/Shanghai')).toBe('2026-02-17');
  });
});
