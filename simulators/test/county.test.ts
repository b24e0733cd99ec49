import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { topic } from '@caideng/protocol';
import { parseCredentials, selectDevices, startCounty, type County } from '@caideng/simulators';
import { Inbox, makeCredentials, nextEvent, startBroker, type Received, type TestBroker } from './helpers.js';

const COMPOUNDS = ['xinghe-jiayuan', 'xinghe-chuntian', 'nanhu-yidu'];
const creds = makeCredentials({ compounds: COMPOUNDS, groups: 3, kiosks: 2 });
const isState = (state: string) => (m: Received) => m.topic.endsWith('/availability') && (m.json as { state?: string }).state === state;

describe('startCounty', () => {
  let broker: TestBroker;
  let inbox: Inbox;
  let county: County | undefined;

  beforeEach(async () => {
    broker = await startBroker(creds.devices);
    inbox = await Inbox.connect(broker.url, 'caideng/v1/#');
  });

  afterEach(async () => {
    await county?.stop();
    county = undefined;
    await inbox.close();
    await broker.close();
  });

  it('selects the first compounds, groups and kiosks in file order', () => {
    const picked = selectDevices(creds, { compounds: 2, groupsPerCompound: 2, kiosksPerCompound: 1 });
    expect(picked.compounds).toEqual(['xinghe-jiayuan', 'xinghe-chuntian']);
    expect(picked.groups.map((g) => g.username)).toEqual([
      'xinghe-jiayuan/group/g01',
      'xinghe-jiayuan/group/g02',
      'xinghe-chuntian/group/g01',
      'xinghe-chuntian/group/g02',
    ]);
    expect(picked.kiosks.map((k) => k.username)).toEqual(['xinghe-jiayuan/kiosk/k1', 'xinghe-chuntian/kiosk/k1']);
  });

  it('leaves the devices a bridge speaks for to the bridge', () => {
    const file = parseCredentials({
      ...creds,
      devices: creds.devices.map((d) => (d.username === 'xinghe-jiayuan/group/g02' || d.username === 'xinghe-jiayuan/kiosk/k1' ? { ...d, bridge: 'gw1' } : d)),
    });
    const picked = selectDevices(file, { compounds: 1 });
    expect(picked.groups.map((g) => g.device)).toEqual(['g01', 'g03']);
    expect(picked.kiosks.map((k) => k.device)).toEqual(['k2']);
    expect(() => parseCredentials({ ...creds, devices: [{ ...creds.devices[0], bridge: 'Not An Id' }] })).toThrow(/devices\[0\]\.bridge must be a bridge id/);
  });

  it('connects every selected device, counts what flows, kills one by will and stops the rest gracefully', async () => {
    county = await startCounty({ credentials: creds, url: broker.url, compounds: 2, groupsPerCompound: 2, kiosksPerCompound: 1, telemetryIntervalMs: 0, connectConcurrency: 3 });
    expect(county.groups).toHaveLength(4);
    expect(county.kiosks).toHaveLength(2);
    expect(county.counters()).toMatchObject({ groups: 4, kiosks: 2, connected: 6, connects: 6 });
    await inbox.waitFor(() => inbox.messages.filter(isState('online')).length === 6, 3000, 'six devices online');
    expect(inbox.messages.some((m) => m.topic.includes('/nanhu-yidu/'))).toBe(false);

    // A command and a press go through the fleet's counters.
    const g = county.groups[0]!;
    await inbox.publish(topic(g.address, 'set'), { v: 1, tx: 'c1', ts: Date.now(), power: 'on' });
    await inbox.waitFor((m) => m.topic === topic(g.address, 'state') && (m.json as { tx?: string }).tx === 'c1');
    const k = county.kiosks[0]!;
    const pressed = k.press('satisfied');
    const event = await inbox.waitFor((m) => m.topic === topic(k.address, 'event'));
    await inbox.publish(topic(k.address, 'receipt'), { v: 1, seq: (event.json as { seq: number }).seq, status: 'stored', ts: Date.now() });
    await pressed;
    expect(county.counters()).toMatchObject({ commandsReceived: 1, acksSent: 1, presses: 1, receipts: 1, unconfirmed: 0 });

    const availability = topic(g.address, 'availability');
    const will = inbox.next(availability);
    county.kill(g.username);
    expect((await will).json).toMatchObject({ state: 'offline' });
    expect(county.counters().connected).toBe(5);

    await county.stop();
    await inbox.waitFor(() => inbox.messages.filter(isState('offline')).length === 6, 3000, 'six devices offline');
    expect(county.counters().connected).toBe(0);
  });

  it('spreads telemetry of the fleet over the interval with one shared ticker', async () => {
    county = await startCounty({ credentials: creds, url: broker.url, telemetryIntervalMs: 600, tickResolutionMs: 10 });
    expect(county.ticker.size).toBe(9 + 6);
    const first = new Map<string, number>();
    const all = county.groups.map((g) => nextEvent(g, 'telemetry', () => true, 3000).then(([t]) => first.set(g.username, t.ts)));
    await Promise.all(all);
    const times = [...first.values()].sort((a, b) => a - b);
    // Nine groups over a 600 ms period: not all in the same moment, spread over most of it.
    expect(times.at(-1)! - times[0]!).toBeGreaterThan(300);
    expect(new Set(times).size).toBeGreaterThan(5);
  });

  it('applies a fault plan once connected', async () => {
    const dropped = 'xinghe-jiayuan/group/g02';
    county = await startCounty({
      credentials: creds,
      url: broker.url,
      compounds: 1,
      telemetryIntervalMs: 0,
      faults: { drop: [dropped], telemetryFaults: [{ username: 'xinghe-jiayuan/group/g01', code: 'overcurrent' }] },
    });
    expect((await inbox.waitFor((m) => m.topic === `caideng/v1/${dropped}/availability` && isState('offline')(m))).json).toMatchObject({ state: 'offline' });
    expect(county.device(dropped)!.lifecycle).toBe('killed');
    const g01 = county.groups[0]!;
    expect(g01.publishTelemetry()!.faults).toEqual(['overcurrent']);
    expect(county.counters().drops).toBe(1);
  });

  it('refuses a fault plan naming a device it does not simulate, before connecting anything', async () => {
    await expect(
      startCounty({ credentials: creds, url: broker.url, compounds: 1, faults: { drop: ['nanhu-yidu/group/g01'] } }),
    ).rejects.toThrow(/drop: no simulated device 'nanhu-yidu\/group\/g01'/);
    expect(inbox.messages).toHaveLength(0);
  });

  it('fails with the devices the broker refused and leaves nothing connected', async () => {
    const bad = parseCredentials(JSON.parse(JSON.stringify(creds)));
    bad.devices[1]!.password = 'wrong';
    await expect(startCounty({ credentials: bad, url: broker.url, compounds: 1 })).rejects.toThrow(/1 of 5 devices could not connect: xinghe-jiayuan\/group\/g02: broker refused/);
    await inbox.waitFor(() => inbox.messages.filter(isState('offline')).length === 4, 3000, 'the others offline');
  });
});

describe('parseCredentials', () => {
  it('names the entry and field that is wrong', () => {
    const file = makeCredentials({ compounds: ['a'], groups: 1, kiosks: 0 });
    expect(() => parseCredentials({ ...file, devices: [{ ...file.devices[0], ratedWatts: -1 }] }, 'c.json')).toThrow('c.json: devices[0].ratedWatts must be a positive number');
    expect(() => parseCredentials({ ...file, devices: [{ ...file.devices[0], username: 'a/group/g99' }] })).toThrow("devices[0].username 'a/group/g99' must be 'a/group/g01'");
    expect(() => parseCredentials({ ...file, version: 2 })).toThrow(/unsupported version 2/);
  });

  it('takes the default fixture when a group leaves it out and ignores extra keys', () => {
    const parsed = parseCredentials({
      version: 1,
      mqtt: { url: 'mqtt://x:1883', wsUrl: 'ws://x' },
      http: { url: 'http://x' },
      devices: [{ username: 'a/group/g1', password: 'p', compound: 'a', role: 'group', device: 'g1' }],
    });
    expect(parsed.devices[0]).toMatchObject({ fixture: 'dimmer', channels: 1, ratedWatts: 100 });
  });
});
