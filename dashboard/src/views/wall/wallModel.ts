/**
 * The county wall's judgement of one compound, a pure function of the live state and the schedule: the
 * worst condition wins. `dark`: no group online, or the schedule says light and nothing is lit; `wrong`:
 * an online group plays something other than the schedule says; `fault`: a group reports a fault;
 * `partial`: some groups are offline. A change the schedule made in the last few seconds is not counted
 * as wrong: the groups are still being told.
 */
import type { CompoundSummary, DeviceStatus } from '@caideng/protocol';
import type { NowIntent } from '../../data/wall';

export const CONDITIONS = ['dark', 'wrong', 'fault', 'partial', 'ok'] as const;
export type WallCondition = (typeof CONDITIONS)[number];
export const isProblem = (c: WallCondition) => c !== 'ok';

/** How long after a schedule change a group may still show the previous thing. */
export const SETTLE_MS = 15_000;

export interface WallTileModel {
  condition: WallCondition;
  online: number;
  total: number;
  faults: number;
  /** Scenes the online, lit groups play (most groups first); empty when none is lit. */
  playing: string[];
  /** Scenes the schedule says should play now; empty when it says off. */
  expected: string[];
  /** Online groups that show something other than the schedule says. */
  mismatched: number;
  /** Whether the schedule says at least one group should be lit. */
  shouldLight: boolean;
}

const byCount = (names: string[]) => {
  const n = new Map<string, number>();
  for (const s of names) n.set(s, (n.get(s) ?? 0) + 1);
  return [...n.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([s]) => s);
};

export function wallTile(
  summary: CompoundSummary | undefined,
  groups: readonly (DeviceStatus | undefined)[],
  intents: ReadonlyMap<string, NowIntent> | undefined,
  groupIds: readonly string[],
  now: number,
): WallTileModel {
  // The device batches arrive before the next summary (pushed once a second): count from them when known.
  const known = groups.some((g) => g !== undefined);
  const total = known ? groupIds.length : (summary?.groups ?? groupIds.length);
  const online = known ? groups.filter((g) => g?.online).length : (summary?.groupsOnline ?? 0);
  const faults = known ? groups.filter((g) => g?.online && (g.faults?.length ?? 0) > 0).length : (summary?.faults ?? 0);
  const playing: string[] = [];
  const expected: string[] = [];
  let mismatched = 0;
  let lit = 0;
  let shouldLight = false;
  let settledLight = false;
  groupIds.forEach((id, k) => {
    const g = groups[k];
    const intent = intents?.get(id);
    if (intent?.power === 'on') {
      shouldLight = true;
      if (now - intent.since >= SETTLE_MS) settledLight = true;
      if (intent.scene) expected.push(intent.scene.name);
    }
    if (!g?.online) return;
    const on = g.state?.power === 'on';
    if (on) {
      lit++;
      if (g.state?.scene) playing.push(g.state.scene.name);
    }
    if (!intent || now - intent.since < SETTLE_MS) return;
    const want = intent.power === 'on';
    if (want !== on || (want && (intent.scene?.name ?? null) !== (g.state?.scene?.name ?? null))) mismatched++;
  });
  const condition: WallCondition =
    total > 0 && online === 0 ? 'dark' : settledLight && lit === 0 ? 'dark' : mismatched > 0 ? 'wrong' : faults > 0 ? 'fault' : online < total ? 'partial' : 'ok';
  return { condition, online, total, faults, playing: byCount(playing), expected: byCount(expected), mismatched, shouldLight };
}

/** Problems first: the worst condition, then the most groups out, then by name. */
export function problemRank(m: WallTileModel): number {
  return CONDITIONS.indexOf(m.condition) * 10_000 - (m.total - m.online) * 10 - m.faults;
}
