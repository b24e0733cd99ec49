/**
 * The effect contract. An effect is a parameterized function of (t, pixel, params, seed), split in two
 * so the hot loop allocates nothing and repeats no per-frame work:
 *
 *   frame(t, strand, length)   once per frame and strand: positions, phases, mixes
 *   pixel(i, out, o)           once per pixel: writes r, g, b in [0, 1] to out[o..o+2]
 *   fill(out, o, n)            pixels 0..n-1 to out[o..]: the same loop in every effect, written
 *                              out in each so its call to pixel stays monomorphic and inlinable
 *
 * Instances are created once per scene and layout (create), with their parameters already checked.
 */
import type { Static, TObject } from 'typebox';

export interface EffectInstance {
  frame(tMs: number, strand: number, length: number): void;
  pixel(i: number, out: Float32Array, o: number): void;
  fill(out: Float32Array, o: number, n: number): void;
}

/** An effect as it appears in scene JSON: `{ "type": "chase", ...params }`. */
export interface EffectSpec {
  type: string;
  [param: string]: unknown;
}

export interface EffectContext {
  seed: number;
  /** Palettes defined by the scene, by name. */
  palettes: Readonly<Record<string, readonly string[]>>;
  /** Creates a nested effect (timeline cues). */
  create(spec: EffectSpec, seed: number): EffectInstance;
}

export interface Issue {
  path: string;
  message: string;
}

export interface EffectDef<S extends TObject = TObject> {
  readonly type: string;
  /** One line for docs and the catalog listing. */
  readonly summary: string;
  readonly schema: S;
  create(params: Static<S>, ctx: EffectContext): EffectInstance;
  /** Checks beyond the schema (palette names, cue order). `path` is the JSON pointer of the effect. */
  check?(params: Static<S>, path: string, ctx: CheckContext): Issue[];
}

export interface CheckContext {
  palettes: Readonly<Record<string, readonly string[]>>;
  /** Validates a nested effect (timeline cues), appending its issues. */
  checkEffect(value: unknown, path: string, depth: number): Issue[];
  depth: number;
}

/** Declares an effect with its schema type inferred. */
export function defineEffect<S extends TObject>(def: EffectDef<S>): EffectDef<S> {
  return def;
}
