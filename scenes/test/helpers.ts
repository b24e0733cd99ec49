/** Shared test helpers: layouts, a flash counter written independently of the renderer, and scene generators. */
import fc from 'fast-check';
import type { TSchema } from 'typebox';
import { NAMED_COLORS } from '../src/color.js';
import { EFFECTS, EFFECT_TYPES } from '../src/effects/index.js';
import { createLayout, type Layout } from '../src/fixtures.js';
import { PALETTE_NAMES } from '../src/palettes.js';
import { BLEND_MODES, type Scene } from '../src/schema.js';
import type { EffectSpec } from '../src/effects/types.js';

/** A compound's worth: 16 strings of 300 RGB pixels (14,400 channels). */
export function compoundLayout(): Layout {
  return createLayout(Array.from({ length: 16 }, (_, i) => ({ id: `string-${i}`, kind: 'pixels' as const, pixels: 300, ratedWatts: 18, standbyWatts: 0.3 })));
}

/** Every fixture kind in one small group. */
export function mixedLayout(): Layout {
  return createLayout([
    { id: 'dim-0', kind: 'dimmer', ratedWatts: 30 },
    { id: 'dim-1', kind: 'dimmer', ratedWatts: 30 },
    { id: 'relay-0', kind: 'relay', ratedWatts: 40 },
    { id: 'rgb-0', kind: 'rgb', ratedWatts: 15 },
    { id: 'rgbw-0', kind: 'rgbw', ratedWatts: 20 },
    { id: 'stars', kind: 'pixels', pixels: 24, ratedWatts: 7.2 },
    { id: 'meteors', kind: 'pixels', pixels: 30, ratedWatts: 9 },
  ]);
}

export const smallLayouts = (): Record<string, Layout> => ({
  mixed: mixedLayout(),
  dimmers: createLayout(Array.from({ length: 4 }, (_, i) => ({ id: `d${i}`, kind: 'dimmer' as const, ratedWatts: 25 }))),
  relays: createLayout(Array.from({ length: 3 }, (_, i) => ({ id: `r${i}`, kind: 'relay' as const, ratedWatts: 60 }))),
  single: createLayout([{ id: 'one', kind: 'dimmer', ratedWatts: 40 }]),
  string: createLayout([{ id: 's', kind: 'pixels', pixels: 60, ratedWatts: 18 }]),
});

/** Field level of a frame: power-weighted output in [0, 1] (the definition in docs, computed here afresh). */
export function field(frame: Uint8Array, layout: Layout): number {
  let sum = 0;
  let total = 0;
  for (let c = 0; c < frame.length; c++) {
    sum += (frame[c]! / 255) * layout.channelWatts[c]!;
    total += layout.channelWatts[c]!;
  }
  return total > 0 ? sum / total : 0;
}

/**
 * Most whole-field transitions (swings of ≥ threshold against the previous swing, with hysteresis)
 * completed in any window (t − 1000, t]. Two transitions make one flash.
 */
export function maxTransitionsPerSecond(samples: ReadonlyArray<{ t: number; f: number }>, threshold = 0.2): number {
  const times: number[] = [];
  let dir = 0;
  let ext = samples[0]?.f ?? 0;
  for (const { t, f } of samples) {
    if (dir === 1 && f > ext) ext = f;
    else if (dir === -1 && f < ext) ext = f;
    else if (dir !== 1 && f >= ext + threshold) { dir = 1; ext = f; times.push(t); }
    else if (dir !== -1 && f <= ext - threshold) { dir = -1; ext = f; times.push(t); }
  }
  let best = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[j]! <= times[i]! - 1000) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

/** FNV-1a over frames, as hex. */
export function hashFrames(frames: Iterable<Uint8Array>): string {
  let h = 0x811c9dc5;
  for (const f of frames) for (let i = 0; i < f.length; i++) h = Math.imul(h ^ f[i]!, 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

// ---------------------------------------------------------------------------------------------
// Generators built from the schemas, so a new parameter is covered without touching the tests.

const hexColor = fc.integer({ min: 0, max: 0xffffff }).map((n) => `#${n.toString(16).padStart(6, '0')}`);
const anyColor = fc.oneof(hexColor, fc.constantFrom(...Object.keys(NAMED_COLORS)));

function arbFromSchema(schema: TSchema, depth: number): fc.Arbitrary<unknown> {
  const s = schema as Record<string, unknown>;
  if (s['x-kind'] === 'color') return anyColor;
  if (s['x-kind'] === 'palette') return fc.constantFrom(...PALETTE_NAMES);
  if (s['x-kind'] === 'effect') return arbEffect(depth + 1);
  if ('const' in s) return fc.constant(s['const']);
  if (Array.isArray(s['anyOf'])) return fc.oneof(...(s['anyOf'] as TSchema[]).map((x) => arbFromSchema(x, depth)));
  if (s['type'] === 'number') return fc.double({ min: s['minimum'] as number, max: s['maximum'] as number, noNaN: true, noDefaultInfinity: true });
  if (s['type'] === 'integer') return fc.integer({ min: s['minimum'] as number, max: s['maximum'] as number });
  if (s['type'] === 'boolean') return fc.boolean();
  if (s['type'] === 'array') return fc.array(arbFromSchema(s['items'] as TSchema, depth), { minLength: (s['minItems'] as number) ?? 0, maxLength: Math.min(3, (s['maxItems'] as number) ?? 3) });
  if (s['type'] === 'object') {
    const props = s['properties'] as Record<string, TSchema>;
    const arbs: Record<string, fc.Arbitrary<unknown>> = {};
    for (const [k, v] of Object.entries(props)) arbs[k] = arbFromSchema(v, depth);
    return fc.record(arbs, { requiredKeys: ((s['required'] as string[]) ?? []) as never[] });
  }
  return fc.constant(undefined);
}

/** Timelines: cues within the first 10 s, in order, a loop after the last cue. */
function fixTimeline(e: EffectSpec): EffectSpec {
  if (e.type !== 'timeline') return e;
  const cues = (e['cues'] as Array<{ atMs: number; fadeMs?: number; effect: EffectSpec }>)
    .map((c) => ({ ...c, atMs: c.atMs % 10_000, fadeMs: c.fadeMs === undefined ? undefined : c.fadeMs % 5000 }))
    .sort((a, b) => a.atMs - b.atMs);
  const last = cues[cues.length - 1]!.atMs;
  const loop = e['loopMs'] as number | undefined;
  return { ...e, cues, loopMs: loop === undefined ? undefined : last + 1 + (loop % 10_000) };
}

export function arbEffect(depth = 0, types: readonly string[] = EFFECT_TYPES): fc.Arbitrary<EffectSpec> {
  const allowed = depth >= 2 ? types.filter((t) => t !== 'timeline') : types;
  return fc.oneof(...allowed.map((t) => arbFromSchema((EFFECTS as Record<string, { schema: TSchema }>)[t]!.schema, depth))).map((e) => fixTimeline(e as EffectSpec));
}

export function arbScene(options: { fixtureIds?: string[]; types?: readonly string[] } = {}): fc.Arbitrary<Scene> {
  const ids = options.fixtureIds ?? ['dim-0', 'rgb-0', 'stars'];
  const layer = fc.record(
    {
      effect: arbEffect(0, options.types),
      blend: fc.constantFrom(...BLEND_MODES),
      opacity: fc.double({ min: 0, max: 1, noNaN: true }),
      mask: fc.record({ fixtures: fc.subarray(ids), invert: fc.boolean() }, { requiredKeys: [] }),
    },
    { requiredKeys: ['effect'] },
  );
  return fc.record(
    {
      layers: fc.array(layer, { minLength: 1, maxLength: 4 }),
      gamma: fc.double({ min: 1, max: 3, noNaN: true }),
      brightness: fc.double({ min: 0, max: 1, noNaN: true }),
      speed: fc.double({ min: 0.05, max: 20, noNaN: true }),
    },
    { requiredKeys: ['layers'] },
  ) as fc.Arbitrary<Scene>;
}

/** Removes undefined fields (JSON has none) so generated scenes are exactly what would travel. */
export function asJson<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}
