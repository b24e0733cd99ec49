/**
 * What the county wall needs beyond the live state: what the schedule says every group should show now
 * (GET /api/schedule/now, with each compound's energy budget) and tonight's energy of the compounds that
 * have a budget (GET /api/energy). Fetched when the wall opens, again when the schedule's next change is
 * due, every half minute, and after every reconnect (what changed while the socket was down is not pushed).
 */
import type { SceneRef } from '@caideng/protocol';
import { refCounted, writable } from '../lib/store';
import { getJson } from './api';
import { withSocket } from './socket';

export interface NowIntent {
  group: string;
  power: 'on' | 'off';
  brightness: number;
  scene: SceneRef | null;
  ruleId: string | null;
  overrideId: string | null;
  reason: 'rule' | 'override' | 'curfew' | 'quiet' | 'budget' | 'idle';
  since: number;
  until: number | null;
}

export interface ScheduleNow {
  ts: number;
  compounds: Array<{ compound: string; intents: NowIntent[]; budgetKwh: number | null }>;
}

export interface WallData {
  loaded: boolean;
  /** Controller time of the answer, epoch ms. */
  ts: number;
  /** The controller's (schedule) clock minus this browser's, ms: the demo's clock may be shifted. */
  offsetMs: number;
  intents: ReadonlyMap<string, ReadonlyMap<string, NowIntent>>;
  budgets: ReadonlyMap<string, number>;
  /** Tonight's kWh so far, for the compounds with a budget. */
  energy: ReadonlyMap<string, number>;
}

export const wallData = writable<WallData>({ loaded: false, ts: 0, offsetMs: 0, intents: new Map(), budgets: new Map(), energy: new Map() });

export const fetchScheduleNow = (signal?: AbortSignal) => getJson<ScheduleNow>('/api/schedule/now', signal);

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** A lantern night runs noon to noon, Beijing time (as /api/energy counts nights). */
export function nightStart(now: number): number {
  return Math.floor((now + 8 * HOUR - 12 * HOUR) / DAY) * DAY + 4 * HOUR;
}

const REFRESH_MS = 30_000;

export const subscribeWallData = refCounted(() => {
  const abort = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let generation = 0;
  const load = async () => {
    clearTimeout(timer);
    const mine = ++generation;
    try {
      const now = await fetchScheduleNow(abort.signal);
      if (mine !== generation) return;
      const budgets = new Map(now.compounds.flatMap((c) => (c.budgetKwh === null ? [] : [[c.compound, c.budgetKwh] as const])));
      wallData.update((prev) => ({
        ...prev,
        loaded: true,
        ts: now.ts,
        offsetMs: now.ts - Date.now(),
        intents: new Map(now.compounds.map((c) => [c.compound, new Map(c.intents.map((i) => [i.group, i]))])),
        budgets,
      }));
      const from = nightStart(now.ts);
      const energy = await Promise.all(
        [...budgets.keys()].map((compound) =>
          getJson<{ kWh: number }>(`/api/energy?compound=${encodeURIComponent(compound)}&from=${from}`, abort.signal).then(
            (e) => [compound, e.kWh] as const,
            () => null,
          ),
        ),
      );
      if (mine === generation) wallData.update((prev) => ({ ...prev, energy: new Map(energy.filter((e) => e !== null)) }));
      // Again when the schedule changes next (a show starts or ends), at the latest in half a minute.
      const next = now.compounds.flatMap((c) => c.intents.flatMap((i) => (i.until === null ? [] : [i.until])));
      const dueIn = next.length ? Math.min(...next) - now.ts + 1000 : REFRESH_MS;
      timer = setTimeout(() => void load(), Math.max(1000, Math.min(REFRESH_MS, dueIn)));
    } catch {
      if (!abort.signal.aborted) timer = setTimeout(() => void load(), 5000);
    }
  };
  void load();
  const stopSocket = withSocket((socket) => {
    const onConnect = () => void load();
    socket.on('connect', onConnect);
    return () => socket.off('connect', onConnect);
  });
  return () => {
    abort.abort();
    clearTimeout(timer);
    stopSocket();
  };
});
