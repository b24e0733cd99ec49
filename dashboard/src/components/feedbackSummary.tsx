/**
 * Feedback at a glance for the county overview: each compound's satisfaction index over the last day and
 * its open and escalated tickets (from the shared ticket store, so the counts move live).
 */
import { useEffect, useState } from 'preact/hooks';
import { fetchRecentIndex, subscribeTickets, tickets, type IndexBucket } from '../data/feedback';
import { useStore, useSubscription } from '../lib/store';

export interface CompoundFeedback {
  index: Pick<IndexBucket, 'index' | 'count'> | undefined;
  open: number;
  escalated: number;
}

const REFRESH_MS = 60_000;
const DAY = 86_400_000;

export function useCompoundFeedback(): (compound: string) => CompoundFeedback {
  useSubscription(subscribeTickets);
  const { byCode } = useStore(tickets);
  const [totals, setTotals] = useState<ReadonlyMap<string, Pick<IndexBucket, 'index' | 'count'>>>(new Map());
  useEffect(() => {
    const abort = new AbortController();
    const load = () => {
      fetchRecentIndex({ by: 'night', span: DAY }, abort.signal).then(
        (a) => setTotals(new Map(a.compounds.map((c) => [c.compound, c.total]))),
        () => undefined,
      );
    };
    load();
    const timer = setInterval(load, REFRESH_MS);
    return () => {
      abort.abort();
      clearInterval(timer);
    };
  }, []);
  const counts = new Map<string, { open: number; escalated: number }>();
  for (const t of byCode.values()) {
    if (t.state === 'resolved' || t.state === 'closed') continue;
    const c = counts.get(t.compound) ?? { open: 0, escalated: 0 };
    c.open++;
    if (t.level !== 'compound') c.escalated++;
    counts.set(t.compound, c);
  }
  return (compound) => ({ index: totals.get(compound), ...(counts.get(compound) ?? { open: 0, escalated: 0 }) });
}
