/**
 * Offline autonomy with the real scheduler and the simulated county: the nightly programme changes scene at
 * 20:00 (carp until then, lotus after). The controller is stopped shortly before 20:00; every group makes the
 * change anyway, at 20:00, from the compound's retained plan. The controller comes back at 20:05 (its demo
 * clock set there) and sends nothing that contradicts what the groups show. The county runs on the same
 * shifted clock (the simulator's --at), as the demo does.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { shiftedClock, startCounty, type County, type LanternGroup } from '@caideng/simulators';
import { Clock } from '@caideng/controller';
import { provisioningPath } from '../src/credentials/provisioning.js';
import { apiFetch, startTestController, tempDir, waitForDevice, type TestController } from './helpers.js';

/** Tomorrow at hh:mm in Rong County. */
function tomorrowAt(hhmm: string): number {
  const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(Date.now() + 86_400_000);
  return Date.parse(`${day}T${hhmm}:00+08:00`);
}

const GROUPS = ['alpha/group/g01', 'alpha/group/g02', 'alpha/group/g03', 'beta/group/g01', 'beta/group/g02'];
/** Real seconds the setup may take before 20:00 on the demo clock. */
const LEAD_MS = 9000;

describe('groups on their own while the controller is gone', () => {
  const dir = tempDir('caideng-sync-offline-');
  let ctl: TestController | undefined;
  let county: County | undefined;
  afterAll(async () => {
    await county?.stop();
    await ctl?.dispose();
  });

  it('changes scene at 20:00 from the retained plan with no controller, and the controller back at 20:05 contradicts nothing', async () => {
    const eight = tomorrowAt('20:00');
    ctl = await startTestController({}, dir, { clock: new Clock({ at: eight - LEAD_MS }) });
    for (const [name, start, end, scene] of [
      ['夜景 鲤鱼', '19:00', '20:00', 'carp'],
      ['夜景 荷花', '20:00', '22:00', 'lotus'],
    ] as const) {
      const res = await apiFetch(ctl, '/api/rules', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name, kind: 'nightly', target: { compounds: ['alpha', 'beta'] }, when: { start: { at: start }, end: { at: end } }, play: { scene: { name: scene } } }),
      });
      expect(res.status).toBe(201);
    }
    county = await startCounty({
      credentials: provisioningPath(dir),
      url: ctl.mqttUrl,
      telemetryIntervalMs: 0,
      reconnectPeriodMs: 100,
      reconnectMaxMs: 400,
      clock: shiftedClock(ctl.clock.now()),
    });
    const first = ctl;
    await Promise.all(GROUPS.map((k) => waitForDevice(first, k, (d) => d.online && d.state?.scene?.name === 'carp', 15_000)));
    // Every group holds the retained plan, with the 20:00 change in it.
    const hasChange = (g: LanternGroup) => g.plan?.items.some((i) => i.startAt === eight && i.scene?.name === 'lotus') ?? false;
    await Promise.all(county.groups.map((g) => (hasChange(g) ? undefined : new Promise<void>((resolve) => g.on('plan', () => hasChange(g) && resolve())))));

    // The controller goes away before 20:00.
    const changes = county.groups.map((g) => new Promise<{ at: number; state: LanternGroup['state'] }>((resolve) => g.once('started', (state) => resolve({ at: Date.now(), state }))));
    const port = Number(new URL(ctl.mqttUrl).port);
    expect(ctl.clock.now()).toBeLessThan(eight - 1000);
    await ctl.stop();

    for (const { state } of await Promise.all(changes)) {
      expect(state).toMatchObject({ power: 'on', scene: { name: 'lotus' }, startAt: eight });
      expect(state.tx).toBeUndefined();
      expect(state.startedAt! - eight).toBeGreaterThanOrEqual(0);
      expect(state.startedAt! - eight).toBeLessThan(1000);
    }
    expect(county.groups.every((g) => g.following && g.counters.planChanges === 1)).toBe(true);

    // Back at 20:05 (the demo clock set there): the groups reconnect; the scheduler finds them showing lotus.
    const back = Date.now();
    ctl = await startTestController({ mqtt: { port } }, dir, { clock: new Clock({ at: eight + 5 * 60_000 }) });
    const second = ctl;
    await Promise.all(GROUPS.map((k) => waitForDevice(second, k, (d) => d.online && d.state?.scene?.name === 'lotus', 15_000)));
    await second.scheduler.settled();

    const sent = await second.db.selectFrom('commands').selectAll().where('issued_at', '>=', back).execute();
    const contradicting = sent.filter((c) => {
      const body = JSON.parse(c.body_json) as { power?: string; scene?: { name: string } };
      return body.power === 'off' || (body.scene !== undefined && body.scene.name !== 'lotus');
    });
    expect(contradicting).toEqual([]);
    // Nothing needed saying: every group already shows the plan's 20:00 change.
    expect(sent).toEqual([]);
    expect(county.groups.every((g) => !g.following && g.state.scene?.name === 'lotus')).toBe(true);
  }, 60_000);
});
