/**
 * @caideng/scenes — lantern scenes, rendered deterministically. Pure: no I/O, no clock, no
 * Math.random; time and seeds come in as arguments. Used by the firmware bridge (real lanterns),
 * the simulators, the controller (energy estimates) and the dashboard (previews).
 */
export { SCENE_ID_PATTERN, isSceneId } from './ids.js';
export { NAMED_COLORS, COLOR_PATTERN, isColor, parseColor, type Rgb, type ColorName } from './color.js';
export { NAMED_PALETTES, PALETTE_NAMES, type PaletteName } from './palettes.js';
export { hash32, hash30, HASH30_UNIT, hashUnit, mulberry32, deriveSeed } from './random.js';
export {
  FIXTURE_KINDS,
  createLayout,
  layoutForGroup,
  channelsOf,
  type FixtureKind,
  type FixtureSpec,
  type GroupSpec,
  type Layout,
  type LayoutFixture,
  type Strand,
} from './fixtures.js';
export { EFFECTS, EFFECT_TYPES, type EffectType, type EffectDef, type EffectInstance, type EffectSpec } from './effects/index.js';
export { SceneSchema, LayerSchema, BLEND_MODES, validateScene, type Scene, type Layer, type BlendMode, type SceneError, type ValidationResult } from './schema.js';
export { Renderer, SceneValidationError, renderFrame, type RendererOptions, type PlayOptions } from './render.js';
export { FLASH_MAX_PER_SECOND, FLASH_THRESHOLD, FLASH_WINDOW_MS, fieldLevel, fieldWeights } from './flash.js';
export { estimateWatts, estimateEnergy, type EnergyEstimate, type EnergyOptions } from './power.js';
export {
  ZODIAC_ANIMALS,
  ZODIAC_CHINESE,
  chineseNewYear,
  lanternFestival,
  lunarYearOf,
  zodiacForLunarYear,
  zodiacForDate,
  chinaDate,
  type CivilDate,
  type ZodiacAnimal,
} from './lunar.js';
export {
  CATALOG,
  SCENE_NAMES,
  catalogEntry,
  sceneParams,
  resolveScene,
  type ResolveResult,
  type CatalogEntry,
  type ParamSpec,
  type SceneParams,
  type ParamValue,
  type BuildContext,
} from './catalog/index.js';
// schedule: rules, the Chinese calendar, sun times, resolution and plans (scenes/src/schedule/index.ts lists them)
export * from './schedule/index.js';
