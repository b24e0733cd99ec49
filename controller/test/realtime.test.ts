/**
 * Live push: a browser client subscribed over socket.io receives a snapshot, then batched device
 * changes for its compounds only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import type { MqttClient } from 'mqtt';
import { topic, type ClientToServerEvents, type DeviceStatus, type ServerToClientEvents } from '@caideng/protocol';
import { connectDevice, endClient, publish, startTestController, waitForDevice, type TestController } from './helpers.js';

let ctl: TestController;
let socket: Socket<ServerToClientEvents, ClientToServerEvents>;
let group: MqttClient;

beforeAll(async () => {
  ctl = await startTestController({ realtime: { batchMs: 20 } });
  socket = io(ctl.httpUrl, { path: '/socket.io', transports: ['websocket'], reconnection: false });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  group = await connectDevice(ctl, 'alpha/group/g01');
});
afterAll(async () => {
  socket.close();
  await endClient(group, true);
  await ctl.dispose();
});

function nextChange(predicate: (d: DeviceStatus) => boolean): Promise<DeviceStatus> {
  return new Promise((resolve) => {
    const onBatch = ({ changes }: { changes: DeviceStatus[] }) => {
      const hit = changes.find(predicate);
      if (!hit) return;
      socket.off('devices', onBatch);
      resolve(hit);
    };
    socket.on('devices', onBatch);
  });
}

describe('realtime', () => {
  it('batches nothing for compounds nobody is watching', async () => {
    const ts = Date.now();
    await publish(group, topic({ compound: 'alpha', role: 'group', device: 'g01' }, 'telemetry'), { v: 1, ts, watts: 5, faults: [], uptimeS: 1 }, { qos: 0 });
    await waitForDevice(ctl, 'alpha/group/g01', (d) => d.telemetryTs === ts);
    expect(ctl.realtime.queued).toBe(0);
    expect(ctl.realtime.counters.changes).toBe(0);
  });

  it('sends a snapshot of the subscribed compounds', async () => {
    const snapshot = new Promise<Parameters<ServerToClientEvents['snapshot']>[0]>((resolve) => socket.once('snapshot', resolve));
    const ack = await new Promise<{ ok: boolean; compounds: string[] }>((resolve) => socket.emit('subscribe', ['alpha'], resolve));
    expect(ack).toEqual({ ok: true, compounds: ['alpha'] });
    const snap = await snapshot;
    expect(new Set(snap.devices.map((d) => d.compound))).toEqual(new Set(['alpha']));
    expect(snap.devices.filter((d) => d.kind === 'group')).toHaveLength(3);
    expect(snap.summaries.map((s) => s.id)).toEqual(['alpha', 'beta']);
  });

  it('pushes telemetry and availability changes live', async () => {
    const g01 = { compound: 'alpha', role: 'group' as const, device: 'g01' };
    const online = nextChange((d) => d.id === 'g01' && d.online);
    await publish(group, topic(g01, 'availability'), { v: 1, state: 'online', ts: Date.now() }, { retain: true });
    expect((await online).kind).toBe('group');
    const ts = Date.now();
    const watts = nextChange((d) => d.id === 'g01' && d.telemetryTs === ts);
    await publish(group, topic(g01, 'telemetry'), { v: 1, ts, watts: 88.5, faults: ['lamp_failure'], uptimeS: 9 }, { qos: 0 });
    expect(await watts).toMatchObject({ watts: 88.5, faults: ['lamp_failure'] });
  });

  it('replaces the previous subscription with a new one', async () => {
    await new Promise((resolve) => socket.emit('subscribe', ['beta'], resolve));
    const [server] = await ctl.realtime.io!.fetchSockets();
    expect([...server!.rooms].filter((r) => r.startsWith('compound:'))).toEqual(['compound:beta']);
    await new Promise((resolve) => socket.emit('subscribe', ['alpha'], resolve));
  });

  it('refuses unknown compounds', async () => {
    const ack = await new Promise<{ ok: boolean; error?: string }>((resolve) => socket.emit('subscribe', ['nowhere'], resolve));
    expect(ack.ok).toBe(false);
    expect(ack.error).toContain('nowhere');
  });
});

describe('shutdown', () => {
  it('stops promptly while a browser is connected', async () => {
    const other = await startTestController();
    const viewer = io(other.httpUrl, { path: '/socket.io', transports: ['websocket'], reconnection: false });
    await new Promise<void>((resolve) => viewer.once('connect', () => resolve()));
    const disconnected = new Promise<string>((resolve) => viewer.once('disconnect', (reason) => resolve(reason)));
    const started = Date.now();
    await other.dispose();
    expect(await disconnected).toBe('io server disconnect');
    expect(Date.now() - started).toBeLessThan(5000);
    viewer.close();
  });
});
