/**
 * Schema builders for effect parameters: every number has a range and a unit, every colour says what
 * it accepts. Defaults live in the schema (documentation and `withDefaults` read the same value).
 */
import Type, { type Static, type TLiteral, type TObject, type TSchemaOptions, type TUnion } from 'typebox';
import { COLOR_HINT, COLOR_PATTERN } from '../color.js';

export function color(defaultValue: string, description: string) {
  return Type.Optional(Type.String({ pattern: COLOR_PATTERN, default: defaultValue, description: `${description}: ${COLOR_HINT}`, 'x-kind': 'color' }));
}

export function num(minimum: number, maximum: number, defaultValue: number, unit: string, description: string) {
  return Type.Optional(Type.Number({ minimum, maximum, default: defaultValue, description, 'x-unit': unit }));
}

/** A union of string literals, typed as such (Type.Union over a mapped array would lose the literals). */
export function literals<const T extends readonly string[]>(values: T, options?: TSchemaOptions): TUnion<{ -readonly [K in keyof T]: TLiteral<T[K]> }> {
  return Type.Union(values.map((v) => Type.Literal(v)), options) as never;
}

export function choice<const T extends readonly [string, ...string[]]>(values: T, defaultValue: T[number], description: string) {
  return Type.Optional(literals(values, { default: defaultValue, description }));
}

export function paletteRef(defaultValue: string, description: string) {
  return Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,31}$', default: defaultValue, description: `${description}: a named palette or one defined in the scene`, 'x-kind': 'palette' }));
}

/** The `type` discriminator of an effect schema. */
export function kind<const T extends string>(type: T) {
  return Type.Literal(type);
}

export type Filled<S extends TObject> = Required<Static<S>>;

/** Fills missing parameters from the schema defaults. */
export function withDefaults<S extends TObject>(schema: S, params: Static<S>): Filled<S> {
  const out: Record<string, unknown> = { ...(params as Record<string, unknown>) };
  for (const [key, prop] of Object.entries(schema.properties as Record<string, { default?: unknown }>)) {
    if (out[key] === undefined && prop.default !== undefined) out[key] = prop.default;
  }
  return out as Filled<S>;
}

/** Closed object schema for an effect. */
export function effectSchema<P extends Record<string, import('typebox').TSchema>>(properties: P, description: string) {
  return Type.Object(properties, { additionalProperties: false, description });
}
