/**
 * The compound's retained plan as a simulated group keeps and follows it: parts and revisions (pure), what the
 * plan says at a moment, and, over a real broker, a group that loses it follows the plan's changes at their
 * time (a scene change, then the curfew's off) and keeps what it shows when the broker is back.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { topic, type PlanItem } from '@caideng/protocol';
import { LanternGroup, PlanBook, nextChange, showAt, type GroupCredential, type PlanMessage } from '@caideng/simulators';
import { Inbox, makeCredentials, nextEvent, startBroker, type TestBroker } from './helpers.js';

const creds = makeCredentials({ compounds: ['xinghe-jiayuan'], groups: 2, kiosks: 0 });
const g01 = creds.devices[0] as GroupCredential;
const PLAN_TOPIC = 'caideng/v1/xinghe-jiayuan/compound/-/plan';
const at = (channel: Parameters<typeof topic>[1]) => topic({ compound: 'xinghe-jiayuan', role: 'group', device: 'g01' }, channel);

const msg = (revision: number, items: PlanItem[], extra: Partial<PlanMessage> = {}): PlanMessage => ({ v: 1, ts: 1, revision, validUntil: 10_000, items, ...extra });

describe('PlanBook and the plan at a moment', () => {
  it('takes a whole plan, ignores an older revision, and follows the parts it has from part 1 on', () => {
    const book = new PlanBook();
    expect(book.take(msg(2, [{ startAt: 0, power: 'on' }]))?.revision).toBe(2);
    expect(book.take(msg(1, [{ startAt: 0, power: 'off' }]))).toBeNull();
    expect(book.plan?.items).toEqual([{ startAt: 0, power: 'on' }]);

    // Revision 3 in three parts, in time order; part 2 alone changes nothing (part 1 is missing).
    expect(book.take(msg(3, [{ startAt: 2000, power: 'off' }], { part: 2, parts: 3, validUntil: 3000 }))).toBeNull();
    const first = book.take(msg(3, [{ startAt: 1000, power: 'on' }], { part: 1, parts: 3, validUntil: 2000 }));
    // Parts 1 and 2 at hand: followed up to the end of part 2.
    expect(first).toMatchObject({ revision: 3, validUntil: 3000, parts: { have: 2, of: 3 } });
    const all = book.take(msg(3, [{ startAt: 3000, power: 'on', brightness: 10 }], { part: 3, parts: 3, validUntil: 9000 }));
    expect(all).toMatchObject({ validUntil: 9000, parts: { have: 3, of: 3 } });
    expect(all!.items.map((i) => i.startAt)).toEqual([1000, 2000, 3000]);
    // The same part again changes nothing; a payload that fails the contract is ignored.
    expect(book.take(msg(3, [{ startAt: 3000, power: 'on', brightness: 10 }], { part: 3, parts: 3, validUntil: 9000 }))).toBeNull();
    expect(book.receive('{"v":1}')).toBeNull();
  });

  it('says what a group shows at t (its own items, until endAt or the next item) and when that changes next', () => {
    const book = new PlanBook();
    const plan = book.take(
      msg(1, [
        { startAt: 100, endAt: 500, power: 'on', brightness: 200, scene: { name: 'lotus' } },
        { startAt: 300, groups: ['g02'], power: 'off' },
        { startAt: 500, endAt: 800, power: 'on', scene: { name: 'carp' } },
        { startAt: 800, power: 'off' },
      ], { validUntil: 1000 }),
    )!;
    expect(showAt(plan, 'g01', 50)).toBeNull();
    expect(showAt(plan, 'g01', 300)).toMatchObject({ startAt: 100, until: 500, scene: { name: 'lotus' } });
    expect(showAt(plan, 'g02', 300)).toMatchObject({ startAt: 300, power: 'off' });
    expect(showAt(plan, 'g01', 500)).toMatchObject({ startAt: 500, scene: { name: 'carp' } });
    expect(showAt(plan, 'g01', 900)).toMatchObject({ startAt: 800, power: 'off', until: null });
    expect(showAt(plan, 'g01', 1000)).toBeNull(); // past validUntil
    expect(nextChange(plan, 'g01', 100)).toBe(500);
    expect(nextChange(plan, 'g02', 100)).toBe(300);
    expect(nextChange(plan, 'g01', 800)).toBeNull();
  });
});

describe('a simulated group and the retained plan', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn().catch(() => undefined);
  });

  it('follows the plan while the broker is gone (scene change, then curfew), and keeps what it shows when back', async () => {
    let broker: TestBroker = await startBroker(creds.devices);
    const port = Number(new URL(broker.url).port);
    cleanup.push(() => broker.close());
    let inbox = await Inbox.connect(broker.url, 'caideng/v1/#');
    cleanup.push(() => inbox.close());
    const g = new LanternGroup(g01, { url: broker.url, telemetryIntervalMs: 0, timeSyncIntervalMs: 0, reconnectPeriodMs: 100, reconnectMaxMs: 200 });
    cleanup.push(() => g.stop());

    const now = Date.now();
    const change = now + 1500;
    const curfew = change + 500;
    const plan = msg(7, [
      { startAt: now - 60_000, endAt: change, power: 'on', brightness: 200, scene: { name: 'lotus' } },
      { startAt: change, endAt: curfew, power: 'on', brightness: 180, scene: { name: 'carp', params: { speed: 1.5 } } },
      { startAt: curfew, power: 'off' },
    ], { ts: now, validUntil: now + 3_600_000 });
    await inbox.client.publishAsync(PLAN_TOPIC, JSON.stringify(plan), { qos: 1, retain: true });
    const gotPlan = nextEvent(g, 'plan');
    await g.start();
    expect((await gotPlan)[0]).toMatchObject({ revision: 7 });

    // The controller says lotus; then the broker (the controller's) goes away.
    const commanded = nextEvent(g, 'started', (_s, why) => why === 'command');
    await inbox.publish(at('set'), { v: 1, tx: 'cmd-1', ts: now, power: 'on', brightness: 200, scene: { name: 'lotus' } });
    expect((await commanded)[0]).toMatchObject({ tx: 'cmd-1', scene: { name: 'lotus' } });
    const changed = nextEvent(g, 'started', (_s, why) => why === 'plan', 10_000);
    await inbox.close();
    await broker.close();

    const [carp] = await changed;
    expect(g.following).toBe(true);
    expect(carp).toMatchObject({ power: 'on', brightness: 180, scene: { name: 'carp', params: { speed: 1.5 } }, startAt: change });
    expect(carp.tx).toBeUndefined();
    expect(carp.startedAt! - change).toBeGreaterThanOrEqual(0);
    const [off] = await nextEvent(g, 'started', (_s, why) => why === 'plan', 10_000);
    expect(off).toMatchObject({ power: 'off', startAt: curfew });
    expect(g.counters.planChanges).toBe(2);

    // The broker is back on the same port: the group reconnects, announces its state before `online`, and
    // keeps the curfew's off until told otherwise.
    broker = await startBroker(creds.devices, port);
    inbox = await Inbox.connect(broker.url, 'caideng/v1/#');
    const online = inbox.waitFor((m) => m.topic === at('availability') && (m.json as { state: string }).state === 'online', 10_000);
    const onlineAt = inbox.messages.indexOf(await online);
    // (A QoS 1 publish the old broker had not acknowledged may be re-sent first: the last state before online counts.)
    const state = inbox.messages.slice(0, onlineAt).filter((m) => m.topic === at('state')).pop();
    expect(state?.json).toMatchObject({ power: 'off', startAt: curfew });
    expect(g.following).toBe(false);
    expect(g.state).toMatchObject({ power: 'off' });
  });

  it('starts a command at startAt on the controller clock it measured, keeping the shortest round trip sample', async () => {
    const broker = await startBroker(creds.devices);
    cleanup.push(() => broker.close());
    const inbox = await Inbox.connect(broker.url, 'caideng/v1/#');
    cleanup.push(() => inbox.close());
    // The group's own clock is 5 s slow; the "controller" answers time.sync, the second time slowly and wrongly.
    let answered = 0;
    inbox.client.on('message', (t, payload) => {
      if (t !== at('req')) return;
      const req = JSON.parse(payload.toString()) as { tx: string; ts: number; method: string };
      if (req.method !== 'time.sync') return;
      const n = answered++;
      const reply = () =>
        inbox.publish(at('res'), { v: 1, tx: req.tx, ts: Date.now(), status: 'ok', data: { deviceTs: req.ts, controllerTs: Date.now() + (n === 1 ? 60_000 : 0) } }).catch(() => undefined);
      if (n === 1) setTimeout(reply, 400);
      else void reply();
    });
    const g = new LanternGroup(g01, { url: broker.url, telemetryIntervalMs: 0, timeSyncIntervalMs: 0, now: () => Date.now() - 5000 });
    cleanup.push(() => g.stop());
    await g.start();
    await g.syncClock();
    await g.syncClock();
    expect(Math.abs(g.clockOffsetMs - 5000)).toBeLessThan(200);
    expect(g.clockRttMs).toBeLessThan(400);

    const startAt = Date.now() + 400;
    const started = nextEvent(g, 'started');
    await inbox.publish(at('set'), { v: 1, tx: 'show-1', ts: Date.now(), scene: { name: 'lotus' }, power: 'on', startAt });
    await inbox.waitFor((m) => m.topic === at('ack'));
    expect(g.state.tx).not.toBe('show-1'); // acked at once, shown at startAt
    const [state] = await started;
    const shownReal = Date.now();
    expect(state).toMatchObject({ tx: 'show-1', startAt, scene: { name: 'lotus' } });
    // Not before startAt by the real clock (less the offset's error, half a round trip), and reported on the controller's clock.
    expect(shownReal).toBeGreaterThanOrEqual(startAt - g.clockRttMs!);
    expect(state.startedAt! - startAt).toBeGreaterThanOrEqual(0);
    expect(state.startedAt! - startAt).toBeLessThan(1000);
    const published = await inbox.waitFor((m) => m.topic === at('state') && (m.json as { tx?: string }).tx === 'show-1');
    expect(published.json).toMatchObject({ startedAt: state.startedAt });
  });
});
