/**
 * Live push: a browser client subscribed over socket.io receives a snapshot, then batched device
 * changes for its compounds only.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import type { MqttClient } from 'mqtt';
import { topic, type ClientToServerEvents, type DeviceStatus, type ServerToClientEvents, type SnapshotPart, type SubscribeResult } from '@caideng/protocol';
import { connectDevice, endClient, publish, startTestController, waitForDevice, type TestController, apiFetch } from './helpers.js';

type Viewer = Socket<ServerToClientEvents, ClientToServerEvents>;

let ctl: TestController;
let socket: Socket<ServerToClientEvents, ClientToServerEvents>;
let group: MqttClient;

beforeAll(async () => {
  ctl = await startTestController({ realtime: { batchMs: 20 } });
  socket = io(ctl.httpUrl, { path: '/socket.io', transports: ['websocket'], reconnection: false, auth: { token: ctl.operatorToken() } });
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
    const snapshot = new Promise<SnapshotPart>((resolve) => socket.once('snapshot', resolve));
    const ack = await new Promise<{ ok: boolean; compounds: string[] }>((resolve) => socket.emit('subscribe', ['alpha'], resolve));
    expect(ack).toEqual({ ok: true, compounds: ['alpha'] });
    const snap = await snapshot;
    // Fewer devices than a part holds: one part, the last.
    expect(snap).toMatchObject({ part: 0, last: true });
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

async function viewer(ctl: TestController): Promise<Viewer> {
  const v: Viewer = io(ctl.httpUrl, { path: '/socket.io', transports: ['websocket'], reconnection: false, auth: { token: ctl.operatorToken() } });
  await new Promise<void>((resolve, reject) => {
    v.once('connect', () => resolve());
    v.once('connect_error', reject);
  });
  return v;
}

/** Subscribes and collects the snapshot's parts until the ack. */
async function subscribeAll(v: Viewer, compounds: string[] | '*'): Promise<{ ack: SubscribeResult; parts: SnapshotPart[] }> {
  const parts: SnapshotPart[] = [];
  const onPart = (p: SnapshotPart) => parts.push(p);
  v.on('snapshot', onPart);
  const ack = await new Promise<SubscribeResult>((resolve) => v.emit('subscribe', compounds, resolve));
  v.off('snapshot', onPart);
  return { ack, parts };
}

describe('snapshot in parts', () => {
  let small: TestController;
  beforeAll(async () => {
    small = await startTestController({ realtime: { batchMs: 20, snapshotChunkDevices: 3 } });
  });
  afterAll(async () => {
    await small.dispose();
  });

  it("sends '*' in parts of at most snapshotChunkDevices devices, the summaries in the first", async () => {
    const v = await viewer(small);
    try {
      const { ack, parts } = await subscribeAll(v, '*');
      expect(ack.ok).toBe(true);
      // The small county has 8 devices (alpha: 3 groups, 1 kiosk, 1 bridge; beta: 2 groups, 1 kiosk).
      expect(parts.map((p) => p.devices.length)).toEqual([3, 3, 2]);
      expect(parts.map((p) => p.part)).toEqual([0, 1, 2]);
      expect(parts.map((p) => p.last)).toEqual([false, false, true]);
      expect(new Set(parts.map((p) => p.snapshot)).size).toBe(1);
      expect(parts[0]!.summaries.map((s) => s.id)).toEqual(['alpha', 'beta']);
      expect(parts.slice(1).every((p) => p.summaries.length === 0)).toBe(true);
      const keys = parts.flatMap((p) => p.devices.map((d) => `${d.compound}/${d.kind}/${d.id}`));
      expect(new Set(keys).size).toBe(8);
      expect(keys).toEqual(small.state.list().map((d) => `${d.compound}/${d.kind}/${d.id}`));
    } finally {
      v.close();
    }
  });

  it('lets the latest of two quick subscribes decide the rooms and the snapshot', async () => {
    const v = await viewer(small);
    try {
      const parts: SnapshotPart[] = [];
      v.on('snapshot', (p) => parts.push(p));
      const first = new Promise<SubscribeResult>((resolve) => v.emit('subscribe', '*', resolve));
      const second = new Promise<SubscribeResult>((resolve) => v.emit('subscribe', ['beta'], resolve));
      expect(await second).toEqual({ ok: true, compounds: ['beta'] });
      await first;
      const [server] = await small.realtime.io!.fetchSockets();
      expect([...server!.rooms].filter((r) => r.startsWith('compound:'))).toEqual(['compound:beta']);
      const latest = Math.max(...parts.map((p) => p.snapshot));
      expect(parts.filter((p) => p.snapshot === latest).flatMap((p) => p.devices.map((d) => d.compound))).toEqual(['beta', 'beta', 'beta']);
    } finally {
      v.close();
    }
  });
});

describe('socket.io rate limits', () => {
  let limited: TestController;
  beforeAll(async () => {
    limited = await startTestController({
      realtime: { subscribeBurst: 2, subscribePerS: 0.001, eventBurst: 6, eventsPerS: 0.001, floodDisconnectAfter: 3 },
    });
  });
  afterAll(async () => {
    await limited.dispose();
  });

  it('answers a subscribe over the limit with an error, counts it, and disconnects a connection that keeps flooding', async () => {
    const v = await viewer(limited);
    try {
      for (let i = 0; i < 2; i++) expect((await subscribeAll(v, ['alpha'])).ack.ok).toBe(true);
      const refused = await new Promise<SubscribeResult>((resolve) => v.emit('subscribe', ['alpha'], resolve));
      expect(refused).toMatchObject({ ok: false, code: 'CAIDENG_ERR_RATE_LIMITED' });
      expect(limited.realtime.counters.rateLimited).toBe(1);
      const gone = new Promise<string>((resolve) => v.once('disconnect', resolve));
      v.emit('subscribe', ['alpha']);
      v.emit('subscribe', ['alpha']);
      expect(await gone).toBe('io server disconnect');
      expect(limited.realtime.counters).toMatchObject({ rateLimited: 3, floodDisconnects: 1 });
      const metrics = (await (await apiFetch(limited, `/api/metrics`)).json()) as { realtime: Record<string, number> };
      expect(metrics.realtime).toMatchObject({ rateLimited: 3, floodDisconnects: 1 });
    } finally {
      v.close();
    }
  });

  it('limits every event, known or not', async () => {
    const v = await viewer(limited);
    try {
      const before = limited.realtime.counters.rateLimited;
      // Six events pass (they are unknown and go nowhere), the seventh is refused with an answer.
      for (let i = 0; i < 6; i++) (v as unknown as { emit(e: string): void }).emit('nothing');
      const answer = await new Promise<SubscribeResult>((resolve) => (v as unknown as { emit(e: string, ack: (r: SubscribeResult) => void): void }).emit('nothing', resolve));
      expect(answer).toMatchObject({ ok: false, code: 'CAIDENG_ERR_RATE_LIMITED' });
      expect(limited.realtime.counters.rateLimited).toBe(before + 1);
    } finally {
      v.close();
    }
  });
});

describe('shutdown', () => {
  it('stops promptly while a browser is connected', async () => {
    const other = await startTestController();
    const viewer = io(other.httpUrl, { path: '/socket.io', transports: ['websocket'], reconnection: false, auth: { token: other.operatorToken() } });
    await new Promise<void>((resolve) => viewer.once('connect', () => resolve()));
    const disconnected = new Promise<string>((resolve) => viewer.once('disconnect', (reason) => resolve(reason)));
    const started = Date.now();
    await other.dispose();
    expect(await disconnected).toBe('io server disconnect');
    expect(Date.now() - started).toBeLessThan(5000);
    viewer.close();
  });
});

describe('batches', () => {
  let big: TestController;
  beforeAll(async () => {
    // The batch timer stays out of the way: the test sends the batch itself.
    big = await startTestController({ realtime: { batchMs: 5000 } });
  });
  afterAll(async () => {
    await big.dispose();
  });

  it('sends each viewer one message per batch for all its compounds, encoded once per set of compounds', async () => {
    const all = await viewer(big);
    const alphaOnly = await viewer(big);
    const alsoAll = await viewer(big);
    const a = await connectDevice(big, 'alpha/group/g01');
    const b = await connectDevice(big, 'beta/group/g02');
    try {
      expect((await subscribeAll(all, '*')).ack.ok).toBe(true);
      expect((await subscribeAll(alphaOnly, ['alpha'])).ack.ok).toBe(true);
      expect((await subscribeAll(alsoAll, '*')).ack.ok).toBe(true);
      const received = new Map<Viewer, Array<{ changes: DeviceStatus[] }>>([all, alphaOnly, alsoAll].map((v) => [v, []]));
      for (const [v, list] of received) v.on('devices', (p) => list.push(p));
      let ts = Date.now();
      // The messages that carry this attempt's readings, as `compound/group` lists.
      const seen = (v: Viewer) =>
        received
          .get(v)!
          .map((p) => p.changes.filter((d) => d.telemetryTs === ts).map((d) => `${d.compound}/${d.id}`))
          .filter((l) => l.length > 0)
          .map((l) => l.sort());
      // The batch timer may fire (every 5 s) between the two readings: then the attempt is made again.
      for (let attempt = 0; ; attempt++) {
        ts = Date.now() + attempt;
        const batchesBefore = big.realtime.counters.batches;
        await publish(a, topic({ compound: 'alpha', role: 'group', device: 'g01' }, 'telemetry'), { v: 1, ts, watts: 11, faults: [], uptimeS: 1 });
        await publish(b, topic({ compound: 'beta', role: 'group', device: 'g02' }, 'telemetry'), { v: 1, ts, watts: 22, faults: [], uptimeS: 1 });
        await waitForDevice(big, 'alpha/group/g01', (d) => d.telemetryTs === ts);
        await waitForDevice(big, 'beta/group/g02', (d) => d.telemetryTs === ts);
        if (big.realtime.counters.batches !== batchesBefore && attempt < 3) continue;
        expect(big.realtime.queued).toBe(2);
        big.realtime.flush();
        // Two sets of compounds watched ('*' twice, and alpha): two messages encoded, one per room.
        expect(big.realtime.counters.batches - batchesBefore).toBe(2);
        break;
      }
      await vi.waitFor(() => expect([all, alphaOnly, alsoAll].every((v) => seen(v).length === 1)).toBe(true));
      expect(seen(all)).toEqual([['alpha/g01', 'beta/g02']]);
      expect(seen(alsoAll)).toEqual([['alpha/g01', 'beta/g02']]);
      expect(seen(alphaOnly)).toEqual([['alpha/g01']]);
    } finally {
      await endClient(a, true);
      await endClient(b, true);
      for (const v of [all, alphaOnly, alsoAll]) v.close();
    }
  });
});
