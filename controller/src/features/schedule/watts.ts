/**
 * Watts of a scene on a lantern group, for energy budgets: the scenes library's power model (the same
 * rendering as the energy estimate, energy.ts), at full brightness once per scene and group shape, then
 * scaled by brightness. Stored scenes (not in the catalog) count at the group's rating × brightness: an
 * upper bound, so a budget is never overrun by an estimate too low.
 */
import { catalogEntry, resolveScene } from '@caideng/scenes';
import type { ScheduleSceneRef as SceneRef, SiteGroup } from '@caideng/scenes';
import { estimateGroups } from '../scenes/energy.js';

export class WattsModel {
  /** averageWatts / ratedWatts at brightness 255, by scene and group shape. */
  private readonly factors = new Map<string, number>();

  readonly watts = (scene: SceneRef | null, brightness: number, group: SiteGroup): number => {
    if (brightness <= 0) return 0;
    const rated = (group.ratedWatts * brightness) / 255;
    if (!scene || !catalogEntry(scene.name)) return rated;
    const key = `${scene.name}|${JSON.stringify(scene.params ?? {})}|${group.fixture}|${group.channels}`;
    let factor = this.factors.get(key);
    if (factor === undefined) {
      factor = 1;
      const resolved = resolveScene(scene.name, scene.params ?? {});
      if (resolved.ok && group.ratedWatts > 0) {
        const fixture = group.fixture as Parameters<typeof estimateGroups>[1][number]['fixture'];
        // A one-minute window: the catalog's scenes loop within it (energy.ts).
        const e = estimateGroups(resolved.scene, [{ id: group.id, fixture, channels: group.channels, ratedWatts: group.ratedWatts }], { brightness: 255, minutes: 1, seed: scene.seed ?? 0 });
        factor = Math.min(1, (e.groups[0]?.averageWatts ?? group.ratedWatts) / group.ratedWatts);
      }
      this.factors.set(key, factor);
    }
    return rated * factor;
  };
}
