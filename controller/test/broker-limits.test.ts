/**
 * What one connection may cost the broker: packet size checked before parsing (TCP, TLS, WebSocket),
 * sessions per device, no persistent sessions, req/event rates per device, failed CONNECTs per source
 * address, and refused subscriptions counting toward the rejection flood limit. Real controller, real
 * sockets; the limits' arithmetic is tested with injected time.
 */
import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import type net from 'node:net';
import { join } from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { topic, type DeviceError, type DeviceResponse, type KioskReceipt } from '@caideng/protocol';
import { PacketFramer } from '../src/broker/packetGuard.js';
import { FailureLimiter, TokenBuckets } from '../src/broker/limits.js';
import { connect, connectDevice, endClient, nextMessage, publish, startTestController, subscribe, tempDir, type TestController, apiFetch } from './helpers.js';
import { connectPacket, header, openSocket, readBytes, remainingLength } from './rawMqtt.js';

const run = promisify(execFile);
const g01 = { compound: 'alpha', role: 'group' as const, device: 'g01' };
const k1 = { compound: 'alpha', role: 'kiosk' as const, device: 'k1' };
const closed = (socket: net.Socket) => new Promise<void>((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));
const clientClosed = (client: MqttClient) => new Promise<void>((resolve) => client.once('close', () => resolve()));
const metrics = async (ctl: TestController) => (await (await apiFetch(ctl, `/api/metrics`)).json()) as { mqtt: Record<string, number> & { rejectedByCode: Record<string, number> } };

describe('packet framing (unit)', () => {
  it('follows packet boundaries across chunks and refuses a declared length over the limit', () => {
    const framer = new PacketFramer(100);
    const ok = Buffer.concat([header('publish', 90), Buffer.alloc(90), header('publish', 5), Buffer.alloc(5)]);
    // Split at every position: headers and bodies spanning chunks are followed all the same.
    for (let cut = 0; cut <= ok.length; cut++) {
      const f = new PacketFramer(100);
      expect(f.feed(ok.subarray(0, cut))).toBeNull();
      expect(f.feed(ok.subarray(cut))).toBeNull();
    }
    expect(framer.feed(ok)).toBeNull();
    expect(framer.feed(header('publish', 101))).toMatch(/at least 101 bytes, more than the limit of 100/);
    // The length is refused as soon as a continuation byte shows it is too large, before the rest arrives.
    expect(new PacketFramer(100).feed(Buffer.from([0x10, 0x80]))).toMatch(/at least 128/);
    expect(new PacketFramer(2 ** 30).feed(Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff]))).toBe('malformed remaining length');
    expect(remainingLength(200 * 1024 * 1024)).toHaveLength(4);
  });
});

describe('rate limits (unit)', () => {
  it('token buckets spend a burst and refill at the rate', () => {
    const b = new TokenBuckets(2, 3);
    expect([b.take('k', 0), b.take('k', 0), b.take('k', 0), b.take('k', 0)]).toEqual([true, true, true, false]);
    expect(b.take('other', 0)).toBe(true); // one bucket per key
    expect(b.take('k', 499)).toBe(false);
    expect(b.take('k', 500)).toBe(true); // 2 per second: one token every 500 ms
    expect(b.take('k', 10_000)).toBe(true);
    expect([b.take('k', 10_000), b.take('k', 10_000), b.take('k', 10_000)]).toEqual([true, true, false]); // capped at the burst
    const bounded = new TokenBuckets(1, 1, 2);
    bounded.take('a', 0);
    bounded.take('b', 0);
    bounded.take('c', 0);
    expect(bounded.size).toBe(2);
  });

  it('failed CONNECTs block an address for a while, then it may try again', () => {
    const f = new FailureLimiter(3, 60_000, 30_000);
    expect([f.fail('a', 0), f.fail('a', 1), f.blocked('a', 1)]).toEqual([false, false, false]);
    expect(f.fail('a', 2)).toBe(true);
    expect(f.blocked('a', 2)).toBe(true);
    expect(f.blocked('b', 2)).toBe(false);
    expect(f.blocked('a', 30_001)).toBe(true);
    expect(f.blocked('a', 30_002)).toBe(false);
    // Failures spread wider than the window never block.
    const slow = new FailureLimiter(3, 1000, 30_000);
    for (let t = 0; t < 10_000; t += 600) expect(slow.fail('a', t)).toBe(false);
    const bounded = new FailureLimiter(5, 1000, 1000, 100);
    for (let i = 0; i < 1000; i++) bounded.fail(`10.0.${i >> 8}.${i & 255}`, i);
    expect(bounded.size).toBeLessThanOrEqual(100);
  });
});

describe('broker limits', () => {
  let ctl: TestController;
  let certDir: string;
  let ca: Buffer;

  beforeAll(async () => {
    certDir = tempDir('caideng-limits-tls-');
    const [certFile, keyFile] = [join(certDir, 'cert.pem'), join(certDir, 'key.pem')];
    await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=caideng-test', '-addext', 'subjectAltName=IP:127.0.0.1']);
    ca = readFileSync(certFile);
    ctl = await startTestController({ mqtt: { maxPayloadBytes: 8192, tls: { port: 0, certFile, keyFile } } });
  });
  afterAll(async () => {
    await ctl.dispose();
    rmSync(certDir, { recursive: true, force: true });
  });

  it('closes an unauthenticated TCP socket at once when its CONNECT declares more than the packet limit', async () => {
    const before = ctl.broker.counters.oversizedPackets;
    const socket = await openSocket(ctl.broker.tcpPort);
    socket.on('error', () => undefined);
    // Only the fixed header is sent: the connection closes without waiting for the declared megabyte.
    socket.write(header('connect', 1024 * 1024));
    await closed(socket);
    expect(socket.bytesRead).toBe(0); // no CONNACK: it never got to parsing
    expect(ctl.broker.counters.oversizedPackets).toBe(before + 1);
  });

  it('closes a TLS socket the same way', async () => {
    const before = ctl.broker.counters.oversizedPackets;
    const socket = tls.connect({ host: '127.0.0.1', port: ctl.broker.tlsPort!, ca });
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => socket.once('secureConnect', () => resolve()));
    socket.write(header('connect', 50 * 1024 * 1024));
    await closed(socket);
    expect(ctl.broker.counters.oversizedPackets).toBe(before + 1);
  });

  it('closes an authenticated connection whose PUBLISH declares more than the limit, on TCP and on WebSocket', async () => {
    for (const url of [ctl.mqttUrl, ctl.wsUrl]) {
      const before = ctl.broker.counters.oversizedPackets;
      const group = await connectDevice(ctl, 'alpha/group/g01', {}, url);
      const gone = clientClosed(group);
      group.publish(topic(g01, 'telemetry'), Buffer.alloc(64 * 1024, 0x20), { qos: 0 });
      await gone;
      expect(ctl.broker.counters.oversizedPackets, url).toBe(before + 1);
      await endClient(group, true);
    }
  });

  it('still answers a payload over the payload limit but within the packet limit on the error topic, keeping the connection', async () => {
    const group = await connectDevice(ctl, 'alpha/group/g01');
    await subscribe(group, topic(g01, 'error'));
    const error = nextMessage<DeviceError>(group, topic(g01, 'error'));
    await publish(group, topic(g01, 'telemetry'), Buffer.alloc(9000, 0x20), { qos: 1 });
    expect((await error).code).toBe('CAIDENG_MQTT_TOO_LARGE');
    expect(group.connected).toBe(true);
    await endClient(group);
  });

  it('refuses a session beyond maxSessionsPerDevice, and a takeover of an existing client id is not one more', async () => {
    const before = ctl.broker.counters.sessionLimitRefusals;
    const user = 'alpha/monitor/ops';
    const sessions = [await connectDevice(ctl, user)];
    for (const suffix of ['a', 'b', 'c']) sessions.push(await connectDevice(ctl, user, { clientId: `${user}/${suffix}` }));
    await expect(connectDevice(ctl, user, { clientId: `${user}/d` })).rejects.toThrow(/Not authorized/i);
    expect(ctl.broker.counters.sessionLimitRefusals).toBe(before + 1);
    // The same client id again replaces its session.
    const replaced = clientClosed(sessions[1]!);
    sessions[1] = await connectDevice(ctl, user, { clientId: `${user}/a` });
    await replaced;
    // One ends: there is room again.
    await endClient(sessions[2]);
    const d = await connectDevice(ctl, user, { clientId: `${user}/d` });
    expect(d.connected).toBe(true);
    await Promise.all([...sessions, d].map((c) => endClient(c)));
  });

  it('refuses a persistent session (clean: false) with CONNACK 2', async () => {
    const before = ctl.broker.counters.persistentSessionRefusals;
    await expect(connectDevice(ctl, 'alpha/group/g02', { clean: false })).rejects.toThrow(/Identifier rejected/i);
    expect(ctl.broker.counters.persistentSessionRefusals).toBe(before + 1);
    // Over a raw socket too: CONNACK return code 2, then the connection closes.
    const socket = await openSocket(ctl.broker.tcpPort);
    socket.write(connectPacket('alpha/group/g02', ctl.password('alpha/group/g02'), { clean: false }));
    expect([...(await readBytes(socket, 4))]).toEqual([0x20, 2, 0, 2]);
    await closed(socket);
  });

  it('shows the counters under mqtt in /api/metrics', async () => {
    const m = await metrics(ctl);
    for (const name of ['oversizedPackets', 'sessionLimitRefusals', 'persistentSessionRefusals', 'rateLimited', 'addressBlocks', 'blockedConnections', 'floodDisconnects']) {
      expect(typeof m.mqtt[name], name).toBe('number');
    }
    expect(m.mqtt.oversizedPackets).toBeGreaterThanOrEqual(4);
  });
});

describe('rates and floods', () => {
  let ctl: TestController;
  beforeAll(async () => {
    ctl = await startTestController({ mqtt: { deviceMessageBurst: 3, deviceMessagesPerS: 0.001, rejectionsBeforeDisconnect: 5 } });
  });
  afterAll(async () => {
    await ctl.dispose();
  });

  it("rate-limits a device's accepted events, and a bridge acting for it shares its budget", async () => {
    const kiosk = await connectDevice(ctl, 'alpha/kiosk/k1');
    await subscribe(kiosk, 'caideng/v1/alpha/kiosk/k1/#');
    const press = (seq: number) => ({ v: 1, button: 'satisfied', ts: Date.now(), seq });
    for (const seq of [1, 2, 3]) {
      const receipt = nextMessage<KioskReceipt>(kiosk, topic(k1, 'receipt'), (r) => r.seq === seq);
      await publish(kiosk, topic(k1, 'event'), press(seq));
      expect((await receipt).status).toBe('stored');
    }
    const limited = nextMessage<DeviceError>(kiosk, topic(k1, 'error'));
    await publish(kiosk, topic(k1, 'event'), press(4));
    expect(await limited).toMatchObject({ code: 'CAIDENG_MQTT_RATE_LIMITED', topic: topic(k1, 'event') });
    expect(await ctl.presses.count('alpha')).toBe(3);

    const bridge = await connectDevice(ctl, 'alpha/bridge/b1');
    const bridgeError = topic({ compound: 'alpha', role: 'bridge', device: 'b1' }, 'error');
    await subscribe(bridge, bridgeError);
    const toldBridge = nextMessage<DeviceError>(bridge, bridgeError);
    await publish(bridge, topic(k1, 'event'), press(5));
    expect((await toldBridge).code).toBe('CAIDENG_MQTT_RATE_LIMITED');
    expect(await ctl.presses.count('alpha')).toBe(3);

    const m = await metrics(ctl);
    expect(m.mqtt.rateLimited).toBe(2);
    expect(m.mqtt.rejectedByCode.CAIDENG_MQTT_RATE_LIMITED).toBe(2);
    await Promise.all([endClient(kiosk), endClient(bridge)]);
  });

  it('rate-limits requests, per device', async () => {
    const group = await connectDevice(ctl, 'alpha/group/g02');
    const own = { compound: 'alpha', role: 'group' as const, device: 'g02' };
    await subscribe(group, 'caideng/v1/alpha/group/g02/#');
    for (const tx of ['p1', 'p2', 'p3']) {
      const res = nextMessage<DeviceResponse>(group, topic(own, 'res'), (r) => r.tx === tx);
      await publish(group, topic(own, 'req'), { v: 1, tx, ts: Date.now(), method: 'ping' });
      expect((await res).status).toBe('ok');
    }
    const limited = nextMessage<DeviceError>(group, topic(own, 'error'));
    await publish(group, topic(own, 'req'), { v: 1, tx: 'p4', ts: Date.now(), method: 'ping' });
    expect((await limited).code).toBe('CAIDENG_MQTT_RATE_LIMITED');
    // Another device has its own bucket.
    const other = await connectDevice(ctl, 'alpha/group/g03');
    const otherAddress = { compound: 'alpha', role: 'group' as const, device: 'g03' };
    await subscribe(other, topic(otherAddress, 'res'));
    const res = nextMessage<DeviceResponse>(other, topic(otherAddress, 'res'));
    await publish(other, topic(otherAddress, 'req'), { v: 1, tx: 'q1', ts: Date.now(), method: 'ping' });
    expect((await res).status).toBe('ok');
    await Promise.all([endClient(group), endClient(other)]);
  });

  it('counts refused subscriptions toward the rejection flood limit', async () => {
    const before = ctl.broker.counters.floodDisconnects;
    const group = await connectDevice(ctl, 'alpha/group/g01');
    const gone = clientClosed(group);
    for (let i = 0; i < 5; i++) expect(await subscribe(group, `caideng/v1/beta/group/g0${i}/set`)).toBe(128);
    // The sixth refusal in a minute is one too many: the client is disconnected.
    group.subscribe('caideng/v1/beta/#', { qos: 1 }, () => undefined);
    await gone;
    expect(ctl.broker.counters.floodDisconnects).toBe(before + 1);
    await endClient(group, true);
  });
});

describe('failed CONNECTs per source address', () => {
  let ctl: TestController;
  beforeAll(async () => {
    ctl = await startTestController({ mqtt: { connectFailuresPerAddress: 3, connectFailureWindowS: 60, connectBlockS: 60 } });
  });
  afterAll(async () => {
    await ctl.dispose();
  });

  it('refuses an address at once after too many failures, while its live sessions carry on', async () => {
    const live = await connectDevice(ctl, 'alpha/group/g01');
    await subscribe(live, topic(g01, 'res'));
    for (let i = 0; i < 3; i++) {
      await expect(connect(ctl.mqttUrl, { username: 'alpha/group/g02', password: 'wrong', clientId: 'alpha/group/g02' })).rejects.toThrow(/Bad username or password/i);
    }
    expect(ctl.broker.counters.addressBlocks).toBe(1);
    // Even the right password is refused now: the socket is closed before a CONNACK.
    const socket = await openSocket(ctl.broker.tcpPort);
    socket.on('error', () => undefined);
    socket.write(connectPacket('alpha/group/g02', ctl.password('alpha/group/g02')));
    await closed(socket);
    expect(socket.bytesRead).toBe(0);
    expect(ctl.broker.counters.blockedConnections).toBe(1);
    // The device that was connected before the block is unaffected.
    const res = nextMessage<DeviceResponse>(live, topic(g01, 'res'));
    await publish(live, topic(g01, 'req'), { v: 1, tx: 'still-here', ts: Date.now(), method: 'ping' });
    expect((await res).status).toBe('ok');
    expect((await metrics(ctl)).mqtt).toMatchObject({ addressBlocks: 1, blockedConnections: 1 });
    await endClient(live);
  });
});
