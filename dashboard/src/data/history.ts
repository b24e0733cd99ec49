/**
 * Power over the last hour, county total and per compound, sampled from the `summaries` the controller
 * pushes once a second. When the page opens, the hour before is filled from the controller's history
 * (`/api/history`, 10 s buckets per compound), so the chart starts drawn instead of empty.
 */
import type { CompoundSummary, SnapshotPart } from '@caideng/protocol';
import { refCounted, writable } from '../lib/store';
import { county } from './county';
import { subscribeLive } from './live';
import { fetchHistory } from './metrics';
import { withSocket } from './socket';

export const HISTORY_WINDOW_MS = 60 * 60_000;

export interface PowerSample {
  ts: number;
  total: number;
  byCompound: Readonly<Record<string, number>>;
}

export const powerHistory = writable<readonly PowerSample[]>([]);

function record(ts: number, summaries: CompoundSummary[]): void {
  const byCompound: Record<string, number> = {};
  let total = 0;
  for (const s of summaries) {
    byCompound[s.id] = s.watts;
    total += s.watts;
  }
  const sample: PowerSample = { ts, total: Math.round(total * 10) / 10, byCompound };
  powerHistory.update((prev) => {
    const cutoff = ts - HISTORY_WINDOW_MS;
    let start = 0;
    while (start < prev.length && prev[start]!.ts < cutoff) start++;
    // Out-of-order samples (an HTTP answer after a push) would fold the line back on itself.
    const last = prev[prev.length - 1];
    if (last && last.ts >= ts) return prev;
    return [...prev.slice(start), sample];
  });
}

/** Puts the stored hour before the live samples (a sample older than the first live one, per 10 s bucket). */
function seed(perCompound: ReadonlyArray<{ id: string; points: ReadonlyArray<readonly [number, number]> }>): void {
  const byTs = new Map<number, Record<string, number>>();
  for (const { id, points } of perCompound) {
    for (const [ts, watts] of points) {
      let row = byTs.get(ts);
      if (!row) byTs.set(ts, (row = {}));
      row[id] = watts;
    }
  }
  const samples: PowerSample[] = [...byTs.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([ts, byCompound]) => ({ ts, byCompound, total: Math.round(Object.values(byCompound).reduce((a, b) => a + b, 0) * 10) / 10 }));
  powerHistory.update((prev) => {
    const firstLive = prev[0]?.ts ?? Infinity;
    return [...samples.filter((s) => s.ts < firstLive), ...prev];
  });
}

function loadStoredHour(signal: AbortSignal): void {
  const start = (ids: string[]) => {
    const to = Date.now();
    const from = to - HISTORY_WINDOW_MS;
    void Promise.all(ids.map((id) => fetchHistory({ series: 'power', compound: id, from, to, level: 'raw' }, signal).then((a) => ({ id, points: a.points }))))
      .then((perCompound) => {
        if (!signal.aborted) seed(perCompound);
      })
      // No stored history (or no access to it): the chart starts with the live samples, as before.
      .catch(() => undefined);
  };
  const now = county.get();
  if (now.status === 'ready') return start(now.county.compounds.map((c) => c.id));
  const off = county.subscribe((c) => {
    if (c.status !== 'ready') return;
    off();
    if (!signal.aborted) start(c.county.compounds.map((x) => x.id));
  });
  signal.addEventListener('abort', off, { once: true });
}

export const subscribePowerHistory = refCounted(() => {
  const stopLive = subscribeLive();
  const aborter = new AbortController();
  if (powerHistory.get().length === 0) loadStoredHour(aborter.signal);
  const stopSocket = withSocket((socket) => {
    const onSummaries = (p: { ts: number; summaries: CompoundSummary[] }) => record(p.ts, p.summaries);
    // Only a snapshot's first part carries the summaries.
    const onSnapshot = (p: SnapshotPart) => {
      if (p.part === 0) record(p.ts, p.summaries);
    };
    socket.on('snapshot', onSnapshot);
    socket.on('summaries', onSummaries);
    return () => {
      socket.off('snapshot', onSnapshot);
      socket.off('summaries', onSummaries);
    };
  });
  return () => {
    aborter.abort();
    stopSocket();
    stopLive();
  };
});
