/**
 * Live status of every device and every compound's summary. The first subscriber fetches GET /api/state
 * (page by page), joins every compound over socket.io (`subscribe '*'`), then applies the `snapshot` (in
 * parts), the `devices` batches and the `summaries` the controller pushes. One cache, shared by all components.
 */
import type { CompoundSummary, DeviceKind, DeviceStatus, SnapshotPart, StatePage } from '@caideng/protocol';
import { refCounted, writable } from '../lib/store';
import { getJson, reportForbidden } from './api';
import { markLive, withSocket } from './socket';

export type { CompoundSummary, DeviceKind, DeviceStatus };

export interface LiveState {
  /** Whether a full picture (HTTP state or socket snapshot) has arrived. */
  loaded: boolean;
  /** Controller time of the latest update applied, epoch ms. */
  ts: number;
  /** Keyed by `deviceKey()`. A batch replaces only the devices it names; the others keep their object. */
  devices: ReadonlyMap<string, DeviceStatus>;
  summaries: ReadonlyMap<string, CompoundSummary>;
}

export const live = writable<LiveState>({ loaded: false, ts: 0, devices: new Map(), summaries: new Map() });

export const deviceKey = (compound: string, kind: DeviceKind, id: string) => `${compound}/${kind}/${id}`;

/** Every device's status, following the pages of GET /api/state; the summaries come with the first page. */
export async function fetchState(signal?: AbortSignal): Promise<{ ts: number; devices: DeviceStatus[]; summaries: CompoundSummary[] }> {
  const first = await getJson<StatePage>('/api/state', signal);
  const devices = [...first.devices];
  for (let next = first.next; next !== undefined; ) {
    const page: StatePage = await getJson<StatePage>(`/api/state?cursor=${encodeURIComponent(next)}`, signal);
    devices.push(...page.devices);
    next = page.next;
  }
  return { ts: first.ts, devices, summaries: first.summaries };
}

/** How a lantern group looks on the page. A fault outranks power; offline outranks both (its faults are old news). */
export type GroupCondition = 'online' | 'off' | 'fault' | 'offline';

export function groupCondition(s: DeviceStatus | undefined): GroupCondition {
  if (!s || !s.online) return 'offline';
  if (s.faults && s.faults.length > 0) return 'fault';
  if (s.state?.power === 'off') return 'off';
  return 'online';
}

function replaceAll(ts: number, devices: DeviceStatus[], summaries: CompoundSummary[]): void {
  live.set({
    loaded: true,
    ts,
    devices: new Map(devices.map((d) => [deviceKey(d.compound, d.kind, d.id), d])),
    summaries: new Map(summaries.map((s) => [s.id, s])),
  });
}

export const subscribeLive = refCounted(() => {
  const abort = new AbortController();
  // The HTTP state paints the page before the socket is up; it never overwrites a snapshot.
  fetchState(abort.signal)
    .then((state) => {
      if (!live.get().loaded) replaceAll(state.ts, state.devices, state.summaries);
    })
    .catch(() => undefined /* the socket snapshot will follow */);

  const stopSocket = withSocket((socket) => {
    const join = () =>
      socket.emit('subscribe', '*', (result) => {
        // The snapshot has arrived before this answer; from now on every change is pushed.
        if (result.ok) markLive();
        else if (result.code === 'CAIDENG_ERR_FORBIDDEN') reportForbidden({ method: 'subscribe', path: 'live', code: result.code, message: (result as { message?: string }).message ?? result.error ?? '' });
      });
    // A snapshot arrives in parts; it replaces the cache once complete. Batches that arrive meanwhile are
    // newer than the parts before them, so they go into the snapshot being built as well.
    let building: { snapshot: number; devices: Map<string, DeviceStatus>; summaries: CompoundSummary[] } | null = null;
    const onSnapshot = (p: SnapshotPart) => {
      if (p.part === 0) building = { snapshot: p.snapshot, devices: new Map(), summaries: p.summaries };
      if (!building || building.snapshot !== p.snapshot) return; // a part of a snapshot whose start we missed
      for (const d of p.devices) building.devices.set(deviceKey(d.compound, d.kind, d.id), d);
      if (!p.last) return;
      const done = building;
      building = null;
      live.set({ loaded: true, ts: p.ts, devices: done.devices, summaries: new Map(done.summaries.map((s) => [s.id, s])) });
    };
    const onDevices = (p: { ts: number; changes: DeviceStatus[] }) => {
      if (building) for (const d of p.changes) building.devices.set(deviceKey(d.compound, d.kind, d.id), d);
      live.update((prev) => {
        const devices = new Map(prev.devices);
        for (const d of p.changes) devices.set(deviceKey(d.compound, d.kind, d.id), d);
        return { ...prev, ts: Math.max(prev.ts, p.ts), devices };
      });
    };
    const onSummaries = (p: { ts: number; summaries: CompoundSummary[] }) => {
      if (building) building.summaries = p.summaries;
      live.update((prev) => ({ ...prev, ts: Math.max(prev.ts, p.ts), summaries: new Map(p.summaries.map((s) => [s.id, s])) }));
    };
    // Rooms do not survive a reconnect: join again on every connect; the snapshot that answers replaces the cache.
    socket.on('connect', join);
    socket.on('snapshot', onSnapshot);
    socket.on('devices', onDevices);
    socket.on('summaries', onSummaries);
    if (socket.connected) join();
    return () => {
      socket.off('connect', join);
      socket.off('snapshot', onSnapshot);
      socket.off('devices', onDevices);
      socket.off('summaries', onSummaries);
    };
  });
  return () => {
    abort.abort();
    stopSocket();
  };
});

/** County totals over all compounds' summaries. */
export function totals(summaries: Iterable<CompoundSummary>): Omit<CompoundSummary, 'id'> {
  const t = { groups: 0, groupsOnline: 0, kiosks: 0, kiosksOnline: 0, faults: 0, watts: 0 };
  for (const s of summaries) {
    t.groups += s.groups;
    t.groupsOnline += s.groupsOnline;
    t.kiosks += s.kiosks;
    t.kiosksOnline += s.kiosksOnline;
    t.faults += s.faults;
    t.watts += s.watts;
  }
  t.watts = Math.round(t.watts * 10) / 10;
  return t;
}
