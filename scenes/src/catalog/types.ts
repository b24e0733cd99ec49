/** The catalog contract: a built-in scene is a named, parameterized builder of scene JSON. */
import type { Scene } from '../schema.js';

export type ParamValue = number | string | boolean;
export type SceneParams = Record<string, ParamValue>;

export type ParamSpec =
  | { type: 'number' | 'integer'; min: number; max: number; default?: number; unit: string; description: string }
  | { type: 'boolean'; default: boolean; description: string }
  | { type: 'color'; default: string; description: string }
  | { type: 'enum'; values: readonly string[]; default?: string; description: string }
  | { type: 'date'; description: string };

export interface BuildContext {
  /** When the scene starts, epoch ms, if known (the command's startAt): the zodiac lantern picks its animal from it. */
  at?: number;
}

export interface CatalogEntry {
  /** Scene id, as sent in `scene.name`. */
  readonly id: string;
  readonly zh: string;
  readonly en: string;
  /** What a person sees, in one line. */
  readonly looks: string;
  readonly params: Readonly<Record<string, ParamSpec>>;
  /** Builds the scene from parameters already checked against `params` (defaults filled). */
  build(params: Readonly<SceneParams>, ctx: BuildContext): Scene | { error: string; path: string };
}

/** Parameters every catalog scene accepts. */
export const COMMON_PARAMS = {
  speed: { type: 'number', min: 0.1, max: 10, default: 1, unit: 'factor', description: 'plays the scene faster or slower' },
  brightness: { type: 'number', min: 0, max: 1, default: 1, unit: 'fraction', description: 'scene brightness, on top of the group brightness' },
} as const satisfies Record<string, ParamSpec>;

export function num(p: Readonly<SceneParams>, key: string): number {
  return p[key] as number;
}

export function str(p: Readonly<SceneParams>, key: string): string {
  return p[key] as string;
}

/** Applies the common parameters to a built scene. */
export function withCommon(scene: Scene, p: Readonly<SceneParams>): Scene {
  return { ...scene, speed: num(p, 'speed'), brightness: (scene.brightness ?? 1) * num(p, 'brightness') };
}
