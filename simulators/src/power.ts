/**
 * How much a lantern group draws. Two models: `meanScenePowerModel`, standby plus rated power × output
 * level × a per-scene mean factor (simple, exact numbers for tests), and `renderedScenePowerModel`, which
 * renders the scene's frame at that moment with `@caideng/scenes` — the code a real gateway plays — and
 * meters it with the library's power model. The CLI (the demo county) uses the rendered one.
 */
import { estimateWatts, layoutForGroup, renderFrame, resolveScene, type Layout, type Scene } from '@caideng/scenes';
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
  carp: 1,
  lotus: 1,
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

const layouts = new Map<string, Layout>();
const scenes = new Map<string, Scene | null>();

function layoutOf(input: PowerInput): Layout {
  const key = `${input.fixture}/${input.channels}/${input.ratedWatts}`;
  let layout = layouts.get(key);
  if (!layout) {
    // The registry counts pixels for pixel strings; the scenes library counts channels (3 per pixel).
    const channels = input.fixture === 'pixels' ? input.channels * 3 : input.channels;
    layout = layoutForGroup({ kind: input.fixture, channels, ratedWatts: input.ratedWatts });
    layouts.set(key, layout);
  }
  return layout;
}

function sceneOf(ref: SceneRef): Scene | null {
  const key = `${ref.name}:${JSON.stringify(ref.params ?? {})}`;
  if (!scenes.has(key)) {
    const resolved = resolveScene(ref.name, ref.params ?? {});
    scenes.set(key, resolved.ok ? resolved.scene : null);
  }
  return scenes.get(key)!;
}

/**
 * Watts of the frame the group shows now: the catalog scene rendered at the scene's time, metered by the
 * scenes library. Scenes not in the built-in catalog (stored on the controller) fall back to the mean model.
 */
export const renderedScenePowerModel: PowerModel = (input) => {
  if (input.power === 'off') return STANDBY_WATTS;
  const scene = input.scene ? sceneOf(input.scene) : null;
  if (input.scene && !scene) return meanScenePowerModel(input);
  const layout = layoutOf(input);
  if (!scene) return STANDBY_WATTS + input.ratedWatts * (input.brightness / 255);
  const frame = renderFrame(scene, layout, Math.max(0, input.sceneTimeMs), { brightness: input.brightness, seed: input.scene?.seed ?? 0 });
  return STANDBY_WATTS + estimateWatts(frame, layout);
};
