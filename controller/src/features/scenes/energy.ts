/**
 * The energy estimate itself: pure, synchronous rendering with the scenes library's power model. It runs
 * in a worker thread (estimateWorker.ts); this module has no I/O so the worker and tests share it.
 */
import { estimateEnergy, layoutForGroup, type Scene } from '@caideng/scenes';
import type { EnergyEstimate, GroupEstimate, LanternGroupInfo } from '@caideng/protocol';

export type { GroupEstimate };

/** What the estimate needs of a group. */
export type EstimateGroup = Pick<LanternGroupInfo, 'id' | 'fixture' | 'channels' | 'ratedWatts'>;

export interface EstimateOptions {
  /** Group brightness 0-255. */
  brightness: number;
  /** How long the scene plays. */
  minutes: number;
  seed: number;
}

export type EstimateResult = Pick<EnergyEstimate, 'groups' | 'total'>;

/**
 * The catalog's scenes loop within a minute; a longer span is the average over this window, scaled.
 * 600 frames per group: about 20 ms of rendering for a 300-pixel string.
 */
export const ESTIMATE_WINDOW_MS = 60_000;
export const ESTIMATE_STEP_MS = 100;
/** Rendering a frame costs about as much as this many pixels besides the pixels themselves (measured). */
const FRAME_OVERHEAD = 128;

const round1 = (v: number) => Math.round(v * 10) / 10;
const windowMs = (minutes: number) => Math.min(minutes * 60_000, ESTIMATE_WINDOW_MS);

/** The rendering an estimate needs: frames × (pixels + 128), summed over the groups. */
export function estimateWork(groups: readonly EstimateGroup[], minutes: number): number {
  const frames = Math.ceil(windowMs(minutes) / ESTIMATE_STEP_MS);
  let work = 0;
  for (const g of groups) work += frames * (g.channels + FRAME_OVERHEAD);
  return work;
}

export function estimateGroups(scene: Scene, groups: readonly EstimateGroup[], options: EstimateOptions): EstimateResult {
  const span = windowMs(options.minutes);
  const out: GroupEstimate[] = [];
  for (const g of groups) {
    const layout = layoutForGroup({ kind: g.fixture, channels: g.fixture === 'pixels' ? g.channels * 3 : g.channels, ratedWatts: g.ratedWatts });
    const e = estimateEnergy(scene, layout, 0, span, ESTIMATE_STEP_MS, { brightness: options.brightness, seed: options.seed });
    out.push({
      group: g.id,
      ratedWatts: g.ratedWatts,
      averageWatts: round1(e.averageWatts),
      peakWatts: round1(e.peakWatts),
      wattHours: round1((e.averageWatts * options.minutes) / 60),
    });
  }
  const sum = (k: 'averageWatts' | 'peakWatts' | 'wattHours') => round1(out.reduce((a, g) => a + g[k], 0));
  return { groups: out, total: { averageWatts: sum('averageWatts'), peakWatts: sum('peakWatts'), wattHours: sum('wattHours') } };
}
