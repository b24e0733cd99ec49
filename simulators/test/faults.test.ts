import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_PAYLOAD_BYTES, decodePayload, parseTopic, topic } from '@caideng/protocol';
import { FaultInjector, Kiosk, LanternGroup, MALFORMED_KINDS, type FleetDevice, type GroupCredential, type KioskCredential } from '@caideng/simulators';
import { Inbox, makeCredentials, startBroker, type TestBroker } from './helpers.js';

const creds = makeCredentials({ compounds: ['qingxin-yuan', 'sanghai-senlin'], groups: 1, kiosks: 1 });
const groupCred = creds.devices.find((d) => d.username === 'qingxin-yuan/group/g01') as GroupCredential;
const kioskCred = creds.devices.find((d) => d.username === 'qingxin-yuan/kiosk/k1') as KioskCredential;

describe('FaultInjector', () => {
  let broker: TestBroker;
  let inbox: Inbox;
  let group: LanternGroup;
  let kiosk: Kiosk;
  let faults: FaultInjector;

  beforeEach(async () => {
    broker = await startBroker(creds.devices);
    inbox = await Inbox.connect(broker.url, '#');
    group = new LanternGroup(groupCred, { url: broker.url, telemetryIntervalMs: 0, reconnectPeriodMs: 50 });
    kiosk = new Kiosk(kioskCred, { url: broker.url });
    await Promise.all([group.start(), kiosk.start()]);
    const devices = new Map<string, FleetDevice>([
      [group.username, group],
      [kiosk.username, kiosk],
    ]);
    faults = new FaultInjector(devices, { compounds: ['qingxin-yuan', 'sanghai-senlin'] });
  });

  afterEach(async () => {
    faults.stop();
    await Promise.all([group.stop(), kiosk.stop()]);
    await inbox.close();
    await broker.close();
  });

  for (const sender of ['qingxin-yuan/group/g01', 'qingxin-yuan/kiosk/k1']) {
    it(`sends each kind of malformed message it names, from ${sender}`, async () => {
      const channel = sender.includes('/group/') ? 'telemetry' : 'event';
      for (const kind of MALFORMED_KINDS) {
        const sent = await faults.sendMalformed(kind, sender);
        const got = await inbox.waitFor((m) => m.topic === sent.topic && m.payload.equals(sent.payload), 3000, `${kind} message`);
        expect(got.payload.equals(sent.payload)).toBe(true);
        const parsed = parseTopic(got.topic);
        switch (kind) {
          case 'invalid-json':
            expect(() => JSON.parse(got.payload.toString())).toThrow();
            expect(decodePayload(channel, got.payload)).toMatchObject({ ok: false, code: 'CAIDENG_MQTT_BAD_JSON' });
            break;
          case 'wrong-types':
            expect(decodePayload(channel, got.payload)).toMatchObject({ ok: false, code: 'CAIDENG_MQTT_BAD_PAYLOAD' });
            break;
          case 'oversized':
            expect(got.payload.length).toBeGreaterThan(MAX_PAYLOAD_BYTES);
            expect(decodePayload(channel, got.payload)).toMatchObject({ ok: false, code: 'CAIDENG_MQTT_TOO_LARGE' });
            break;
          case 'unknown-topic':
            expect(parsed).toMatchObject({ ok: false });
            expect((parsed as { reason: string }).reason).toMatch(/unknown channel/);
            break;
          case 'foreign-compound':
            expect(parsed).toMatchObject({ ok: true, parts: { compound: 'sanghai-senlin', channel } });
            expect(decodePayload(channel, got.payload).ok).toBe(true);
            break;
        }
      }
      expect(faults.counters.malformedSent).toBe(MALFORMED_KINDS.length);
    });
  }

  it('sends malformed messages at a rate, cycling through the kinds', async () => {
    const stop = faults.startMalformed(1200);
    await inbox.waitFor(() => faults.counters.malformedSent >= MALFORMED_KINDS.length, 5000);
    stop();
    for (const kind of MALFORMED_KINDS) expect(faults.counters.malformedByKind[kind]).toBeGreaterThanOrEqual(1);
  });

  it('drops a group: its will fires and it stays down', async () => {
    const availability = topic(group.address, 'availability');
    await inbox.waitFor((m) => m.topic === availability && (m.json as { state: string }).state === 'online');
    const offline = inbox.next(availability);
    faults.drop(group.username);
    expect((await offline).json).toMatchObject({ state: 'offline' });
    expect(group.lifecycle).toBe('killed');
    expect(faults.counters.drops).toBe(1);
  });

  it('flaps a connection: offline by will, then online again, repeatedly', async () => {
    const availability = topic(group.address, 'availability');
    await inbox.waitFor((m) => m.topic === availability && (m.json as { state: string }).state === 'online');
    const states = () => inbox.on(availability).map((m) => (m.json as { state: string }).state);
    faults.flap(group.username, 0.15);
    await inbox.waitFor(() => states().join(',').startsWith('online,offline,online,offline,online'), 5000, 'two flaps');
    expect(group.counters.connects).toBeGreaterThanOrEqual(3);
  });

  it('injects fault codes into telemetry', async () => {
    faults.injectFault(group.username, 'overcurrent');
    faults.injectFault(group.username, 'lamp_failure');
    const sample = group.publishTelemetry()!;
    const got = await inbox.waitFor((m) => m.topic === topic(group.address, 'telemetry'));
    expect(got.json).toMatchObject({ faults: ['overcurrent', 'lamp_failure'] });
    expect(sample.faults).toEqual(['overcurrent', 'lamp_failure']);
    expect(() => faults.injectFault(kiosk.username, 'overcurrent')).toThrow(/not a lantern group/);
    faults.clearFault(group.username);
    expect(group.publishTelemetry()!.faults).toEqual([]);
  });
});
