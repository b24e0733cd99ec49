/**
 * Availability: online on connect, offline by last-will when a device dies, and offline (published
 * by the controller, once) when a device's last session ends without its will. Availability belongs to
 * the device, not to one session: a takeover or a second session ending does not mark it offline.
 */
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { pino } from 'pino';
import { compoundAddress, topic, type Availability, type CompoundPlan, type DeviceAddress, type DeviceError } from '@caideng/protocol';
import { startController } from '@caideng/controller';
import { SMALL_COUNTY, connectDevice, endClient, nextMessage, publish, startTestController, subscribe, tempDir, waitForDevice, type TestController } from './helpers.js';

let ctl: TestController;
beforeAll(async () => {
  ctl = await startTestController();
});
afterAll(async () => {
  await ctl.dispose();
});

const g01 = { compound: 'alpha', role: 'group' as const, device: 'g01' };
const offlineWill = (address: DeviceAddress) => ({
  will: { topic: topic(address, 'availability'), payload: Buffer.from(JSON.stringify({ v: 1, state: 'offline', ts: Date.now() })), qos: 1 as const, retain: true },
});

/**
 * Records every availability message a monitor sees on `address`, until `settle()`: the controller then
 * publishes a marker (the compound's plan, retained like availability, so through the same path), and
 * everything the broker published before has reached the monitor when the marker does.
 */
async function watchAvailability(address: DeviceAddress) {
  const monitor = await connectDevice(ctl, 'alpha/monitor/ops', { clientId: `alpha/monitor/ops/watch-${address.device}` });
  const seen: Availability['state'][] = [];
  const t = topic(address, 'availability');
  const marker = topic(compoundAddress('alpha'), 'plan');
  monitor.on('message', (got, payload) => {
    if (got === t) seen.push((JSON.parse(payload.toString()) as Availability).state);
  });
  await subscribe(monitor, t);
  await subscribe(monitor, marker);
  return {
    async settle(): Promise<Availability['state'][]> {
      const revision = ++markers;
      const arrived = nextMessage<CompoundPlan>(monitor, marker, (p) => p.revision === revision);
      await ctl.broker.publishToCompound('alpha', 'plan', { v: 1, ts: Date.now(), revision, validUntil: Date.now(), items: [] });
      await arrived;
      await endClient(monitor);
      return seen;
    },
  };
}
let markers = 0;

/** The retained availability of `address`, as a client subscribing now receives it. */
async function retainedAvailability(address: DeviceAddress): Promise<Availability['state']> {
  const monitor = await connectDevice(ctl, 'alpha/monitor/ops', { clientId: 'alpha/monitor/ops/retained' });
  const got = nextMessage<Availability>(monitor, topic(address, 'availability'));
  await subscribe(monitor, topic(address, 'availability'));
  const state = (await got).state;
  await endClient(monitor);
  return state;
}

const closedBy = (client: MqttClient) => new Promise<void>((resolve) => (client.connected ? client.once('close', () => resolve()) : resolve()));

describe('availability', () => {
  it('marks a killed device offline through its last-will', async () => {
    const availability = topic(g01, 'availability');
    const group = await connectDevice(ctl, 'alpha/group/g01', {
      will: { topic: availability, payload: Buffer.from(JSON.stringify({ v: 1, state: 'offline', ts: Date.now() })), qos: 1, retain: true },
    });
    await publish(group, availability, { v: 1, state: 'online', ts: Date.now() }, { retain: true });
    await waitForDevice(ctl, 'alpha/group/g01', (s) => s.online);

    const monitor = await connectDevice(ctl, 'alpha/monitor/ops');
    await subscribe(monitor, availability);
    const offline = nextMessage<Availability>(monitor, availability, (a) => a.state === 'offline');
    // Kill the socket without DISCONNECT: the broker must publish the will.
    group.stream.destroy();
    await expect(offline).resolves.toMatchObject({ state: 'offline' });
    const status = await waitForDevice(ctl, 'alpha/group/g01', (s) => !s.online);
    expect(status.online).toBe(false);
    await endClient(group, true);
    await endClient(monitor);
  });

  it('publishes a retained offline for a device that left without a will', async () => {
    const availability = topic({ compound: 'alpha', role: 'kiosk', device: 'k1' }, 'availability');
    const kiosk = await connectDevice(ctl, 'alpha/kiosk/k1');
    await publish(kiosk, availability, { v: 1, state: 'online', ts: Date.now() }, { retain: true });
    await waitForDevice(ctl, 'alpha/kiosk/k1', (s) => s.online);
    kiosk.stream.destroy();
    await waitForDevice(ctl, 'alpha/kiosk/k1', (s) => !s.online);
    const monitor = await connectDevice(ctl, 'alpha/monitor/ops');
    const retained = nextMessage<Availability>(monitor, availability);
    await subscribe(monitor, availability);
    expect((await retained).state).toBe('offline');
    await endClient(monitor);
    await endClient(kiosk, true);
  });

  it('a session takeover does not mark the device offline', async () => {
    const availability = topic({ compound: 'alpha', role: 'group', device: 'g02' }, 'availability');
    const first = await connectDevice(ctl, 'alpha/group/g02');
    await publish(first, availability, { v: 1, state: 'online', ts: Date.now() }, { retain: true });
    await waitForDevice(ctl, 'alpha/group/g02', (s) => s.online);
    const second = await connectDevice(ctl, 'alpha/group/g02');
    await publish(second, availability, { v: 1, state: 'online', ts: Date.now() }, { retain: true });
    // The first connection is closed by the takeover; the device stays online through the second.
    await new Promise<void>((resolve) => (first.connected ? first.once('close', () => resolve()) : resolve()));
    expect(ctl.broker.isConnected('alpha/group/g02')).toBe(true);
    expect(ctl.state.get('alpha/group/g02')?.online).toBe(true);
    await endClient(first, true);
    await endClient(second, true);
  });

  it("publishes a killed device's offline once: its will, and no second one from the controller", async () => {
    const g03 = { compound: 'alpha', role: 'group' as const, device: 'g03' };
    const group = await connectDevice(ctl, 'alpha/group/g03', offlineWill(g03));
    await publish(group, topic(g03, 'availability'), { v: 1, state: 'online', ts: Date.now() }, { retain: true });
    await waitForDevice(ctl, 'alpha/group/g03', (s) => s.online);
    const watch = await watchAvailability(g03);
    group.stream.destroy();
    await waitForDevice(ctl, 'alpha/group/g03', (s) => !s.online);
    expect(await watch.settle()).toEqual(['online', 'offline']); // the retained online on subscribing, then the will
    await endClient(group, true);
  });

  it('keeps the retained availability online after a takeover of a device that set a will', async () => {
    const k1 = { compound: 'alpha', role: 'kiosk' as const, device: 'k1' };
    const first = await connectDevice(ctl, 'alpha/kiosk/k1', offlineWill(k1));
    await publish(first, topic(k1, 'availability'), { v: 1, state: 'online', ts: Date.now() }, { retain: true });
    await waitForDevice(ctl, 'alpha/kiosk/k1', (s) => s.online);
    const watch = await watchAvailability(k1);
    // The device reconnects with the same client id (and will) before the broker noticed the old connection
    // die: the takeover closes the old connection, whose will must not fire.
    const gone = closedBy(first);
    const second = await connectDevice(ctl, 'alpha/kiosk/k1', offlineWill(k1));
    await gone;
    expect(await watch.settle()).toEqual(['online']);
    expect(await retainedAvailability(k1)).toBe('online');
    expect(ctl.state.get('alpha/kiosk/k1')?.online).toBe(true);
    expect(ctl.broker.isConnected('alpha/kiosk/k1')).toBe(true);
    // The new session's own will still works.
    second.stream.destroy();
    await waitForDevice(ctl, 'alpha/kiosk/k1', (s) => !s.online);
    expect(await retainedAvailability(k1)).toBe('offline');
    await endClient(first, true);
    await endClient(second, true);
  });

  it("keeps a device online while any of its sessions is: a second session ending, or the main one dying, is not the device's end", async () => {
    const b1 = { compound: 'alpha', role: 'bridge' as const, device: 'b1' };
    const main = await connectDevice(ctl, 'alpha/bridge/b1', offlineWill(b1));
    await publish(main, topic(b1, 'availability'), { v: 1, state: 'online', ts: Date.now() }, { retain: true });
    await waitForDevice(ctl, 'alpha/bridge/b1', (s) => s.online);
    const watch = await watchAvailability(b1);

    // A second session (a maintenance tool) comes and goes cleanly.
    const diag = await connectDevice(ctl, 'alpha/bridge/b1', { clientId: 'alpha/bridge/b1/diag' });
    await endClient(diag);
    // The main session dies while another session is connected: its will does not fire.
    const tool = await connectDevice(ctl, 'alpha/bridge/b1', { clientId: 'alpha/bridge/b1/tool' });
    main.stream.destroy();
    await closedBy(main);
    expect(ctl.state.get('alpha/bridge/b1')?.online).toBe(true);
    // The last session ends cleanly (no will): now the device is offline, published once by the controller.
    await endClient(tool);
    await waitForDevice(ctl, 'alpha/bridge/b1', (s) => !s.online);
    expect(await watch.settle()).toEqual(['online', 'offline']);
    expect(await retainedAvailability(b1)).toBe('offline');
    await endClient(main, true);
  });

  it('rejects an availability published without the retain flag', async () => {
    const g02 = { compound: 'alpha', role: 'group' as const, device: 'g02' };
    const group = await connectDevice(ctl, 'alpha/group/g02');
    await publish(group, topic(g02, 'availability'), { v: 1, state: 'online', ts: Date.now() }, { retain: true });
    await waitForDevice(ctl, 'alpha/group/g02', (s) => s.online);
    await subscribe(group, topic(g02, 'error'));
    const error = nextMessage<DeviceError>(group, topic(g02, 'error'));
    await publish(group, topic(g02, 'availability'), { v: 1, state: 'offline', ts: Date.now() }, { retain: false });
    expect(await error).toMatchObject({ code: 'CAIDENG_MQTT_RETAIN_REQUIRED', topic: topic(g02, 'availability') });
    expect(ctl.state.get('alpha/group/g02')?.online).toBe(true);
    await endClient(group);
  });
});

describe('stopping the controller', () => {
  it('marks connected devices offline in memory and store, and logs no warning', async () => {
    const dataDir = tempDir();
    const lines: Array<{ level: number; msg: string }> = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as { level: number; msg: string });
        done();
      },
    });
    const logger = pino({ level: 'warn' }, sink);
    const own = await startController(
      { dataDir, registryFile: SMALL_COUNTY, http: { host: '127.0.0.1', port: 0 }, mqtt: { host: '127.0.0.1', port: 0 } },
      { logger },
    );
    const { readProvisioning } = await import('@caideng/controller');
    const secrets = new Map(readProvisioning(dataDir)!.devices.map((d) => [d.username, d.password]));
    const usernames = ['alpha/group/g01', 'alpha/group/g02', 'alpha/kiosk/k1', 'beta/group/g01'];
    const clients: MqttClient[] = [];
    for (const username of usernames) {
      const [compound, role, device] = username.split('/') as [string, 'group', string];
      const address = { compound, role, device };
      // Half with a will, half without: neither kind may be published during the stop.
      const will = clients.length % 2 === 0 ? offlineWill(address) : {};
      // One over WebSocket: its session must not hold the HTTP server open.
      const url = username === 'alpha/kiosk/k1' ? own.wsUrl : own.mqttUrl;
      const c = await connectDevice({ ...own, password: (u: string) => secrets.get(u)! } as unknown as TestController, username, will, url);
      await publish(c, topic(address, 'availability'), { v: 1, state: 'online', ts: Date.now() }, { retain: true });
      await waitForDevice(own, username, (s) => s.online);
      clients.push(c);
    }
    // As on Ctrl-C under npm start: devices (the simulated county) leave while the controller stops; the one
    // on WebSocket stays until the controller closes it.
    const [g01c, g02c, k1ws, beta] = clients as [MqttClient, MqttClient, MqttClient, MqttClient];
    const leaving = [endClient(g01c), Promise.resolve(g02c.stream.destroy()), endClient(beta)];
    const stopping = Date.now();
    await own.stop();
    expect(Date.now() - stopping).toBeLessThan(5000);
    await Promise.all(leaving);
    for (const username of usernames) expect(own.state.get(username)?.online, username).toBe(false);
    expect(lines.filter((l) => l.level >= 40)).toEqual([]);
    const db = new Database(join(dataDir, 'caideng.sqlite'), { readonly: true });
    const rows = db.prepare('SELECT username, online FROM device_status WHERE username IN (?, ?, ?, ?)').all(...usernames) as Array<{ username: string; online: number }>;
    db.close();
    expect(rows.map((r) => [r.username, r.online]).sort()).toEqual(usernames.map((u) => [u, 0]).sort());
    await endClient(k1ws, true);
    rmSync(dataDir, { recursive: true, force: true });
  });
});
