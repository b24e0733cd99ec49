import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectAsync } from 'mqtt';
import { decodePayload, topic, type GroupState } from '@caideng/protocol';
import { LanternGroup, RequestTimeoutError, type GroupCredential } from '@caideng/simulators';
import { CONTROLLER, Inbox, makeCredentials, nextEvent, startBroker, type Received, type TestBroker } from './helpers.js';

const creds = makeCredentials({ compounds: ['xinghe-jiayuan'], groups: 2, kiosks: 0, ratedWatts: 120 });
const g01 = creds.devices[0] as GroupCredential;
const at = (channel: Parameters<typeof topic>[1]) => topic({ compound: 'xinghe-jiayuan', role: 'group', device: 'g01' }, channel);

describe('LanternGroup', () => {
  let broker: TestBroker;
  let inbox: Inbox;
  const groups: LanternGroup[] = [];
  const group = (options: Partial<ConstructorParameters<typeof LanternGroup>[1]> = {}, credential: GroupCredential = g01) => {
    const g = new LanternGroup(credential, { url: broker.url, telemetryIntervalMs: 0, ...options });
    groups.push(g);
    return g;
  };
  const ackOf = (tx: string) => (m: Received) => m.topic === at('ack') && (m.json as { tx?: string }).tx === tx;
  const stateOf = (tx: string) => (m: Received) => m.topic === at('state') && (m.json as { tx?: string }).tx === tx;

  beforeEach(async () => {
    broker = await startBroker(creds.devices);
    inbox = await Inbox.connect(broker.url, 'caideng/v1/#');
  });

  afterEach(async () => {
    await Promise.all(groups.splice(0).map((g) => g.stop()));
    await inbox.close();
    await broker.close();
  });

  it('connects with its credentials, announces online and publishes its retained state', async () => {
    const g = group();
    await g.start();
    const online = await inbox.waitFor((m) => m.topic === at('availability'));
    expect(online.json).toMatchObject({ v: 1, state: 'online' });
    const state = await inbox.waitFor((m) => m.topic === at('state'));
    expect(decodePayload('state', state.payload).ok).toBe(true);
    expect(state.json).toMatchObject({ power: 'off', scene: null });
  });

  it('applies a command, acks it once before the state, and retains the new state', async () => {
    const g = group();
    await g.start();
    const ts = Date.now();
    await inbox.publish(at('set'), { v: 1, tx: 'cmd-1', ts, power: 'on', brightness: 128, scene: { name: 'meteor-shower' }, startAt: ts + 500 });
    const ack = await inbox.waitFor(ackOf('cmd-1'));
    expect(ack.json).toMatchObject({ v: 1, tx: 'cmd-1', status: 'ok' });
    expect(decodePayload('ack', ack.payload).ok).toBe(true);
    const state = await inbox.waitFor(stateOf('cmd-1'));
    expect(state.json).toMatchObject({ power: 'on', brightness: 128, scene: { name: 'meteor-shower' }, startAt: ts + 500 });
    expect(inbox.messages.indexOf(ack)).toBeLessThan(inbox.messages.indexOf(state));
    expect(inbox.messages.filter(ackOf('cmd-1'))).toHaveLength(1);
    expect(g.counters).toMatchObject({ commandsReceived: 1, acksSent: 1 });

    // A client arriving later gets the state from the broker, retained.
    const late = await connectAsync(broker.url, { clientId: 'late', username: CONTROLLER.username, password: CONTROLLER.password });
    try {
      const retained = new Promise<{ payload: Buffer; retain: boolean }>((resolve) => late.on('message', (_t, payload, packet) => resolve({ payload, retain: packet.retain })));
      await late.subscribeAsync(at('state'), { qos: 1 });
      const got = await retained;
      expect(got.retain).toBe(true);
      expect(JSON.parse(got.payload.toString()) as GroupState).toMatchObject({ tx: 'cmd-1', power: 'on', brightness: 128 });
    } finally {
      await late.endAsync(true);
    }
  });

  it("answers a repeated tx with 'duplicate' and changes nothing", async () => {
    const g = group();
    await g.start();
    await inbox.publish(at('set'), { v: 1, tx: 'dup-1', ts: Date.now(), power: 'on', brightness: 200 });
    await inbox.waitFor(stateOf('dup-1'));
    await inbox.publish(at('set'), { v: 1, tx: 'dup-1', ts: Date.now(), brightness: 10 });
    const second = await inbox.waitFor((m) => ackOf('dup-1')(m) && (m.json as { status: string }).status === 'duplicate');
    expect(second.json).toMatchObject({ status: 'duplicate' });
    expect(g.state.brightness).toBe(200);
    // A later command's state is the next state on the topic: the duplicate published none.
    await inbox.publish(at('set'), { v: 1, tx: 'dup-2', ts: Date.now(), brightness: 50 });
    await inbox.waitFor(stateOf('dup-2'));
    const states = inbox.on(at('state')).map((m) => (m.json as GroupState).tx ?? null);
    expect(states).toEqual([null, 'dup-1', 'dup-2']);
    expect(g.counters.duplicates).toBe(1);
  });

  it("answers a command past its expiresAt with 'expired' and changes nothing", async () => {
    const g = group();
    await g.start();
    await inbox.publish(at('set'), { v: 1, tx: 'old-1', ts: Date.now() - 60_000, power: 'on', brightness: 255, expiresAt: Date.now() - 1000 });
    const ack = await inbox.waitFor(ackOf('old-1'));
    expect(ack.json).toMatchObject({ status: 'expired' });
    expect(g.state).toMatchObject({ power: 'off' });
    await inbox.publish(at('set'), { v: 1, tx: 'new-1', ts: Date.now(), brightness: 10, expiresAt: Date.now() + 60_000 });
    expect((await inbox.waitFor(ackOf('new-1'))).json).toMatchObject({ status: 'ok' });
    await inbox.waitFor(stateOf('new-1'));
    expect(inbox.on(at('state')).map((m) => (m.json as GroupState).tx ?? null)).toEqual([null, 'new-1']);
  });

  it('answers an invalid command with an error ack when it has a tx, and survives garbage', async () => {
    const g = group();
    await g.start();
    const invalid = nextEvent(g, 'invalidCommand');
    await inbox.publish(at('set'), '{"v":1,"tx":');
    expect((await invalid)[0]).toMatch(/not valid JSON/);
    await inbox.publish(at('set'), { v: 1, tx: 'bad-1', ts: Date.now(), brightness: 999 });
    const ack = await inbox.waitFor(ackOf('bad-1'));
    expect(ack.json).toMatchObject({ status: 'error', code: 'CAIDENG_MQTT_BAD_PAYLOAD' });
    expect(g.counters.invalidCommands).toBe(2);
    expect(g.state.brightness).toBe(255);
  });

  it('meters watts from rated power, brightness and scene, with reproducible noise', async () => {
    const g = group();
    await g.start();
    const expectWatts = (w: number, expected: number) => expect(Math.abs(w - expected)).toBeLessThanOrEqual(0.2 + expected * 0.025);

    const off = g.publishTelemetry();
    expectWatts(off!.watts, 1.5);
    const received = await inbox.waitFor((m) => m.topic === at('telemetry'));
    expect(decodePayload('telemetry', received.payload).ok).toBe(true);
    expect(received.json).toMatchObject({ watts: off!.watts, faults: [] });

    const command = async (tx: string, body: object) => {
      await inbox.publish(at('set'), { v: 1, tx, ts: Date.now(), ...body });
      await inbox.waitFor(stateOf(tx));
    };
    await command('w1', { power: 'on', brightness: 255 });
    expectWatts(g.publishTelemetry()!.watts, 121.5);
    await command('w2', { brightness: 128 });
    expectWatts(g.publishTelemetry()!.watts, 1.5 + (120 * 128) / 255);
    await command('w3', { brightness: 255, scene: { name: 'meteor-shower' } });
    expectWatts(g.publishTelemetry()!.watts, 1.5 + 120 * 0.6);
    g.injectFault('lamp_failure');
    const faulty = g.publishTelemetry()!;
    expect(faulty.faults).toEqual(['lamp_failure']);
    expectWatts(faulty.watts, 1.5 + 120 * 0.6 * 0.5);
    expect(g.counters.telemetrySent).toBe(5);

    // Same seed and clock, same samples.
    const clock = () => 1_700_000_000_000;
    const a = new LanternGroup(g01, { url: broker.url, seed: 7, now: clock });
    const b = new LanternGroup(g01, { url: broker.url, seed: 7, now: clock });
    const c = new LanternGroup(g01, { url: broker.url, seed: 8, now: clock });
    const series = (x: LanternGroup) => Array.from({ length: 5 }, () => x.sample().watts);
    expect(series(a)).toEqual(series(b));
    expect(series(a)).not.toEqual(series(c));
  });

  it('publishes telemetry on its own at the configured interval', async () => {
    const g = group({ telemetryIntervalMs: 100 });
    await g.start();
    await nextEvent(g, 'telemetry');
    await nextEvent(g, 'telemetry');
    await inbox.waitFor(() => inbox.on(at('telemetry')).length >= 2);
    expect(g.counters.telemetrySent).toBeGreaterThanOrEqual(2);
  });

  it('going down without DISCONNECT makes the broker publish its offline will', async () => {
    const g = group();
    await g.start();
    await inbox.waitFor((m) => m.topic === at('availability') && (m.json as { state: string }).state === 'online');
    const will = inbox.next(at('availability'));
    g.kill();
    const offline = await will;
    expect(offline.json).toMatchObject({ v: 1, state: 'offline' });
    expect(decodePayload('availability', offline.payload).ok).toBe(true);
    expect(g.lifecycle).toBe('killed');

    const back = inbox.next(at('availability'));
    await g.start();
    expect((await back).json).toMatchObject({ state: 'online' });
  });

  it('publishes offline itself on a graceful stop', async () => {
    const g = group();
    await g.start();
    await inbox.waitFor((m) => m.topic === at('availability') && (m.json as { state: string }).state === 'online');
    const offline = inbox.next(at('availability'));
    await g.stop();
    expect((await offline).json).toMatchObject({ state: 'offline' });
    expect(g.connected).toBe(false);
  });

  it('syncs time by request/response on tx and times out without an answer', async () => {
    // No automatic time.sync at connect: this test counts its own requests.
    const g = group({ requestTimeoutMs: 300, timeSyncIntervalMs: 0 });
    await g.start();
    const timeout = g.request('ping', undefined, 200);
    await expect(timeout).rejects.toBeInstanceOf(RequestTimeoutError);

    inbox.client.on('message', (t, payload) => {
      if (t !== at('req')) return;
      const req = decodePayload('req', payload);
      if (!req.ok) return;
      // The inbox may be closed while this reply is in flight; that is not a failure of the test.
      inbox.publish(at('res'), { v: 1, tx: req.value.tx, ts: Date.now(), status: 'ok', data: { deviceTs: req.value.ts, controllerTs: Date.now() + 5000 } }).catch(() => undefined);
    });
    const sync = await g.timeSync();
    expect(sync.rttMs).toBeGreaterThanOrEqual(0);
    expect(Math.abs(sync.offsetMs - 5000)).toBeLessThan(100);
    expect(g.counters).toMatchObject({ requestsSent: 2, responsesReceived: 1 });
  });

  it('emits and counts errors the controller sends on its error topic', async () => {
    const g = group();
    await g.start();
    const got = nextEvent(g, 'deviceError');
    await inbox.publish(at('error'), { v: 1, ts: Date.now(), code: 'CAIDENG_MQTT_BAD_PAYLOAD', reason: 'watts must be a number', topic: at('telemetry') });
    const [error] = await got;
    expect(error).toMatchObject({ code: 'CAIDENG_MQTT_BAD_PAYLOAD', topic: at('telemetry') });
    expect(g.counters.errorsReceived).toBe(1);
  });

  it('rejects start() when the broker refuses its credentials', async () => {
    const g = group({}, { ...(creds.devices[1] as GroupCredential), password: 'wrong' });
    await expect(g.start()).rejects.toThrow(/refused/);
    expect(broker.refused).toContain('xinghe-jiayuan/group/g02');
  });
});
