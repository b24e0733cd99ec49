/**
 * Scene JSON: its schema (TypeBox) and `validateScene`, which reports every error with its JSON
 * pointer. Validation runs in two steps so errors stay readable: the scene envelope first, then each
 * effect against the schema of its own type (no "must match a schema in anyOf" over eleven effects).
 */
import Type, { type Static, type TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { COLOR_HINT, COLOR_PATTERN } from './color.js';
import { EFFECT_TYPES, effectDef, type EffectSpec } from './effects/index.js';
import { literals } from './effects/params.js';
import type { CheckContext, Issue } from './effects/types.js';
import { FIXTURE_KINDS } from './fixtures.js';
import { SCENE_ID_PATTERN } from './ids.js';

export const BLEND_MODES = ['normal', 'add', 'screen', 'multiply', 'lighten', 'darken'] as const;
export type BlendMode = (typeof BLEND_MODES)[number];

const PALETTE_KEY = '^[a-z0-9][a-z0-9-]{0,31}$';
const PALETTE_KEY_RE = new RegExp(PALETTE_KEY);

const EffectRef = Type.Object(
  { type: Type.String({ description: `effect type: ${EFFECT_TYPES.join(', ')}` }) },
  { additionalProperties: true, 'x-kind': 'effect' },
);

export const LayerSchema = Type.Object(
  {
    effect: EffectRef,
    blend: Type.Optional(literals(BLEND_MODES, { default: 'normal', description: 'how the layer combines with the layers below' })),
    opacity: Type.Optional(Type.Number({ minimum: 0, maximum: 1, default: 1, description: 'layer strength', 'x-unit': 'fraction' })),
    mask: Type.Optional(
      Type.Object(
        {
          fixtures: Type.Optional(Type.Array(Type.String({ pattern: SCENE_ID_PATTERN }), { maxItems: 256, description: 'fixture ids the layer applies to' })),
          kinds: Type.Optional(Type.Array(literals(FIXTURE_KINDS), { maxItems: 5, description: 'fixture kinds the layer applies to' })),
          invert: Type.Optional(Type.Boolean({ description: 'apply to every fixture except those selected' })),
        },
        { additionalProperties: false, description: 'which fixtures the layer lights; a fixture must match every given list' },
      ),
    ),
  },
  { additionalProperties: false },
);

export const SceneSchema = Type.Object(
  {
    name: Type.Optional(Type.String({ pattern: SCENE_ID_PATTERN, description: 'scene id, e.g. "carp"' })),
    title: Type.Optional(Type.Object({ zh: Type.Optional(Type.String({ maxLength: 32 })), en: Type.Optional(Type.String({ maxLength: 64 })) }, { additionalProperties: false })),
    description: Type.Optional(Type.String({ maxLength: 280 })),
    brightness: Type.Optional(Type.Number({ minimum: 0, maximum: 1, default: 1, description: 'scene brightness cap', 'x-unit': 'fraction' })),
    gamma: Type.Optional(Type.Number({ minimum: 1, maximum: 3, default: 2.2, description: 'output gamma', 'x-unit': 'exponent' })),
    speed: Type.Optional(Type.Number({ minimum: 0.05, maximum: 20, default: 1, description: 'time scale of every layer', 'x-unit': 'factor' })),
    palettes: Type.Optional(
      Type.Record(Type.String({ pattern: PALETTE_KEY }), Type.Array(Type.String({ pattern: COLOR_PATTERN, 'x-kind': 'color' }), { minItems: 1, maxItems: 16 }), {
        maxProperties: 8,
        description: 'palettes defined by this scene, by name',
      }),
    ),
    layers: Type.Array(LayerSchema, { minItems: 1, maxItems: 8, description: 'layers, bottom first' }),
  },
  { additionalProperties: false },
);

export type Layer = Omit<Static<typeof LayerSchema>, 'effect'> & { effect: EffectSpec };
export type Scene = Omit<Static<typeof SceneSchema>, 'layers'> & { layers: Layer[] };
export type SceneError = Issue;
export type ValidationResult = { ok: true; scene: Scene } | { ok: false; errors: SceneError[] };

const sceneValidator = Compile(SceneSchema);
const effectValidators = new Map<string, ReturnType<typeof Compile>>();

function effectValidator(type: string) {
  let v = effectValidators.get(type);
  if (!v) {
    v = Compile(effectDef(type)!.schema);
    effectValidators.set(type, v);
  }
  return v;
}

/**
 * Validates a scene (a parsed value or JSON text). Returns the scene, or every error found with its
 * JSON pointer, e.g. `{ path: '/layers/0/effect/speed', message: 'must be from -2000 to 2000 px/s' }`.
 */
export function validateScene(json: unknown): ValidationResult {
  let value = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json);
    } catch (err) {
      return { ok: false, errors: [{ path: '', message: `not valid JSON: ${(err as Error).message}` }] };
    }
  }
  const errors: Issue[] = [];
  if (!sceneValidator.Check(value)) errors.push(...collectErrors(SceneSchema, value, ''));
  if (isObject(value)) {
    const palettes = isObject(value['palettes']) ? (value['palettes'] as Record<string, readonly string[]>) : {};
    for (const key of Object.keys(palettes)) {
      if (!PALETTE_KEY_RE.test(key)) errors.push({ path: `/palettes/${escapePointer(key)}`, message: `palette name must match ${PALETTE_KEY}` });
    }
    const layers = value['layers'];
    if (Array.isArray(layers)) {
      layers.forEach((layer, i) => {
        if (isObject(layer) && 'effect' in layer) errors.push(...checkEffect(layer['effect'], `/layers/${i}/effect`, 0, palettes));
      });
    }
  }
  const unique = dedupe(errors);
  return unique.length === 0 ? { ok: true, scene: value as Scene } : { ok: false, errors: unique };
}

/** Validates one effect object (used for layers and, recursively, timeline cues). */
export function checkEffect(value: unknown, path: string, depth: number, palettes: Readonly<Record<string, readonly string[]>>): Issue[] {
  if (!isObject(value)) return []; // the envelope already reported it
  const type = value['type'];
  if (typeof type !== 'string') return [{ path: `${path}/type`, message: `must name an effect: one of ${EFFECT_TYPES.join(', ')}` }];
  const def = effectDef(type);
  if (!def) return [{ path: `${path}/type`, message: `unknown effect '${type}'; known effects: ${EFFECT_TYPES.join(', ')}` }];
  const validator = effectValidator(type);
  if (!validator.Check(value)) return collectErrors(def.schema, value, path, type);
  if (!def.check) return [];
  const ctx: CheckContext = { palettes, depth, checkEffect: (v, p, d) => checkEffect(v, p, d, palettes) };
  return def.check(value as never, path, ctx);
}

const leafValidators = new WeakMap<object, ReturnType<typeof Compile>>();

/**
 * Every error in `value`, walking objects and arrays ourselves and leaving only leaves (numbers,
 * strings, unions, records) to compiled validators: TypeBox's own error list is not exhaustive once
 * one error has been found in a sibling (observed with typebox 1.4).
 */
function collectErrors(schema: TSchema, value: unknown, path: string, effectType?: string, depth = 0): Issue[] {
  const s = schema as Record<string, unknown>;
  if (s['type'] === 'object' && isObject(s['properties']) && s['x-kind'] !== 'effect' && isObject(value)) {
    const props = s['properties'] as Record<string, TSchema>;
    const out: Issue[] = [];
    for (const key of (s['required'] as string[] | undefined) ?? []) {
      if (value[key] === undefined) out.push({ path: `${path}/${escapePointer(key)}`, message: 'is required' });
    }
    for (const [key, v] of Object.entries(value)) {
      const prop = props[key];
      if (prop) out.push(...collectErrors(prop, v, `${path}/${escapePointer(key)}`, effectType, depth + 1));
      else if (s['additionalProperties'] === false) {
        const known = Object.keys(props).filter((k) => k !== 'type');
        const what = effectType && depth === 0 ? `parameter '${key}' of ${effectType}` : `property '${key}'`;
        out.push({ path: `${path}/${escapePointer(key)}`, message: `unknown ${what}; known: ${known.join(', ')}` });
      }
    }
    return out;
  }
  if (s['type'] === 'array' && Array.isArray(value) && isObject(s['items'])) {
    const out: Issue[] = [];
    if (typeof s['minItems'] === 'number' && value.length < s['minItems']) out.push({ path, message: `must have at least ${s['minItems']} item(s)` });
    if (typeof s['maxItems'] === 'number' && value.length > s['maxItems']) out.push({ path, message: `must have at most ${s['maxItems']} items` });
    value.forEach((item, i) => out.push(...collectErrors(s['items'] as TSchema, item, `${path}/${i}`, effectType, depth + 1)));
    return out;
  }
  let v = leafValidators.get(schema);
  if (!v) {
    v = Compile(schema);
    leafValidators.set(schema, v);
  }
  return v.Check(value) ? [] : formatErrors(schema, v.Errors(value), path, effectType);
}

interface RawError {
  keyword: string;
  schemaPath: string;
  instancePath: string;
  params: Record<string, unknown>;
  message: string;
}

/** Turns TypeBox errors into one readable error per problem, with units, choices and known names. */
function formatErrors(root: TSchema, raw: readonly unknown[], prefix: string, effectType?: string): Issue[] {
  const out: Issue[] = [];
  for (const r of raw as RawError[]) {
    const path = prefix + r.instancePath;
    // The aggregate additionalProperties error repeats the per-key ones; const errors of a union of
    // literals are summarised by its anyOf error.
    if (r.keyword === 'additionalProperties' || (r.keyword === 'const' && /\/anyOf\/\d+$/.test(r.schemaPath))) continue;
    const schema = schemaAt(root, r.schemaPath);
    if (r.keyword === 'boolean' && r.schemaPath.endsWith('/additionalProperties')) {
      const owner = schemaAt(root, r.schemaPath.slice(0, -'/additionalProperties'.length));
      const known = owner && isObject(owner['properties']) ? Object.keys(owner['properties']).filter((k) => k !== 'type') : [];
      const key = r.instancePath.slice(r.instancePath.lastIndexOf('/') + 1);
      const what = effectType && r.instancePath.lastIndexOf('/') === 0 ? `parameter of ${effectType}` : 'property';
      out.push({ path, message: `unknown ${what} '${unescapePointer(key)}'${known.length ? `; known: ${known.join(', ')}` : ''}` });
      continue;
    }
    if (r.keyword === 'required') {
      const missing = (r.params['requiredProperties'] as string[] | undefined) ?? [];
      for (const m of missing) out.push({ path: `${path}/${escapePointer(m)}`, message: 'is required' });
      continue;
    }
    if (r.keyword === 'anyOf' && schema && Array.isArray(schema['anyOf'])) {
      const consts = (schema['anyOf'] as Record<string, unknown>[]).map((s) => s['const']);
      if (consts.every((c) => c !== undefined)) {
        out.push({ path, message: `must be one of ${consts.map((c) => JSON.stringify(c)).join(', ')}` });
        continue;
      }
    }
    if (schema && (r.keyword === 'minimum' || r.keyword === 'maximum' || (r.keyword === 'type' && (schema['type'] === 'number' || schema['type'] === 'integer')))) {
      const unit = typeof schema['x-unit'] === 'string' ? ` (${schema['x-unit']})` : '';
      const range = schema['minimum'] !== undefined && schema['maximum'] !== undefined ? ` from ${schema['minimum']} to ${schema['maximum']}${unit}` : '';
      out.push({ path, message: `must be a number${range}` });
      continue;
    }
    if (r.keyword === 'pattern' && schema) {
      const kind = schema['x-kind'];
      if (kind === 'color') out.push({ path, message: `must be ${COLOR_HINT}` });
      else if (kind === 'palette') out.push({ path, message: 'must be a palette name ([a-z0-9-], up to 32 characters)' });
      else out.push({ path, message: `must match ${String(schema['pattern'])}` });
      continue;
    }
    out.push({ path, message: r.message });
  }
  return out;
}

function schemaAt(root: TSchema, schemaPath: string): Record<string, unknown> | undefined {
  let node: unknown = root;
  for (const seg of schemaPath.split('/').slice(1)) {
    if (!isObject(node) && !Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[unescapePointer(seg)];
  }
  return isObject(node) ? node : undefined;
}

function dedupe(errors: Issue[]): Issue[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = `${e.path}\u0000${e.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function escapePointer(s: string): string {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}

function unescapePointer(s: string): string {
  return s.replace(/~1/g, '/').replace(/~0/g, '~');
}
