/**
 * Power over the last minutes, county total and per compound, sampled from the `summaries` the
 * controller pushes once a second. Kept in the browser only: the controller has no history endpoint
 * yet, so the chart starts when the page opens.
 */
import type { CompoundSummary, SnapshotPart } from '@caideng/protocol';
import { refCounted, writable } from '../lib/store';
import { subscribeLive } from './live';
import { withSocket } from './socket';

export const HISTORY_WINDOW_MS = 10 * 60_000;

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

export const subscribePowerHistory = refCounted(() => {
  const stopLive = subscribeLive();
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
    stopSocket();
    stopLive();
  };
});
