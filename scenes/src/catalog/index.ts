/**
 * The built-in catalog, one scene per lantern, and `resolveScene`, which turns the bus's
 * `{ name, params }` into a checked scene. Scenes are registered by hand, here.
 */
import { COLOR_HINT, isColor } from '../color.js';
import { validateScene, type Scene, type SceneError } from '../schema.js';
import { carp } from './carp.js';
import { lotus } from './lotus.js';
import { meteorShower } from './meteor-shower.js';
import { oxLantern } from './ox-lantern.js';
import { quietHours } from './quiet-hours.js';
import { redAndGold } from './red-and-gold.js';
import { skyFullOfStars } from './sky-full-of-stars.js';
import { COMMON_PARAMS, withCommon, type BuildContext, type CatalogEntry, type ParamSpec, type SceneParams } from './types.js';
import { warmWhite } from './warm-white.js';
import { wheatEar } from './wheat-ear.js';
import { zodiacLantern } from './zodiac-lantern.js';

export const CATALOG: readonly CatalogEntry[] = [
  oxLantern,
  zodiacLantern,
  carp,
  lotus,
  wheatEar,
  skyFullOfStars,
  meteorShower,
  warmWhite,
  redAndGold,
  quietHours,
];

export const SCENE_NAMES: readonly string[] = CATALOG.map((e) => e.id);

export function catalogEntry(name: string): CatalogEntry | undefined {
  return CATALOG.find((e) => e.id === name);
}

/** Every parameter a catalog scene accepts: its own and the common ones. */
export function sceneParams(entry: CatalogEntry): Readonly<Record<string, ParamSpec>> {
  return { ...COMMON_PARAMS, ...entry.params };
}

export type ResolveResult = { ok: true; scene: Scene } | { ok: false; errors: SceneError[] };

/**
 * The catalog scene `name` with `params` applied, checked: unknown scene, unknown parameter, wrong
 * type and out-of-range values are all reported (every one, with its path under /params).
 * `ctx.at` (the command's startAt, epoch ms) lets the zodiac lantern pick the animal of that date.
 */
export function resolveScene(name: string, params: Readonly<Record<string, unknown>> = {}, ctx: BuildContext = {}): ResolveResult {
  const entry = catalogEntry(name);
  if (!entry) return { ok: false, errors: [{ path: '/name', message: `unknown scene '${name}'; known scenes: ${SCENE_NAMES.join(', ')}` }] };
  if (typeof params !== 'object' || params === null || Array.isArray(params)) return { ok: false, errors: [{ path: '/params', message: 'must be an object' }] };

  const specs = sceneParams(entry);
  const errors: SceneError[] = [];
  const filled: SceneParams = {};
  for (const [key, value] of Object.entries(params)) {
    const spec = specs[key];
    if (!spec) {
      errors.push({ path: `/params/${key}`, message: `unknown parameter '${key}' of scene '${name}'; known: ${Object.keys(specs).join(', ')}` });
      continue;
    }
    const problem = checkParam(spec, value);
    if (problem) errors.push({ path: `/params/${key}`, message: problem });
    else filled[key] = value as SceneParams[string];
  }
  if (errors.length > 0) return { ok: false, errors };
  for (const [key, spec] of Object.entries(specs)) {
    if (filled[key] === undefined && 'default' in spec && spec.default !== undefined) filled[key] = spec.default;
  }

  const built = entry.build(filled, ctx);
  if ('error' in built) return { ok: false, errors: [{ path: built.path, message: built.error }] };
  const scene = withCommon({ ...built, name: entry.id, title: built.title ?? { zh: entry.zh, en: entry.en } }, filled);
  const checked = validateScene(scene);
  return checked.ok ? checked : { ok: false, errors: checked.errors.map((e) => ({ path: `/scene${e.path}`, message: e.message })) };
}

function checkParam(spec: ParamSpec, value: unknown): string | undefined {
  switch (spec.type) {
    case 'number':
    case 'integer': {
      const range = `from ${spec.min} to ${spec.max} (${spec.unit})`;
      if (typeof value !== 'number' || !Number.isFinite(value)) return `must be a${spec.type === 'integer' ? 'n integer' : ' number'} ${range}`;
      if (spec.type === 'integer' && !Number.isInteger(value)) return `must be an integer ${range}`;
      if (value < spec.min || value > spec.max) return `${value} is out of range: must be ${range}`;
      return undefined;
    }
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'must be true or false';
    case 'color':
      return isColor(value) ? undefined : `must be ${COLOR_HINT}`;
    case 'enum':
      return typeof value === 'string' && spec.values.includes(value) ? undefined : `must be one of ${spec.values.join(', ')}`;
    case 'date':
      return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) ? undefined : 'must be a date YYYY-MM-DD';
  }
}

export type { CatalogEntry, ParamSpec, SceneParams, ParamValue, BuildContext } from './types.js';
