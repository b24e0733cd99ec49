/**
 * How much a lantern group draws. The simulator's power model is deliberately simple: standby plus rated
 * power × output level × a per-scene mean factor (an animated scene is not at full output all the time).
 *
 * This is the hook for `@caideng/scenes`: once its power estimate exists (rendering a scene's frames and
 * averaging their channel levels), pass it as `powerModel` to the lantern group or the fleet and nothing
 * else changes here.
 */
import type { GroupState, SceneRef } from '@caideng/protocol';
import type { Fixture } from './credentials.js';

export interface PowerInput {
  fixture: Fixture;
  channels: number;
  ratedWatts: number;
  power: GroupState['power'];
  brightness: number;
  /** The scene playing, or null for a steady output. */
  scene: SceneRef | null;
  /** Time since the scene started, ms (negative before its synchronized startAt). */
  sceneTimeMs: number;
}

/** Mean output in [0, 1] of a scene relative to a steady light, and watts for one telemetry sample. */
export type PowerModel = (input: PowerInput) => number;

/** Watts a group draws with its output off: driver, controller board, radio. */
export const STANDBY_WATTS = 1.5;

/**
 * Mean output factors of the built-in catalog's scenes, by name. Steady lanterns (ox, carp, lotus, wheat-ear)
 * burn at full; chases and twinkles average around 0.6. Unknown scenes count as animated.
 */
const SCENE_FACTORS: Readonly<Record<string, number>> = {
  steady: 1,
  'ox-lantern': 1,
  'carp-lantern': 1,
  'lotus-lantern': 1,
  'wheat-ear': 1,
  'sky-full-of-stars': 0.6,
  'meteor-shower': 0.6,
};
export const ANIMATED_SCENE_FACTOR = 0.6;

export function sceneFactor(scene: SceneRef | null): number {
  if (!scene) return 1;
  return SCENE_FACTORS[scene.name] ?? ANIMATED_SCENE_FACTOR;
}

/** The default power model (see the module comment). Noise is added by the lantern group, not here. */
export const meanScenePowerModel: PowerModel = (input) => {
  if (input.power === 'off') return STANDBY_WATTS;
  // Before a synchronized start the group holds its previous look; the mean factor is close enough for that.
  return STANDBY_WATTS + input.ratedWatts * (input.brightness / 255) * sceneFactor(input.scene);
};
