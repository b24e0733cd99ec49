/**
 * State, not edges, with the simulated county: a controller that starts mid-show tells every online group
 * the scene it should show now with the show's phase origin (`startAt` = the playlist item's nominal
 * start, in the past), and a controller restarted mid-show sends nothing to the groups that already show
 * it — only to the one that does not. Plus the pure parts: the dispatcher and the retained plan's parts.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { startCounty, type County } from '@caideng/simulators';
import { Clock } from '@caideng/controller';
import type { PlanEntry } from '@caideng/scenes';
import { provisioningPath } from '../src/credentials/provisioning.js';
import { dispatchFor, intentKey } from '../src/features/schedule/dispatcher.js';
import { planItems, planMessages } from '../src/features/schedule/planMessage.js';
import { apiFetch, startTestController, tempDir, waitForDevice, type TestController } from './helpers.js';

/** Tomorrow in Rong County (the simulated groups check `expiresAt` against their own clock: keep the show ahead of it). */
function tomorrowAt(hhmm: string): number {
  const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(Date.now() + 86_400_000);
  return Date.parse(`${day}T${hhmm}:00+08:00`);
}

const ALPHA = ['g01', 'g02', 'g03'];

describe('a controller restarted mid-show', () => {
  const dir = tempDir('caideng-schedule-restart-');
  let ctl: TestController | undefined;
  let county: County | undefined;
  afterAll(async () => {
    await county?.stop();
    await ctl?.dispose();
  });

  it('joins the running show where the plan is, and re-sends nothing a group already shows', async () => {
    const show = tomorrowAt('19:00');
    // 19:25: the playlist (carp 10 min, lotus 10 min, …) is in its third item, carp again, since 19:20.
    const since = show + 20 * 60_000;
    ctl = await startTestController({}, dir, { clock: new Clock({ at: show + 25 * 60_000 }) });
    const rule = await apiFetch(ctl, '/api/rules', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: '夜景轮播',
        kind: 'nightly',
        target: { compounds: ['alpha'] },
        when: { start: { at: '19:00' }, end: { at: '22:00' } },
        play: { playlist: { items: [{ scene: { name: 'carp' }, durationS: 600 }, { scene: { name: 'lotus' }, durationS: 600 }] } },
      }),
    });
    expect(rule.status).toBe(201);
    county = await startCounty({ credentials: provisioningPath(dir), url: ctl.mqttUrl, telemetryIntervalMs: 0, reconnectPeriodMs: 100, reconnectMaxMs: 400 });
    const first = ctl;
    const showing = (key: string) => waitForDevice(first, key, (d) => d.online && d.state?.scene?.name === 'carp' && d.state.startAt === since, 15_000);
    await Promise.all(ALPHA.map((g) => showing(`alpha/group/${g}`)));

    // Someone switches one group off by hand; then the controller goes away for two minutes.
    await apiFetch(ctl, '/api/compounds/alpha/groups/g03/commands', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ power: 'off' }) });
    await waitForDevice(ctl, 'alpha/group/g03', (d) => d.state?.power === 'off');
    const port = Number(new URL(ctl.mqttUrl).port);
    await ctl.stop();

    const restartedAt = Date.now();
    ctl = await startTestController({ mqtt: { port } }, dir, { clock: new Clock({ at: show + 27 * 60_000 }) });
    const second = ctl;
    await Promise.all(ALPHA.map((g) => waitForDevice(second, `alpha/group/${g}`, (d) => d.online && d.state?.scene?.name === 'carp' && d.state.startAt === since, 15_000)));
    await Promise.all(['beta/group/g01', 'beta/group/g02'].map((k) => waitForDevice(second, k, (d) => d.online, 15_000)));
    await second.scheduler.settled();

    const sent = await second.db.selectFrom('commands').selectAll().where('source', '=', 'schedule').where('issued_at', '>=', restartedAt).execute();
    expect(sent).toHaveLength(1);
    expect(JSON.parse(sent[0]!.body_json)).toMatchObject({ power: 'on', scene: { name: 'carp' }, startAt: since });
    const deliveries = await second.db.selectFrom('command_deliveries').select('group_id').where('command_id', '=', sent[0]!.id).execute();
    expect(deliveries.map((d) => d.group_id)).toEqual(['g03']);
    expect(sent[0]!.issuer).toBe((await rule.json()).rule.id);
  }, 60_000);
});

describe('dispatch and plan messages (pure)', () => {
  const intent = (group: string, scene: string | null, since: number) => ({
    group,
    power: scene ? ('on' as const) : ('off' as const),
    brightness: scene ? 200 : 0,
    scene: scene ? { name: scene } : null,
    since,
    until: since + 600_000,
    ruleId: 'r1',
    overrideId: null,
    reason: 'rule' as const,
  });

  it('groups the groups that change to the same thing into one command, keeps a running show’s phase, starts a fresh change leadMs ahead', () => {
    const now = 1_000_000_000;
    const states = new Map([
      ['g01', { v: 1 as const, ts: now, power: 'on' as const, brightness: 200, scene: { name: 'carp' } }],
      ['g02', { v: 1 as const, ts: now, power: 'off' as const, brightness: 0, scene: null }],
      ['g03', undefined],
    ]);
    const running = dispatchFor([intent('g01', 'carp', now - 60_000), intent('g02', 'carp', now - 60_000), intent('g03', 'carp', now - 60_000), intent('g04', 'carp', now - 60_000)], states, { now, leadMs: 300 });
    // g01 shows it already; g04 is offline.
    expect(running).toEqual([{ request: { power: 'on', brightness: 200, scene: { name: 'carp' }, startAt: now - 60_000, groups: ['g02', 'g03'] }, ruleId: 'r1', overrideId: null, reason: 'rule' }]);
    const fresh = dispatchFor([intent('g01', 'lotus', now + 300)], states, { now, leadMs: 300 });
    expect(fresh[0]!.request.startAt).toBe(now + 300);
    const justBegun = dispatchFor([intent('g01', 'lotus', now - 50)], states, { now, leadMs: 300 });
    expect(justBegun[0]!.request.startAt).toBe(now + 300);
    expect(dispatchFor([intent('g02', null, now - 60_000)], states, { now, leadMs: 300 })).toEqual([]);
    // Sent a moment ago and not reported back yet: not sent again.
    expect(dispatchFor([intent('g02', 'carp', now - 60_000)], states, { now, leadMs: 300, inFlight: new Map([['g02', intentKey(intent('g02', 'carp', 0))]]) })).toEqual([]);
  });

  it('cuts a plan larger than the payload limit into parts in time order, each within the limit', () => {
    const entries: PlanEntry[] = Array.from({ length: 200 }, (_, i) => ({
      start: i * 60_000,
      end: (i + 1) * 60_000,
      groups: i % 2 ? ['g01'] : ['g01', 'g02'],
      scene: { name: i % 3 ? 'carp' : 'lotus' },
      power: 'on',
      brightness: 180,
      ruleId: 'r1',
      overrideId: null,
      reason: 'rule',
      since: i * 60_000,
      lost: [],
    }));
    const items = planItems(entries, ['g01', 'g02']);
    expect(items[0]).toEqual({ startAt: 0, endAt: 60_000, power: 'on', brightness: 180, scene: { name: 'lotus' } });
    expect(items[1]!.groups).toEqual(['g01']);
    const parts = planMessages(items, { ts: 1, revision: 7, horizonEnd: 200 * 60_000, maxBytes: 8192 });
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.map((p) => p.part)).toEqual(parts.map((_, i) => i + 1));
    for (const p of parts) expect(Buffer.byteLength(JSON.stringify(p))).toBeLessThanOrEqual(8192);
    expect(parts.flatMap((p) => p.items)).toEqual(items);
    expect(parts[0]!.validUntil).toBe(parts[0]!.items.at(-1)!.endAt);
    expect(parts.at(-1)!.validUntil).toBe(200 * 60_000);
    expect(planMessages(items.slice(0, 3), { ts: 1, revision: 7, horizonEnd: 5, maxBytes: 8192 })[0]).not.toHaveProperty('parts');
  });
});
